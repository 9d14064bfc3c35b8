/**
 * Writing an approved note into EHR-like pages, in real Chromium: every target kind, the app's
 * own state read through its own API (editor getData/getContent/getText/getHTML, React's submit
 * handler), undo, reload persistence, refusals, origin policy, frames and shadow roots.
 * Runs the matrix through the built extension's content script (and, with EHR_E2E_LIB=1, also
 * with lib/ehr as a plain page script).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchWithExtension, type Launched } from '../lib/browser.ts';
import { buildFixtures, serveFixtures, type FixtureServer } from './fixtures.ts';
import { builtExtensionDir, extensionCopyWithLoopbackGrant, extensionDriver, pageScriptDriver, type Driver, type FrameRef } from './drivers.ts';
import { MUST_HTML, MUST_TEXT, NOTE } from './note.ts';
import { noteToBlocks } from '../../../extension/lib/ehr/render.ts';
import { buildSectionWrites, focusedField, mapSections, type FrameScan } from '../../../extension/lib/ehr/client.ts';
import type { ScanReply, WriteReply, UndoReply, BannerReply, ScanTarget } from '../../../extension/lib/ehr/messages.ts';

interface Case {
  page: string;
  /** which frame holds the field (URL suffix); default the top frame */
  frame?: string;
  kind: ScanTarget['kind'];
  label?: string;
  /** the app's own state, read in the page's main world */
  read: string;
  html: boolean;
  /** state survives a reload (the app saved it: autosave, or `submit` first) */
  persist?: 'auto' | 'submit';
}

const CASES: Case[] = [
  { page: 'plain.html', kind: 'textarea', label: 'Clinical note', read: `document.getElementById('note').value`, html: false },
  { page: 'plain.html', kind: 'input', label: 'Chief complaint', read: `document.getElementById('cc').value`, html: false },
  { page: 'contenteditable.html', kind: 'contenteditable', label: 'Progress note', read: `document.getElementById('ce').innerText`, html: false },
  { page: 'contenteditable.html', kind: 'contenteditable', label: 'Plan', read: `document.getElementById('pt').innerText`, html: false },
  { page: 'react.html', kind: 'textarea', label: 'Assessment', read: `window.fx.submit().assessment`, html: false, persist: 'submit' },
  { page: 'react.html', kind: 'input', label: 'Chief complaint', read: `window.fx.submit().cc`, html: false, persist: 'submit' },
  { page: 'vue.html', kind: 'textarea', label: 'Plan', read: `window.fx.submit().plan`, html: false, persist: 'submit' },
  { page: 'ckeditor.html', kind: 'ckeditor5', read: `window.fx.read()`, html: true, persist: 'auto' },
  { page: 'tinymce.html', kind: 'tinymce', read: `window.fx.read()`, html: true, persist: 'auto' },
  { page: 'quill.html', kind: 'quill', read: `window.fx.read()`, html: false, persist: 'auto' },
  { page: 'tiptap.html', kind: 'prosemirror', read: `window.fx.read()`, html: true, persist: 'auto' },
  { page: 'shadow.html', kind: 'textarea', label: 'Assessment', read: `window.fx.read()`, html: false },
  { page: 'shadow.html', kind: 'contenteditable', label: 'Plan', read: `document.getElementById('open').shadowRoot.getElementById('ce').innerText`, html: false },
  { page: 'iframe-same.html', frame: '/inner.html', kind: 'textarea', read: `document.getElementById('note').value`, html: false },
  { page: 'iframe-same.html', kind: 'textarea', label: 'Plan', read: `document.getElementById('srcdoc').contentDocument.getElementById('x').value`, html: false },
  { page: 'iframe-cross.html', frame: '/inner.html', kind: 'textarea', read: `document.getElementById('note').value`, html: false },
  { page: 'hostile.html', kind: 'textarea', label: 'Note', read: `document.getElementById('note').value`, html: false },
  { page: 'hostile.html', kind: 'contenteditable', label: 'Assessment', read: `document.getElementById('ce').innerText`, html: false },
];

const BLOCKS = noteToBlocks(NOTE);

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 20_000 });
}

