import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type Launched } from './lib/browser.ts';
import { scanDir } from './lib/canary.ts';

/**
 * The vault in real Chromium with the built extension: the offscreen document hosts it, an
 * extension page talks to it through the extension's own messages, and every file of the
 * profile on disk is scanned for the synthetic canaries afterwards.
 */
const CANARIES = ['Zephyrine Quallsworth', 'QX-CANARY-7731', '404-555-0199', 'canary-note-Vortigern'];
const PIN = 'correct horse 42';

const CONTROL = 'CONTROL-PLAINTEXT-8812';

/** Every file of the profile, bytes, UTF-8 and UTF-16LE, each canary exactly as written. */
function scanProfile(dir: string, canaries: readonly string[] = CANARIES): { files: number; hits: string[] } {
  const r = scanDir(dir, canaries, { variants: false });
  return { files: r.files, hits: r.hits.map((h) => `/${h.file} (${h.encoding})`) };
}

async function vault(page: Page, msg: Record<string, unknown>): Promise<{ ok: boolean; value?: unknown; code?: string }> {
  return page.evaluate((m) => chrome.runtime.sendMessage({ target: 'offscreen', ...m }), msg) as Promise<{ ok: boolean; value?: unknown; code?: string }>;
}

async function extensionPage(l: Launched): Promise<Page> {
  const page = await l.context.newPage();
  await page.goto(`chrome-extension://${l.extensionId}/sidepanel.html`);
  // visit.status makes the background create the offscreen document that hosts the vault; wait
  // until that document answers.
  for (let i = 0; i < 100; i++) {
    const r = (await page.evaluate(() => chrome.runtime.sendMessage({ target: 'background', cmd: 'visit.status' }))) as { ok?: boolean } | undefined;
    if (r?.ok) return page;
    await page.waitForTimeout(100);
  }
  throw new Error('the offscreen document never answered');
}

describe('vault in real Chromium (real IndexedDB, profile on disk)', () => {
  const profile = mkdtempSync(join(tmpdir(), 'scribe-vault-profile-'));
  afterAll(() => rmSync(profile, { recursive: true, force: true }));
  let visitId = '';

  it('stores a visit as ciphertext: no canary anywhere in the profile on disk', async () => {
    const l = await launchWithExtension({ profileDir: profile, micWav: null });
    try {
      const page = await extensionPage(l);
      expect((await vault(page, { cmd: 'vault.setup', pin: PIN })).ok).toBe(true);
      const created = await vault(page, { cmd: 'vault.createVisit', meta: { template: 'soap' } });
      expect(created.ok).toBe(true);
      visitId = String(created.value);
      for (let i = 0; i < 20; i++) {
        const text = `Segment ${i}: my name is ${CANARIES[0]}, id ${CANARIES[1]}, call ${CANARIES[2]}.`;
        const r = await vault(page, { cmd: 'vault.putSegment', visitId, segment: { id: `s${i}`, source: 'mic', speaker: 'clinician', t0: i, t1: i + 1, text, final: true } });
        expect(r.ok).toBe(true);
      }
      expect((await vault(page, { cmd: 'vault.putNote', visitId, note: { text: CANARIES[3] } })).ok).toBe(true);
      expect((await vault(page, { cmd: 'vault.putPhiMap', visitId, map: { NAME_1: CANARIES[0] } })).ok).toBe(true);
      const segs = await vault(page, { cmd: 'vault.listSegments', visitId });
      expect(JSON.stringify(segs.value)).toContain(CANARIES[0]); // round trip works while unlocked
      // only the side panel and the service worker may talk to the offscreen document (vault and
      // every other command): our options and permission pages are refused before a handler sees
      // the command; the service worker is not
      const sendFrom = async (path: string, msg: Record<string, unknown>) => {
        const p = await l.context.newPage();
        await p.goto(`chrome-extension://${l.extensionId}/${path}`);
        const r = (await p.evaluate((m) => chrome.runtime.sendMessage({ target: 'offscreen', ...m }), msg)) as { ok: boolean; error?: { code?: string } };
        await p.close();
        return r;
      };
      for (const path of ['options.html', 'permission.html']) {
        for (const msg of [{ cmd: 'vault.listSegments', visitId: 'x' }, { cmd: 'audit.export' }, { cmd: 'review.list' }, { cmd: 'capture.status' }]) {
          expect(await sendFrom(path, msg), `${path} ${msg.cmd}`).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } });
        }
      }
      const fromSw = (await l.serviceWorker.evaluate(() => chrome.runtime.sendMessage({ target: 'offscreen', cmd: 'vault.status' }))) as { ok: boolean };
      expect(fromSw.ok, 'the service worker may send vault commands').toBe(true);
      const statusFromSw = (await l.serviceWorker.evaluate(() => chrome.runtime.sendMessage({ target: 'offscreen', cmd: 'capture.status' }))) as { ok: boolean };
      expect(statusFromSw.ok, 'the service worker may send capture commands').toBe(true);
      expect((await page.evaluate(() => chrome.runtime.sendMessage({ target: 'offscreen', cmd: 'review.list' }))) as { ok: boolean }, 'the side panel may').toMatchObject({ ok: true });
      // the offscreen document's console and the extension's storage carry nothing either
      const storage = await page.evaluate(async () => JSON.stringify([await chrome.storage.local.get(null), await chrome.storage.session.get(null), localStorage.length]));
      for (const c of CANARIES) expect(storage).not.toContain(c);
      // locked: every read refused
      expect((await vault(page, { cmd: 'vault.lock' })).ok).toBe(true);
      const locked = await vault(page, { cmd: 'vault.listSegments', visitId });
      expect(locked).toMatchObject({ ok: false, code: 'LOCKED' });
      expect((await vault(page, { cmd: 'vault.unlock', pin: 'wrong pin 000' })).code).toBe('WRONG_PIN');
      // positive control: plaintext put in IndexedDB by a page IS found by the same scan
      await page.evaluate(
        (control) =>
          new Promise<void>((resolve, reject) => {
            const req = indexedDB.open('scan-control', 1);
            req.onupgradeneeded = () => req.result.createObjectStore('x');
            req.onsuccess = () => {
              const tx = req.result.transaction('x', 'readwrite');
              tx.objectStore('x').put(control.repeat(50), 'k');
              tx.oncomplete = () => resolve();
              tx.onerror = () => reject(new Error('control write failed'));
            };
          }),
        CONTROL,
      );
    } finally {
      await l.context.close(); // flush IndexedDB's LevelDB files to disk
    }
    const { files, hits } = scanProfile(profile);
    expect(files).toBeGreaterThan(10);
    expect(hits).toEqual([]);
    expect(scanProfile(profile, [CONTROL]).hits.length).toBeGreaterThan(0);
  });

  it('after a browser restart: the right PIN opens it; deletion really removes the visit', async () => {
    const l = await launchWithExtension({ profileDir: profile, micWav: null });
    try {
      const page = await extensionPage(l);
      expect((await vault(page, { cmd: 'vault.listSegments', visitId })).code).toBe('LOCKED');
      expect((await vault(page, { cmd: 'vault.unlock', pin: PIN })).ok).toBe(true);
      const segs = await vault(page, { cmd: 'vault.listSegments', visitId });
      expect((segs.value as unknown[]).length).toBe(20);
      expect((await vault(page, { cmd: 'vault.deleteVisit', visitId })).ok).toBe(true);
      const gone = await vault(page, { cmd: 'vault.listSegments', visitId });
      expect(gone.ok).toBe(false);
    } finally {
      await l.context.close();
    }
    expect(scanProfile(profile).hits).toEqual([]);
  });
});
