/**
 * The product's insert path in real Chromium, end to end: an extension page (the side panel's
 * page, opened as a tab) stores a visit in the vault through vault.* and sends insert.* to the
 * background exactly as the panel will; the background reads the approved note from the vault,
 * injects the content script (executeScript allFrames) and writes through tabs.sendMessage. No
 * test here talks to the content script directly.
 *
 * Host access: activeTab is granted by the clinician's toolbar click, which headless Chromium
 * cannot do, so the test loads a copy of the build whose manifest also grants the loopback
 * fixture hosts (tests/e2e/ehr/drivers.ts). 127.0.0.2 is granted too but policy does not allow
 * it (the default allowedEhrOrigins name 127.0.0.1 and localhost only): the refusal is policy's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type Launched } from './lib/browser.ts';
import { serveDirs } from './lib/serve.ts';
import { buildFixtures, serveFixtures, type FixtureServer } from './ehr/fixtures.ts';
import { builtExtensionDir, extensionCopyWithLoopbackGrant } from './ehr/drivers.ts';
import { insertCall, openExtensionPage, openVault, storeVisit, tabIdOf } from './ehr/insert-harness.ts';
import { MUST_TEXT, NOTE } from './ehr/note.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** NOTE as a StoredNote (shared/api Note: every statement has evidence). */
function storedNote(approvedAt: number | null = null): Record<string, unknown> {
  return {
    v: 1,
    note: { sections: NOTE.sections.map((s) => ({ key: s.key, title: s.title, statements: s.statements.map((st, i) => ({ text: st.text, evidence: [`${s.key}-${i}`] })) })) },
    template: 'soap',
    mode: 'device',
    provider: 'extractor',
    generatedAt: Date.now(),
    editedAt: null,
    approvedAt,
    unresolved: [],
  };
}

interface FieldResult {
  frameId: number;
  origin: string;
  targetId: string | null;
  kind: string | null;
  label: string | null;
  section: string | null;
  code: string;
  verified: boolean;
  chars: number;
}
interface WriteValue {
  code: string;
  mode: string;
  results: FieldResult[];
  unmapped: string[];
  undoable: boolean;
}