function expectNote(value: string, html: boolean, kind: string): void {
  const must = html ? MUST_HTML : MUST_TEXT;
  // an <input> holds one line: every phrase, joined
  for (const m of must) expect(value, `${kind} holds the note`).toContain(m);
}

function matrix(getDriver: () => Driver, getContext: () => BrowserContext, origins: () => FixtureServer) {
  const allowed = (): string[] => [origins().origin, origins().crossOrigin];

  async function setUp(page: Page, c: Case): Promise<{ f: FrameRef; target: ScanTarget }> {
    const frames = await getDriver().inject(page);
    const f = frames.find((x) => (c.frame === undefined ? x.frame === page.mainFrame() : x.url.endsWith(c.frame)));
    expect(f, `frame for ${c.page}`).toBeDefined();
    const scan = (await getDriver().send(page, f!, { cmd: 'ehr.scan', allowedOrigins: allowed() })) as ScanReply;
    expect(scan.code).toBe('ok');
    const target = scan.targets.find((t) => t.kind === c.kind && (c.label === undefined || t.label === c.label));
    expect(target, `${c.kind} "${c.label ?? ''}" found among ${scan.targets.map((t) => `${t.kind}:${t.label}`).join(', ')}`).toBeDefined();
    return { f: f!, target: target! };
  }

  for (const c of CASES) {
    it(`${c.page} ${c.kind}${c.label ? ` "${c.label}"` : ''}: write lands in the app's state, undo restores${c.persist ? ', reload keeps it' : ''}`, async () => {
      if (getDriver().name === 'page-script' && c.page === 'hostile.html' && c.kind === 'contenteditable') {
        // The hostile page replaces document.execCommand in its own world; only the content
        // script's isolated world is immune, so this case is the extension driver's.
        return;
      }
      const page = await getContext().newPage();
      try {
        await open(page, origins().url(c.page));
        const { f, target } = await setUp(page, c);
        const initial = String(await f.frame.evaluate(c.read));
        const w = (await getDriver().send(page, f, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: target.id }, blocks: BLOCKS }] })) as WriteReply;
        expect(w.results.map((r) => r.code)).toEqual(['ok']);
        expect(w.code).toBe('ok');
        expect(w.results[0]!.chars).toBeGreaterThan(200); // a size, never the text
        expectNote(String(await f.frame.evaluate(c.read)), c.html, c.kind);
        expect(await page.evaluate('window.__pwned ?? 0')).toBe(0);
        if (getDriver().name === 'extension') expect(await page.evaluate('window.__intercepted ?? 0')).toBe(0);

        const u = (await getDriver().send(page, f, { cmd: 'ehr.undo', allowedOrigins: allowed(), writeId: w.writeId })) as UndoReply;
        expect(u.code).toBe('ok');
        const restored = String(await f.frame.evaluate(c.read));
        expect(restored.replace(/\s+/g, ' ').trim()).toBe(initial.replace(/\s+/g, ' ').trim());

        if (c.persist !== undefined) {
          const w2 = (await getDriver().send(page, f, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: target.id }, blocks: BLOCKS }] })) as WriteReply;
          expect(w2.code).toBe('ok');
          if (c.persist === 'submit') await page.evaluate('window.fx.submit()');
          await page.waitForTimeout(50);
          await page.reload();
          await page.waitForSelector('html[data-ready="1"]');
          // read through the reloaded app (editors re-initialised from their saved data; React
          // re-rendered from its saved state and submitted again)
          expectNote(String(await page.evaluate(c.read)), c.html, c.kind);
        }
      } finally {
        await page.evaluate('localStorage.clear()').catch(() => undefined);
        await page.close();
      }
    });
  }

  it('a paragraph written over a heading stays a paragraph in contenteditable and every rich editor (no block merge)', async () => {
    const editors: Array<[string, ScanTarget['kind'], string, string]> = [
      ['contenteditable.html', 'contenteditable', `document.getElementById('ce').innerHTML = '<h2>Old heading</h2><p>old</p>'`, `document.getElementById('ce').innerHTML`],
      ['ckeditor.html', 'ckeditor5', `document.querySelector('.ck-editor__editable').ckeditorInstance.setData('<h2>Old heading</h2><p>old</p>')`, `window.fx.read()`],
      ['tinymce.html', 'tinymce', `tinymce.activeEditor.setContent('<h2>Old heading</h2><p>old</p>')`, `window.fx.read()`],
      ['tiptap.html', 'prosemirror', `document.querySelector('.ProseMirror').editor.commands.setContent('<h2>Old heading</h2><p>old</p>')`, `window.fx.read()`],
      ['quill.html', 'quill', `window.fx.quill.clipboard.dangerouslyPasteHTML('<h2>Old heading</h2><p>old</p>')`, `window.fx.html().replaceAll('&nbsp;', ' ')`],
    ];
    const blocks = noteToBlocks(NOTE, { only: ['assessment'] });
    for (const [file, kind, seed, read] of editors) {
      const page = await getContext().newPage();
      try {
        await open(page, origins().url(file));
        await page.evaluate(seed);
        const [top] = await getDriver().inject(page);
        const scan = (await getDriver().send(page, top!, { cmd: 'ehr.scan', allowedOrigins: allowed() })) as ScanReply;
        const t = scan.targets.find((x) => x.kind === kind)!;
        const w = (await getDriver().send(page, top!, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: t.id }, blocks }] })) as WriteReply;
        expect(w.code, file).toBe('ok');
        const html = String(await page.evaluate(read));
        expect(html, file).toMatch(/^<p>Likely patellofemoral pain syndrome\.<\/p>/);
        expect(html, file).not.toContain('<h2');
      } finally {
        await page.evaluate('localStorage.clear()').catch(() => undefined);
        await page.close();
      }
    }
  });

  it('refuses password, hidden, disabled and read-only fields, and non-text inputs', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('plain.html'));
      const [top] = await getDriver().inject(page);
      const scan = (await getDriver().send(page, top!, { cmd: 'ehr.scan', allowedOrigins: allowed() })) as ScanReply;
      expect(scan.targets.map((t) => t.label).sort()).toEqual(['Chief complaint', 'Clinical note']);
      expect(scan.refused).toBe(5); // password, hidden input, disabled, read-only, display:none
      for (const [sel, code] of [
        ['#pw', 'refused_password'],
        ['#ro', 'refused_readonly'],
      ] as const) {
        await page.focus(sel);
        const w = (await getDriver().send(page, top!, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'focused' }, blocks: BLOCKS }] })) as WriteReply;
        expect(w.results[0]?.code).toBe(code);
        expect(w.writeId).toBeNull();
      }
      expect(await page.inputValue('#pw')).toBe('');
      expect(await page.inputValue('#ro')).toBe('signed plan');
      // a field disabled after the scan is refused at write time
      const note = scan.targets.find((t) => t.label === 'Clinical note')!;
      await page.evaluate(`document.getElementById('note').disabled = true`);
      const w = (await getDriver().send(page, top!, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: note.id }, blocks: BLOCKS }] })) as WriteReply;
      expect(w.results[0]?.code).toBe('refused_disabled');
      expect(await page.inputValue('#note')).toBe('old note text');
    } finally {
      await page.close();
    }
  });

  it('refuses a page whose origin is not allowed (and a frame whose parent is not)', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('iframe-cross.html'));
      const frames = await getDriver().inject(page);
      const top = frames.find((f) => f.frame === page.mainFrame())!;
      const inner = frames.find((f) => f.url.endsWith('/inner.html'))!;
      expect(inner).toBeDefined();
      const other = ['https://ehr.example.org'];
      expect(((await getDriver().send(page, top, { cmd: 'ehr.scan', allowedOrigins: other })) as ScanReply).code).toBe('origin_not_allowed');
      // the frame's own origin is allowed, its parent's is not
      const onlyInner = [origins().crossOrigin];
      const w = (await getDriver().send(page, inner, { cmd: 'ehr.write', allowedOrigins: onlyInner, writes: [{ target: { by: 'auto' }, blocks: BLOCKS }] })) as WriteReply;
      expect(w.code).toBe('origin_not_allowed');
      expect(await inner.frame.inputValue('#note')).toBe('');
      // both allowed: written
      const ok = (await getDriver().send(page, inner, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'auto' }, blocks: BLOCKS }] })) as WriteReply;
      expect(ok.code).toBe('ok');
      expectNote(await inner.frame.inputValue('#note'), false, 'textarea');
    } finally {
      await page.close();
    }
  });

  it('maps SOAP sections to labelled fields and writes each one', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('soap.html'));
      const frames = await getDriver().inject(page);
      const scans: FrameScan[] = [];
      for (const f of frames) scans.push({ frameId: f.frameId, reply: (await getDriver().send(page, f, { cmd: 'ehr.scan', allowedOrigins: allowed() })) as ScanReply });
      const mapping = mapSections(NOTE, scans);
      expect(mapping.map((m) => [m.key, m.field?.target.label ?? null])).toEqual([
        ['subjective', 'Subjective'],
        ['objective', 'Objective findings'],
        ['assessment', 'Assessment / impression'],
        ['plan', 'plan of care'],
      ]);
      for (const fw of buildSectionWrites(NOTE, mapping, allowed())) {
        const f = frames.find((x) => x.frameId === fw.frameId)!;
        const r = (await getDriver().send(page, f, fw.cmd)) as WriteReply;
        expect(r.results.map((x) => x.code)).toEqual(['ok', 'ok', 'ok', 'ok']);
      }
      const v = (name: string): Promise<string> => page.inputValue(`[name="${name}"]`);
      expect(await v('s_text')).toContain('Right knee pain');
      expect(await v('s_text')).not.toContain('Subjective:');
      expect(await v('o')).toBe('Mild effusion of the right knee; full range of motion.');
      expect(await v('field3')).toBe('Likely patellofemoral pain syndrome.');
      expect(await v('plan_of_care')).toBe('- Ibuprofen 400 mg three times daily with food for 10 days.\n- Physiotherapy referral; follow up in 4 weeks.');
      expect(await v('email')).toBe('');
      expect(await v('reason')).toBe('');
    } finally {
      await page.close();
    }
  });

  it('finds the focused field inside a same-origin iframe', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('iframe-same.html'));
      const inner = page.frames().find((f) => f.url().endsWith('/inner.html'))!;
      await inner.focus('#note');
      const frames = await getDriver().inject(page);
      const scans: FrameScan[] = [];
      for (const f of frames) {
        const r = (await getDriver().send(page, f, { cmd: 'ehr.scan', allowedOrigins: allowed() })) as ScanReply;
        if (r.code === 'ok') scans.push({ frameId: f.frameId, reply: r });
      }
      const focused = focusedField(scans);
      expect(focused).not.toBeNull();
      const f = frames.find((x) => x.frameId === focused!.frameId)!;
      expect(f.url.endsWith('/inner.html')).toBe(true);
      const w = (await getDriver().send(page, f, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'focused' }, blocks: BLOCKS }] })) as WriteReply;
      expect(w.code).toBe('ok');
      expectNote(await inner.inputValue('#note'), false, 'textarea');
    } finally {
      await page.close();
    }
  });

  it('reports verify_failed when the page rewrites the value, and undo_conflict after a later edit', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('hostile.html'));
      const [top] = await getDriver().inject(page);
      const scan = (await getDriver().send(page, top!, { cmd: 'ehr.scan', allowedOrigins: allowed() })) as ScanReply;
      const plan = scan.targets.find((t) => t.label === 'Plan')!;
      const note = scan.targets.find((t) => t.label === 'Note')!;
      const w = (await getDriver().send(page, top!, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: plan.id }, blocks: BLOCKS }] })) as WriteReply;
      expect(w.results[0]?.code).toBe('verify_failed');
      const w2 = (await getDriver().send(page, top!, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: note.id }, blocks: BLOCKS }] })) as WriteReply;
      expect(w2.code).toBe('ok');
      await page.fill('#note', 'clinician edited this afterwards');
      const u = (await getDriver().send(page, top!, { cmd: 'ehr.undo', allowedOrigins: allowed(), writeId: w2.writeId })) as UndoReply;
      expect(u.code).toBe('undo_conflict');
      expect(await page.inputValue('#note')).toBe('clinician edited this afterwards');
      const forced = (await getDriver().send(page, top!, { cmd: 'ehr.undo', allowedOrigins: allowed(), writeId: w2.writeId, force: true })) as UndoReply;
      expect(forced.code).toBe('ok');
      expect(await page.inputValue('#note')).toBe('');
      // malformed messages answer bad_message and change nothing
      const bad = (await getDriver().send(page, top!, { cmd: 'ehr.write', allowedOrigins: allowed(), writes: [{ target: { by: 'id', id: note.id }, blocks: [{ type: 'html', html: '<b>x</b>' }] }] })) as WriteReply;
      expect(bad.code).toBe('bad_message');
    } finally {
      await page.close();
    }
  });

  it('reads the patient banner by selector and by heuristic', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('banner.html'));
      let [top] = await getDriver().inject(page);
      const a = (await getDriver().send(page, top!, { cmd: 'ehr.banner', allowedOrigins: allowed() })) as BannerReply;
      expect(a).toEqual({ code: 'ok', via: 'selector', patient: { name: 'DOE, Jane Q', dob: '04/12/1961', mrn: 'A1234567' } });
      await open(page, origins().url('banner-heuristic.html'));
      [top] = await getDriver().inject(page);
      const b = (await getDriver().send(page, top!, { cmd: 'ehr.banner', allowedOrigins: allowed() })) as BannerReply;
      expect(b).toEqual({ code: 'ok', via: 'heuristic', patient: { name: 'SMITH, John', dob: '1967-03-02', mrn: '00987654' } });
      await open(page, origins().url('plain.html'));
      [top] = await getDriver().inject(page);
      expect(((await getDriver().send(page, top!, { cmd: 'ehr.banner', allowedOrigins: allowed() })) as BannerReply).code).toBe('not_found');
    } finally {
      await page.close();
    }
  });

  it('click-to-target: outlines the hovered field and returns the clicked one', async () => {
    const page = await getContext().newPage();
    try {
      await open(page, origins().url('soap.html'));
      const [top] = await getDriver().inject(page);
      const picked = getDriver().send(page, top!, { cmd: 'ehr.pick', allowedOrigins: allowed(), timeoutMs: 10_000 });
      await page.waitForTimeout(100);
      const box = (await page.locator('[name="o"]').boundingBox())!;
      await page.mouse.move(box.x + 5, box.y + 5);
      await page.mouse.click(box.x + 5, box.y + 5);
      const r = (await picked) as { code: string; target: ScanTarget | null };
      expect(r.code).toBe('ok');
      expect(r.target?.label).toBe('Objective findings');
    } finally {
      await page.close();
    }
  });
}

