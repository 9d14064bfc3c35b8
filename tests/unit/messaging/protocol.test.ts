import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

vi.mock('webextension-polyfill', () => ({ default: { runtime: { id: 'selfid', onMessage: { addListener() {}, removeListener() {} } } } }));

const { route, classifySender } = await import('../../../extension/lib/messaging/index.ts');
const { Command } = await import('../../../shared/messages.ts');

const SELF = 'selfid';
const page = { id: SELF, url: `chrome-extension://${SELF}/sidepanel.html` };
const contentScript = { id: SELF, url: 'https://ehr.example/chart', tab: { id: 3 } };
const otherExtension = { id: 'otherid', url: 'chrome-extension://otherid/x.html' };

const handled: string[] = [];
const handlers = {
  'visit.start': () => {
    handled.push('visit.start');
    return { ok: 1 };
  },
  'visit.stop': () => {
    handled.push('visit.stop');
    return null;
  },
};

describe('classifySender', () => {
  it('trusts only our own id; tells pages from content scripts', () => {
    expect(classifySender(page, SELF)).toBe('extension-page');
    expect(classifySender(contentScript, SELF)).toBe('content-script');
    expect(classifySender(otherExtension, SELF)).toBe('untrusted');
    expect(classifySender({ url: page.url }, SELF)).toBe('untrusted'); // url alone is not trusted
    expect(classifySender({ id: SELF }, SELF)).toBe('untrusted');
  });
});

describe('route', () => {
  it('accepts a valid command from an extension page and runs its handler', async () => {
    const r = await route('background', handlers, { target: 'background', cmd: 'visit.start', mic: true }, page, SELF);
    expect(r).toEqual({ ok: true, data: { ok: 1 } });
  });

  it('ignores messages for another context (no reply)', async () => {
    expect(await route('background', handlers, { target: 'offscreen', cmd: 'capture.stop' }, page, SELF)).toBeUndefined();
  });

  it('refuses privileged commands from content scripts and other extensions', async () => {
    const msg = { target: 'background', cmd: 'visit.start', mic: true };
    expect(await route('background', handlers, msg, contentScript, SELF)).toEqual({ ok: false, error: { code: 'untrusted_sender' } });
    expect(await route('background', handlers, msg, otherExtension, SELF)).toEqual({ ok: false, error: { code: 'untrusted_sender' } });
  });

  it('rejects unknown keys, wrong types and __proto__ with a content-free code', async () => {
    const secret = 'Walter Nair canary 555-0142';
    for (const raw of [
      { target: 'background', cmd: 'visit.start', mic: true, note: secret },
      { target: 'background', cmd: 'visit.start', mic: secret },
      JSON.parse(`{"target":"background","cmd":"visit.start","mic":true,"__proto__":{"polluted":"${secret}"}}`),
      { target: 'background', cmd: 'no.such' },
    ]) {
      const r = await route('background', handlers, raw, page, SELF);
      expect(r?.ok).toBe(false);
      expect(JSON.stringify(r)).not.toContain('Walter');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('capture.start takes no caller-chosen visit id (every capture goes through the consent and vault gates)', () => {
    expect(Command.safeParse({ target: 'offscreen', cmd: 'capture.start', mic: true, consent: true }).success).toBe(true);
    expect(Command.safeParse({ target: 'offscreen', cmd: 'capture.start', mic: true, consent: false, visitId: 'v_0123456789abcdef' }).success).toBe(false);
  });

  it('a handler that throws yields handler_failed, never the error text', async () => {
    const r = await route('background', { 'visit.stop': () => { throw new Error('Walter Nair'); } }, { target: 'background', cmd: 'visit.stop' }, page, SELF);
    expect(r).toEqual({ ok: false, error: { code: 'handler_failed' } });
  });

  it('property: 10,000 generated malformed messages are never accepted, never throw, never pollute', async () => {
    handled.length = 0;
    const key = fc.constantFrom('target', 'cmd', 'mic', 'tabStreamId', 'visitId', '__proto__', 'constructor', 'evt', 'x');
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.object(), fc.array(fc.anything(), { maxLength: 3 }));
    const near = fc.record({
      target: fc.constantFrom('background', 'offscreen', 'panel', 'content'),
      cmd: fc.constantFrom('visit.start', 'visit.stop', 'capture.start', 'asr.transcript', 'x'),
      extra: fc.dictionary(key, value, { maxKeys: 4 }),
    }).map(({ target, cmd, extra }) => ({ ...extra, target, cmd }));
    const arb = fc.oneof(fc.anything(), near, fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(arb, async (raw) => {
        const valid = Command.safeParse(raw).success;
        let r;
        try {
          r = await route('background', handlers, raw, page, SELF);
        } catch {
          return false; // never throws
        }
        if (!valid && r) expect(r.ok).toBe(false);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        return true;
      }),
      { numRuns: 10_000 },
    );
    // Only messages that parse as commands ever reached a handler.
    expect(handled.every((h) => h === 'visit.start' || h === 'visit.stop')).toBe(true);
  });
});