function listenOn(host: string, html: string): Promise<Server> {
  return new Promise((res) => {
    const s = createServer((_req, r) => {
      r.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    s.listen(0, host, () => res(s));
  });
}

describe('insert.* through the background (real Chromium, built extension)', () => {
  let l: Launched;
  let copy: ReturnType<typeof extensionCopyWithLoopbackGrant>;
  let fixtures: FixtureServer;
  let demo: Awaited<ReturnType<typeof serveDirs>>;
  let foreign: Server;
  let foreignUrl: string;
  let panel: Page;

  beforeAll(async () => {
    await buildFixtures();
    fixtures = await serveFixtures();
    demo = await serveDirs({ '/ehr/': join(ROOT, 'tests/fixtures/demo-ehr') });
    foreign = await listenOn('127.0.0.2', '<!doctype html><html><body><label for="n">Clinical note</label><textarea id="n" autofocus></textarea></body></html>');
    foreignUrl = `http://127.0.0.2:${(foreign.address() as AddressInfo).port}/`;
    copy = extensionCopyWithLoopbackGrant(builtExtensionDir(), ['http://127.0.0.2/*']);
    l = await launchWithExtension({ micWav: null, extensionDir: copy.dir });
    panel = await openExtensionPage(l);
    await openVault(panel, 'throwaway-pin-e2e-7731');
  }, 180_000);
  afterAll(async () => {
    await l?.close();
    copy?.remove();
    await fixtures?.close();
    await demo?.close();
    await new Promise((r) => (foreign ? foreign.close(() => r(null)) : r(null)));
  });

  async function openTab(url: string): Promise<{ page: Page; tabId: number }> {
    const page = await l.context.newPage();
    await page.goto(url);
    await page.waitForLoadState('load');
    if (url.includes(fixtures.origin)) await page.waitForSelector('html[data-ready="1"]', { timeout: 20_000 });
    return { page, tabId: await tabIdOf(panel, url) };
  }

  const demoUrl = (): string => `${demo.url}/ehr/index.html`;

  it('demo EHR, mode auto: the approved note lands in the focused "Full note" field, verified; undo restores', async () => {
    const { page, tabId } = await openTab(demoUrl());
    try {
      await page.focus('#full-note');
      const visitId = await storeVisit(panel, storedNote(), true);
      const scan = await insertCall(panel, 'insert.scan', { tabId, visitId });
      expect(scan.ok).toBe(true);
      const sv = (scan as { value: { auto: { frameId: number; targetId: string } | null; fields: Array<{ targetId: string; label: string }>; mapping: Array<{ key: string; field: unknown }> } }).value;
      expect(sv.fields.find((f) => f.targetId === sv.auto?.targetId)?.label).toBe('Full note');
      expect(sv.mapping.map((m) => [m.key, m.field !== null])).toEqual([
        ['subjective', true],
        ['objective', true],
        ['assessment', true],
        ['plan', true],
      ]);

      const r = await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'auto' });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const v = (r as { value: WriteValue }).value;
      expect(v.code).toBe('ok');
      expect(v.results.map((x) => [x.label, x.kind, x.verified, x.origin])).toEqual([['Full note', 'textarea', true, demo.url]]);
      expect(JSON.stringify(r)).not.toContain('patellofemoral'); // codes and lengths only
      const value = await page.inputValue('#full-note');
      for (const m of MUST_TEXT) expect(value).toContain(m);
      expect(value).toContain('Subjective:');

      const u = await insertCall(panel, 'insert.undo', { tabId, visitId });
      expect(u).toMatchObject({ ok: true, value: { code: 'ok', conflict: false } });
      expect(await page.inputValue('#full-note')).toBe('');
      expect(await insertCall(panel, 'insert.undo', { tabId, visitId })).toEqual({ ok: false, code: 'nothing_to_undo' });
    } finally {
      await page.close();
    }
  });

  it('demo EHR, mode sections: each section into its labelled field; the patient banner is read', async () => {
    const { page, tabId } = await openTab(demoUrl());
    try {
      const visitId = await storeVisit(panel, storedNote(), true);
      const r = await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'sections' });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const v = (r as { value: WriteValue }).value;
      expect(v.results.map((x) => [x.section, x.label, x.verified])).toEqual([
        ['subjective', 'Subjective', true],
        ['objective', 'Objective', true],
        ['assessment', 'Assessment', true],
        ['plan', 'Plan', true],
      ]);
      expect(await page.inputValue('#assessment')).toBe('Likely patellofemoral pain syndrome.');
      expect(await page.inputValue('#plan')).toBe('- Ibuprofen 400 mg three times daily with food for 10 days.\n- Physiotherapy referral; follow up in 4 weeks.');
      expect(await page.inputValue('#full-note')).toBe('');
      // one section only
      await insertCall(panel, 'insert.undo', { tabId, visitId });
      const one = await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'sections', only: ['plan'] });
      expect(one.ok && (one.value as WriteValue).results.map((x) => x.label)).toEqual(['Plan']);
      expect(await page.inputValue('#assessment')).toBe('');

      const b = await insertCall(panel, 'insert.banner', { tabId });
      expect(b).toEqual({ ok: true, value: { patient: { name: 'Nair, Walter', dob: '07/05/1950', mrn: 'MRN-4471920' }, via: 'selector', frameId: 0 } });
    } finally {
      await page.close();
    }
  });

  it('React form (sections), CKEditor 5 (target, one section) and a cross-origin iframe (auto): the app state holds the note', async () => {
    const visitId = await storeVisit(panel, storedNote(), true);
    // React: the controlled textareas, read back through the app's submit handler
    {
      const { page, tabId } = await openTab(fixtures.url('react.html'));
      try {
        const r = await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'sections' });
        expect(r.ok, JSON.stringify(r)).toBe(true);
        const v = (r as { value: WriteValue }).value;
        expect(v.results.filter((x) => x.verified).map((x) => x.label)).toEqual(expect.arrayContaining(['Assessment', 'Plan']));
        const state = (await page.evaluate('window.fx.submit()')) as { assessment: string; plan: string };
        expect(state.assessment).toBe('Likely patellofemoral pain syndrome.');
        expect(state.plan).toContain('Physiotherapy referral');
      } finally {
        await page.close();
      }
    }
    // CKEditor 5: the field the clinician picks (from the scan), one section, read with getData()
    {
      const { page, tabId } = await openTab(fixtures.url('ckeditor.html'));
      try {
        const scan = await insertCall(panel, 'insert.scan', { tabId });
        const fields = (scan as { value: { fields: Array<{ frameId: number; targetId: string; kind: string }> } }).value.fields;
        const ck = fields.find((f) => f.kind === 'ckeditor5')!;
        expect(ck).toBeDefined();
        const r = await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'target', frameId: ck.frameId, targetId: ck.targetId, only: ['assessment'] });
        expect(r.ok && (r.value as WriteValue).results.map((x) => [x.kind, x.verified])).toEqual([['ckeditor5', true]]);
        expect(String(await page.evaluate('window.fx.read()'))).toBe('<p>Likely patellofemoral pain syndrome.</p>');
      } finally {
        await page.close();
      }
    }
    // Cross-origin iframe: auto finds the "Clinical note" field inside the other origin's frame
    {
      const { page, tabId } = await openTab(fixtures.url('iframe-cross.html'));
      try {
        const r = await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'auto' });
        expect(r.ok, JSON.stringify(r)).toBe(true);
        const v = (r as { value: WriteValue }).value;
        expect(v.results.map((x) => [x.origin, x.label, x.verified])).toEqual([[fixtures.crossOrigin, 'Clinical note', true]]);
        expect(v.results[0]!.frameId).not.toBe(0);
        const inner = page.frames().find((f) => f.url().endsWith('/inner.html'))!;
        for (const m of MUST_TEXT) expect(await inner.inputValue('#note')).toContain(m);
      } finally {
        await page.close();
      }
    }
  });

  it("refuses an unapproved visit's note (not_approved) and leaves the field unchanged", async () => {
    const { page, tabId } = await openTab(demoUrl());
    try {
      await page.fill('#full-note', 'clinician draft');
      await page.focus('#full-note');
      const draft = await storeVisit(panel, storedNote(), false);
      expect(await insertCall(panel, 'insert.write', { tabId, visitId: draft, mode: 'auto' })).toEqual({ ok: false, code: 'not_approved' });
      // approved in the vault, but the stored note carries no approvedAt: still refused
      const created = (await panel.evaluate((m) => chrome.runtime.sendMessage(m), { target: 'offscreen', cmd: 'vault.createVisit', meta: {} })) as { value: string };
      await panel.evaluate((m) => chrome.runtime.sendMessage(m), { target: 'offscreen', cmd: 'vault.approveVisit', visitId: created.value });
      await panel.evaluate((m) => chrome.runtime.sendMessage(m), { target: 'offscreen', cmd: 'vault.putNote', visitId: created.value, note: storedNote(null) });
      expect(await insertCall(panel, 'insert.write', { tabId, visitId: created.value, mode: 'auto' })).toEqual({ ok: false, code: 'not_approved' });
      // note text in the message is not accepted at all
      expect(await insertCall(panel, 'insert.write', { tabId, visitId: draft, mode: 'auto', note: storedNote(1).note })).toEqual({ ok: false, code: 'bad_message' });
      expect(await page.inputValue('#full-note')).toBe('clinician draft');
    } finally {
      await page.close();
    }
  });

  it('refuses a page whose origin policy does not allow (origin_not_allowed), field unchanged', async () => {
    const { page, tabId } = await openTab(foreignUrl);
    try {
      const visitId = await storeVisit(panel, storedNote(), true);
      expect(await insertCall(panel, 'insert.write', { tabId, visitId, mode: 'auto' })).toEqual({ ok: false, code: 'origin_not_allowed' });
      expect(await insertCall(panel, 'insert.scan', { tabId })).toEqual({ ok: false, code: 'origin_not_allowed' });
      expect(await page.inputValue('#n')).toBe('');
      // nothing was injected into the refused page
      expect(await page.evaluate('typeof window.__scribeEhrAgent')).toBe('undefined');
    } finally {
      await page.close();
    }
  });

  it('the insert CLI writes a note into the demo EHR page and reports ehr.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'scribe-insert-out-'));
    try {
      const notePath = join(out, 'note.json');
      writeFileSync(notePath, JSON.stringify({ note: (storedNote() as { note: unknown }).note }));
      // async spawn: the demo page is served by this process, which must keep answering
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/insert.ts'), '--note', notePath, '--ehr', demoUrl(), '--out', out], { cwd: ROOT, env: { ...process.env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
        child.on('close', (status) => {
          clearTimeout(timer);
          res({ status, stdout, stderr });
        });
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('{note: Note}');
      const ehr = JSON.parse(readFileSync(join(out, 'ehr.json'), 'utf8')) as { fields: Array<{ frameUrlOrigin: string; label: string; kind: string; verified: boolean; finalValue: string }> };
      expect(ehr.fields.map((f) => [f.frameUrlOrigin, f.label, f.kind, f.verified])).toEqual([[demo.url, 'Full note', 'textarea', true]]);
      for (const m of MUST_TEXT) expect(ehr.fields[0]!.finalValue).toContain(m);
      // no note text on the console
      expect(r.stdout + r.stderr).not.toContain('patellofemoral');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});