let server: FixtureServer;
beforeAll(async () => {
  await buildFixtures();
  server = await serveFixtures();
}, 120_000);
afterAll(async () => server?.close());

// The library alone, as a page script: the same matrix without the extension. It doubles the
// run time, so it is opt-in (EHR_E2E_LIB=1) — useful when a failure needs to be placed in lib/ehr
// or in the extension plumbing.
describe.runIf(process.env.EHR_E2E_LIB === '1')('ehr writer: lib/ehr as a page script', () => {
  let l: Launched;
  let driver: Driver;
  beforeAll(async () => {
    // the same browser kind, extension loaded but unused: pages are ordinary tabs
    l = await launchWithExtension({ micWav: null, extensionDir: builtExtensionDir() });
    driver = pageScriptDriver();
  });
  afterAll(async () => l?.close());
  matrix(
    () => driver,
    () => l.context,
    () => server,
  );
});

describe('ehr writer: built extension content script (executeScript allFrames + tabs.sendMessage)', () => {
  let l: Launched;
  let copy: ReturnType<typeof extensionCopyWithLoopbackGrant>;
  let driver: Driver;
  beforeAll(async () => {
    copy = extensionCopyWithLoopbackGrant(builtExtensionDir());
    l = await launchWithExtension({ micWav: null, extensionDir: copy.dir });
    driver = extensionDriver(l.serviceWorker);
  });
  afterAll(async () => {
    await l?.close();
    copy?.remove();
  });
  matrix(
    () => driver,
    () => l.context,
    () => server,
  );
});
