import { describe, expect, it, vi } from 'vitest';

/**
 * insert.* reaches the handler only through the background's one listener, and only from the
 * extension's own pages: a content script (same id, a web page URL), another extension, or a
 * forged URL without our id are refused before the vault or any tab is touched.
 */
type Listener = (raw: unknown, sender: unknown) => Promise<unknown> | undefined;
const listeners: Listener[] = [];
vi.mock('webextension-polyfill', () => ({
  default: { runtime: { id: 'selfid', onMessage: { addListener: (l: Listener) => listeners.push(l), removeListener() {} } } },
}));

const { listen } = await import('../../../extension/lib/messaging/index.ts');
const { createInsertHandler } = await import('../../../extension/lib/background/ehr.ts');

const SELF = 'selfid';
const calls: string[] = [];
const vault = {
  listVisits: async () => {
    calls.push('vault.listVisits');
    return [];
  },
  getNote: async () => {
    calls.push('vault.getNote');
    return null;
  },
};
const fakeChrome = {
  scripting: { executeScript: async () => (calls.push('executeScript'), [{ frameId: 0 }]) },
  tabs: { get: async () => (calls.push('tabs.get'), {}), sendMessage: async () => (calls.push('sendMessage'), null) },
};
listen('background', {}, undefined, [createInsertHandler({ vault, chrome: fakeChrome, allowedOrigins: async () => ['https://ehr.example.org'] })]);
const msg = { target: 'background', cmd: 'insert.write', tabId: 1, visitId: 'visit_0001', mode: 'auto' };

describe('insert.* sender check (the one listener)', () => {
  it('refuses content scripts, other extensions and URL-only senders without running anything', async () => {
    for (const sender of [
      { id: SELF, url: 'https://ehr.example.org/chart', tab: { id: 1 }, frameId: 0 },
      { id: 'otherid', url: 'chrome-extension://otherid/x.html' },
      { url: `chrome-extension://${SELF}/sidepanel.html` },
    ]) expect(await listeners[0]!(msg, sender)).toEqual({ ok: false, error: { code: 'untrusted_sender' } });
    expect(calls).toEqual([]);
  });

  it('runs for the side panel page', async () => {
    const r = await listeners[0]!(msg, { id: SELF, url: `chrome-extension://${SELF}/sidepanel.html` });
    expect(r).toEqual({ ok: false, code: 'visit_not_found' });
    expect(calls).toEqual(['vault.listVisits', 'tabs.get']);
  });
});
