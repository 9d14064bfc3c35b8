import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type Launched } from './lib/browser.ts';
import { TEST_PIN, unlockPanel } from './lib/panel.ts';
import { vaultCall } from './ehr/insert-harness.ts';
import { verifyExport } from '../../extension/lib/audit/index.ts';

/**
 * The side panel as a person sees it (sidepanel.html opened as a tab at a side panel's size),
 * in real Chromium with the built extension, without the ASR: a synthetic dev visit's turns are
 * put into the vault as final segments (vault.createVisit + vault.putSegment, the messages the
 * offscreen flow itself uses).
 *
 * - screenshots, light and dark, at three moments (vault gate, egress preview, generated note),
 *   checked in under docs/screenshots/ and compared with a tolerant pixel diff
 *   (UPDATE_SCREENSHOTS=1 rewrites them). Dates and tab numbers, which change per run, are
 *   replaced in the page's text by fixed ones just before each shot (fixed layout, no wrap
 *   changes); the masked strings never reach the image.
 * - 125 % zoom on the narrowest side panel (320 px wide, CSS zoom 1.25): no horizontal scroll,
 *   no clipped button.
 * - keyboard only: stored visit → Prepare → Draft on this device → Approve; every focusable
 *   control reached by Tab, each with a visible focus outline.
 * - WCAG 2.2 AA contrast of the real computed colours, both schemes.
 * - nothing from the transcript on the panel page's console.
 */
const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'docs/screenshots');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
const VIEW = { width: 400, height: 900 };

interface DevVisit {
  id: string;
  setting: string;
  turns: Array<{ speaker: string; text: string }>;
}
const DEV = readFileSync(join(ROOT, '../shared/eval/dev/visits.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as DevVisit);
const VISIT = DEV.find((v) => v.id === 'a1-002')!; // synthetic telehealth visit
const KB_VISIT = DEV.find((v) => v.id === 'a1-001')!;

/** The turns as final segments of a telehealth visit: clinician on the mic, the rest from the call tab. */
async function seedVisit(page: Page, v: DevVisit, tag: string): Promise<string> {
  const telehealth = v.setting === 'telehealth';
  const created = await vaultCall(page, 'vault.createVisit', { meta: { channel: telehealth ? 'telehealth' : 'in_person', template: 'soap', consent: true } });
  expect(created.ok).toBe(true);
  const visitId = String(created.value);
  let t = 1;
  for (const [i, turn] of v.turns.entries()) {
    const dur = Math.max(1.5, turn.text.split(/\s+/).length / 2.6);
    const clin = turn.speaker === 'clinician';
    const segment = {
      id: `${tag}-${i}`,
      source: clin || !telehealth ? 'mic' : 'tab',
      speaker: telehealth ? (clin ? 'clinician' : 'remote') : clin ? 'speaker1' : 'speaker2',
      t0: Math.round(t * 100) / 100,
      t1: Math.round((t + dur) * 100) / 100,
      text: turn.text,
      final: true,
    };
    const r = await vaultCall(page, 'vault.putSegment', { visitId, segment });
    expect(r.ok).toBe(true);
    t += dur + 0.6;
  }
  return visitId;
}

// ---------------------------------------------------------------- PNG compare (no dependency)

function decodePng(buf: Buffer): { w: number; h: number; px: Uint8Array } {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let w = 0;
  let h = 0;
  let ct = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      w = data.readUInt32BE(0);
      h = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
      ct = data[9]!;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const bpp = ct === 6 ? 4 : ct === 2 ? 3 : 0;
  if (bpp === 0) throw new Error(`PNG colour type ${ct} not handled`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = w * bpp;
  const px = new Uint8Array(w * h * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? cur[x - bpp]! : 0;
      const b = prev[x]!;
      const c = x >= bpp ? prev[x - bpp]! : 0;
      let p = 0;
      if (f === 1) p = a;
      else if (f === 2) p = b;
      else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) {
        const q = a + b - c;
        const pa = Math.abs(q - a);
        const pb = Math.abs(q - b);
        const pc = Math.abs(q - c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[x] = (line[x]! + p) & 0xff;
    }
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) px[(y * w + x) * 4 + k] = cur[x * bpp + k]!;
      px[(y * w + x) * 4 + 3] = bpp === 4 ? cur[x * bpp + 3]! : 255;
    }
    prev = cur;
  }
  return { w, h, px };
}

/** Fraction of pixels whose largest channel difference exceeds `tol` (anti-aliasing noise). */
function diffFraction(a: Buffer, b: Buffer, tol = 40): number {
  const x = decodePng(a);
  const y = decodePng(b);
  if (x.w !== y.w || x.h !== y.h) return 1;
  let bad = 0;
  for (let i = 0; i < x.px.length; i += 4) {
    let d = 0;
    for (let k = 0; k < 4; k++) d = Math.max(d, Math.abs(x.px[i + k]! - y.px[i + k]!));
    if (d > tol) bad++;
  }
  return bad / (x.w * x.h);
}

/** Dates/times and tab numbers in the panel's text → fixed ones, so the shot is the same every run. */
async function freezeVolatileText(page: Page): Promise<void> {
  await page.evaluate(() => {
    const date = /\d{1,2}\/\d{1,2}\/\d{4},\s\d{1,2}:\d{2}:\d{2}[\s\u202f][AP]M/g;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const v = n.nodeValue ?? '';
      const next = v.replace(date, '12/1/2026, 9:30:00\u202fAM').replace(/#\d+\b/g, '#7');
      if (next !== v) n.nodeValue = next;
    }
    (document.activeElement as HTMLElement | null)?.blur();
  });
}

async function shot(page: Page, name: string, scheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await freezeVolatileText(page);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  expect(png.length, `${name}-${scheme}.png size`).toBeLessThan(300_000);
  const file = join(SHOTS, `${name}-${scheme}.png`);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(file, png);
    return;
  }
  const d = diffFraction(readFileSync(file), png);
  if (d > 0.01) writeFileSync(join(SHOTS, `${name}-${scheme}.actual.png`), png);
  expect(d, `${name}-${scheme}: ${(d * 100).toFixed(2)} % of pixels differ (UPDATE_SCREENSHOTS=1 rewrites)`).toBeLessThanOrEqual(0.01);
}

/** 125 % zoom on a 320 px side panel: no horizontal scroll, no button cut off or overflowing. */
async function zoomCheck(page: Page): Promise<void> {
  await page.setViewportSize({ width: 320, height: VIEW.height });
  await page.evaluate(() => (document.documentElement.style.zoom = '1.25'));
  try {
    const r = await page.evaluate(() => {
      const se = document.scrollingElement!;
      const vw = document.documentElement.clientWidth;
      const clipped: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>('button, select, input, textarea, summary')) {
        if (!el.checkVisibility()) continue;
        const b = el.getBoundingClientRect();
        // with standardized CSS zoom, getBoundingClientRect is in the viewport's px
        const right = b.right;
        const overflow = el.scrollWidth > el.clientWidth + 1 && el.tagName === 'BUTTON';
        if (b.left < 0 || right > innerWidth + 1 || overflow) clipped.push(`${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(b.left)}..${Math.round(right)}`);
      }
      return { scrollWidth: se.scrollWidth, clientWidth: se.clientWidth, vw, innerWidth, clipped };
    });
    expect(r.scrollWidth, `horizontal scroll at 125 %: ${JSON.stringify(r)}`).toBeLessThanOrEqual(r.clientWidth);
    expect(r.clipped).toEqual([]);
  } finally {
    await page.evaluate(() => (document.documentElement.style.zoom = ''));
    await page.setViewportSize(VIEW);
  }
}

// ---------------------------------------------------------------- contrast

type Probe = { what: string; sel: string; large?: boolean; ui?: 'border' | 'background' | 'outline' };
type Measured = { what: string; ratio: number; min: number; fg: string; bg: string };

/** Contrast of each probe's real computed colours over its real (composited) background. */
async function contrast(page: Page, probes: Probe[]): Promise<Measured[]> {
  return page.evaluate((ps) => {
    const cv = document.createElement('canvas');
    cv.width = cv.height = 1;
    const cx = cv.getContext('2d', { willReadFrequently: true })!;
    const rgba = (c: string): [number, number, number, number] => {
      cx.clearRect(0, 0, 1, 1);
      cx.fillStyle = '#000';
      cx.fillStyle = c;
      cx.fillRect(0, 0, 1, 1);
      const d = cx.getImageData(0, 0, 1, 1).data;
      return [d[0]!, d[1]!, d[2]!, d[3]! / 255];
    };
    const over = (top: [number, number, number, number], under: [number, number, number]): [number, number, number] =>
      [0, 1, 2].map((k) => top[k]! * top[3] + under[k]! * (1 - top[3])) as [number, number, number];
    /** the element's background composited over its ancestors' */
    const bgOf = (el: Element | null): [number, number, number] => {
      const chain: Element[] = [];
      for (let e = el; e; e = e.parentElement) chain.push(e);
      let c: [number, number, number] = [255, 255, 255];
      const root = rgba(getComputedStyle(document.documentElement).backgroundColor);
      if (root[3] === 0) {
        // canvas colour: Chrome paints the color-scheme's canvas
        c = matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18] : [255, 255, 255];
      }
      for (const e of chain.reverse()) c = over(rgba(getComputedStyle(e).backgroundColor), c);
      return c;
    };
    const lum = (c: [number, number, number]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const ratio = (a: [number, number, number], b: [number, number, number]) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
      return (x + 0.05) / (y + 0.05);
    };
    const hex = (c: number[]) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
    const out: Array<{ what: string; ratio: number; min: number; fg: string; bg: string }> = [];
    for (const p of ps) {
      const el = document.querySelector(p.sel);
      if (!el) {
        out.push({ what: `${p.what} (missing: ${p.sel})`, ratio: 0, min: 1, fg: '', bg: '' });
        continue;
      }
      const cs = getComputedStyle(el);
      const under = bgOf(p.ui ? el.parentElement : el);
      let fg: [number, number, number];
      if (p.ui === 'border') fg = over(rgba(cs.borderTopColor), under);
      else if (p.ui === 'outline') fg = over(rgba(cs.outlineColor), under);
      else if (p.ui === 'background') fg = bgOf(el);
      else fg = over(rgba(cs.color), bgOf(el));
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const large = p.large ?? (size >= 24 || (bold && size >= 18.66));
      out.push({ what: p.what, ratio: Math.round(ratio(fg, under) * 100) / 100, min: p.ui || large ? 3 : 4.5, fg: hex(fg), bg: hex(under) });
    }
    return out;
  }, probes);
}

const measured: Record<string, Measured[]> = { light: [], dark: [] };
async function measure(page: Page, probes: Probe[]): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const m = await contrast(page, probes);
    measured[scheme]!.push(...m);
    for (const x of m) expect(x.ratio, `${scheme} ${x.what}: ${x.fg} on ${x.bg}`).toBeGreaterThanOrEqual(x.min);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

// ---------------------------------------------------------------- keyboard

/** Tag every focusable, visible, enabled control; Tab through the page: what was reached, with no visible outline, with no name. */
async function tabCycle(page: Page): Promise<{ focusable: string[]; reached: string[]; noOutline: string[]; unnamed: string[] }> {
  const focusable = await page.evaluate(() => {
    let n = 0;
    const ids: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex]')) {
      if (el.tabIndex < 0 || (el as HTMLButtonElement).disabled || el.matches(':disabled') || !el.checkVisibility()) continue;
      const id = el.dataset.kb ?? `k${n++}-${el.tagName.toLowerCase()}-${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 24)}`;
      el.dataset.kb = id;
      ids.push(id);
    }
    (document.activeElement as HTMLElement | null)?.blur();
    return ids;
  });
  const reached: string[] = [];
  const noOutline: string[] = [];
  const unnamed: string[] = [];
  for (let i = 0; i < focusable.length * 2 + 10; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const labelled = (el as HTMLInputElement).labels?.length ? [...(el as HTMLInputElement).labels!].map((x) => x.textContent ?? '').join(' ') : '';
      const name = (el.getAttribute('aria-label') ?? '') || labelled || (el.tagName === 'SELECT' ? '' : el.textContent ?? '') || (el.getAttribute('title') ?? '');
      const visible = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
      return { id: el.dataset.kb ?? `untagged-${el.tagName}`, visible, named: name.trim().length > 0 };
    });
    if (f === null) continue;
    if (reached.includes(f.id)) {
      if (reached.length >= focusable.length) break;
      continue;
    }
    reached.push(f.id);
    if (!f.visible) noOutline.push(f.id);
    if (!f.named) unnamed.push(f.id);
  }
  return { focusable, reached, noOutline, unnamed };
}

async function tabTo(page: Page, selector: string, text?: string, max = 200): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate(([s, t]) => {
      const el = document.activeElement;
      return (el?.matches(s) ?? false) && (t === null || el?.textContent?.trim() === t);
    }, [selector, text ?? null] as const);
    if (hit) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

// ---------------------------------------------------------------- the run

describe('side panel UI: screenshots, 125 % zoom, keyboard, contrast, console', () => {
  let l: Launched;
  let page: Page;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    l = await launchWithExtension({ micWav: null });
    page = await l.context.newPage();
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push(String(e)));
    await page.setViewportSize(VIEW);
    await page.goto(`chrome-extension://${l.extensionId}/sidepanel.html`);
  });
  afterAll(async () => {
    await l?.close();
  });

  it('vault gate (fresh profile): screenshots, zoom, contrast', async () => {
    const gate = page.getByTestId('vault-gate');
    await gate.waitFor({ timeout: 60_000 });
    expect(await gate.getAttribute('data-initialized')).toBe('false');
    await shot(page, 'panel-gate', 'light');
    await shot(page, 'panel-gate', 'dark');
    await zoomCheck(page);
    // a real error message (mismatched PINs) for its colour
    await page.getByLabel('New PIN', { exact: true }).fill(TEST_PIN);
    await page.getByLabel('Repeat the PIN').fill(`${TEST_PIN}x`);
    await page.getByRole('button', { name: 'Create vault' }).click();
    await page.locator('[data-testid="vault-gate"] .error').waitFor();
    await measure(page, [
      { what: 'body text', sel: 'main h1' },
      { what: 'muted text', sel: 'main > p.muted' },
      { what: 'label', sel: 'label[for="vault-pin"]' },
      { what: 'primary button text', sel: '[data-testid="vault-gate"] button.primary' },
      { what: 'primary button boundary', sel: '[data-testid="vault-gate"] button.primary', ui: 'background' },
      { what: 'error text', sel: '[data-testid="vault-gate"] .error' },
      { what: 'error bar', sel: '[data-testid="vault-gate"] .error', ui: 'border' },
      { what: 'PIN field boundary', sel: '#vault-pin', ui: 'border' },
      { what: 'shortcuts summary', sel: 'details > summary' },
    ]);
    await page.getByLabel('New PIN', { exact: true }).fill('');
    await page.getByLabel('Repeat the PIN').fill('');
    await unlockPanel(page);
  }, 180_000);

  let visitId = '';
  it('a stored visit open for review with the egress preview: screenshots, zoom, contrast', async () => {
    visitId = await seedVisit(page, VISIT, 'ui');
    await page.reload();
    await unlockPanel(page);
    await page.locator(`li[data-visit="${visitId}"] button`).first().click();
    await page.locator('[data-testid="stored-transcript"] li').nth(VISIT.turns.length - 1).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /Prepare note/ }).click();
    const preview = page.getByTestId('egress-preview');
    await preview.waitFor({ timeout: 60_000 });
    expect(await preview.locator('mark[data-placeholder]').count()).toBeGreaterThan(0);
    await preview.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await shot(page, 'panel-preview', 'light');
    await shot(page, 'panel-preview', 'dark');
    await zoomCheck(page);
    await measure(page, [
      { what: 'button text', sel: '[data-testid="review"] button:not(.primary):not(:disabled)' },
      { what: 'button boundary', sel: '[data-testid="review"] button:not(.primary):not(:disabled)', ui: 'border' },
      { what: 'select text', sel: '[data-testid="template"]' },
      { what: 'select boundary', sel: '[data-testid="template"]', ui: 'border' },
      { what: 'transcript text', sel: '[data-testid="stored-transcript"] li' },
      { what: 'transcript speaker (muted)', sel: '[data-testid="stored-transcript"] li .muted' },
      { what: 'identifier mark text', sel: 'mark[data-placeholder]' },
      { what: 'primary button text', sel: '[data-testid="egress-preview"] button.primary' },
      { what: 'input boundary', sel: '#missed', ui: 'border' },
    ]);
  }, 240_000);

  it('the note drafted on this device: screenshots, zoom, contrast of evidence highlight', async () => {
    await page.getByRole('button', { name: 'Draft on this device' }).click();
    const note = page.getByTestId('note');
    await note.waitFor({ timeout: 60_000 });
    expect(await note.getAttribute('data-mode')).toBe('device');
    await note.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await shot(page, 'panel-note', 'light');
    await shot(page, 'panel-note', 'dark');
    await zoomCheck(page);
    // evidence highlight: open the transcript, click a statement
    await page.locator('[data-testid="review"] details > summary').first().click();
    await note.locator('li[data-evidence]:not([data-evidence=""]) button.stmt').first().click();
    await page.locator('[data-testid="stored-transcript"] li.hl').first().waitFor();
    // a statement without evidence (a line added in a section edit)
    await note.getByRole('button', { name: 'Edit section' }).first().click();
    const box = note.locator('textarea').first();
    await box.fill(`${await box.inputValue()}\nAdded by the clinician.`);
    await note.getByRole('button', { name: 'Done' }).click();
    await note.getByTestId('no-evidence').first().waitFor();
    await measure(page, [
      { what: 'statement text', sel: '[data-testid="note"] button.stmt' },
      { what: 'evidence times (muted)', sel: '[data-testid="note"] li[data-evidence] .muted' },
      { what: 'highlighted transcript text', sel: '[data-testid="stored-transcript"] li.hl' },
      { what: 'highlight outline', sel: '[data-testid="stored-transcript"] li.hl', ui: 'outline' },
      { what: '"no evidence" mark', sel: '[data-testid="no-evidence"]' },
      { what: 'note mode line', sel: '[data-testid="note-mode"]' },
      { what: 'small button text', sel: '[data-testid="note"] button.small' },
      { what: 'small button boundary', sel: '[data-testid="note"] button.small', ui: 'border' },
    ]);
  }, 240_000);

  it('keyboard only: visit → Prepare → Draft on this device → Approve; every control reached, focus visible', async () => {
    const kbId = await seedVisit(page, KB_VISIT, 'kb');
    await page.reload();
    await unlockPanel(page);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // open the visit from the list
    await tabTo(page, `li[data-visit="${kbId}"] button[aria-current]`);
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="review"][data-visit="${kbId}"] [data-testid="stored-transcript"] li`).first().waitFor({ timeout: 30_000 });
    const states: Record<string, Awaited<ReturnType<typeof tabCycle>>> = {};
    states.review = await tabCycle(page);
    await page.keyboard.press('Alt+KeyP');
    await page.getByTestId('egress-preview').waitFor({ timeout: 60_000 });
    states.preview = await tabCycle(page);
    await tabTo(page, '[data-testid="egress-preview"] button', 'Draft on this device');
    // Shift+Tab goes back, Tab returns
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Draft on this device');
    await page.keyboard.press('Space');
    await page.locator(`[data-testid="note"][data-mode="device"]`).waitFor({ timeout: 60_000 });
    // the Draft button is gone: focus moves to the note's heading, not to the top of the page
    await page.waitForFunction(() => document.activeElement?.id === 'note-h', undefined, { timeout: 10_000 });
    states.note = await tabCycle(page);
    await tabTo(page, '[data-testid="note"] button.primary', 'Approve note');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="note"][data-approved="true"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.activeElement?.id === 'ins-h', undefined, { timeout: 10_000 });
    states.approved = await tabCycle(page);
    // the shortcut path too: a second visit prepared with Alt+P, drafted with Alt+D, approved with Alt+A
    await tabTo(page, `li[data-visit="${visitId}"] button[aria-current]`);
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="review"][data-visit="${visitId}"] [data-testid="note"]`).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Alt+KeyP');
    await page.getByTestId('egress-preview').waitFor({ timeout: 60_000 });
    await page.keyboard.press('Alt+KeyD');
    await page.getByTestId('egress-preview').waitFor({ state: 'detached', timeout: 60_000 });
    await page.keyboard.press('Alt+KeyA');
    await page.locator('[data-testid="note"][data-approved="true"]').waitFor({ timeout: 30_000 });
    for (const [name, s] of Object.entries(states)) {
      const missed = s.focusable.filter((f) => !s.reached.includes(f));
      expect(missed, `${name}: focusable but not reached by Tab (of ${s.focusable.length})`).toEqual([]);
      expect(s.noOutline, `${name}: focused without a visible outline`).toEqual([]);
      expect(s.unnamed, `${name}: controls without an accessible name`).toEqual([]);
    }
    console.info(`[panel-ui] focusable/reached: ${Object.entries(states).map(([k, s]) => `${k} ${s.focusable.length}/${s.reached.length}`).join(', ')}`);
  }, 300_000);

  it('audit export: the button saves a signed JSONL file that verifies and holds no transcript content', async () => {
    if (await page.getByTestId('vault-gate').isVisible()) await unlockPanel(page);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('audit-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^scribe-audit-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const text = readFileSync((await download.path())!, 'utf8');
    expect((await verifyExport(text)).code).toBe('ok');
    const actions = text.split('\n').filter(Boolean).map((x) => (JSON.parse(x) as { action?: string }).action);
    expect(actions).toContain('note_approved'); // the keyboard test approved a note through the flow
    expect(actions.filter(Boolean).at(-1)).toBe('audit_exported');
    const status = page.getByTestId('audit-exported');
    await status.waitFor();
    expect(Number(await status.getAttribute('data-count'))).toBe(actions.filter(Boolean).length);
    // the thumbprint the panel shows is the one that signed the file: pinning it verifies, another does not
    const shown = ((await page.getByTestId('audit-thumbprint').textContent()) ?? '').trim();
    expect(shown).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await verifyExport(text, { expectKeyThumbprint: shown })).code).toBe('ok');
    expect((await verifyExport(text, { expectKeyThumbprint: 'A'.repeat(43) })).code).not.toBe('ok');
    for (const t of [...VISIT.turns, ...KB_VISIT.turns]) for (const w of t.text.match(/[A-Za-z]{9,}/g) ?? []) expect(text.includes(w), 'audit holds no transcript words').toBe(false);
  }, 120_000);

  it('contrast: every measured colour pair meets WCAG 2.2 AA in both schemes', () => {
    for (const scheme of ['light', 'dark'] as const) {
      const rows = measured[scheme]!;
      expect(rows.length).toBeGreaterThan(20);
      console.info(`[panel-ui] ${scheme}: ${rows.map((r) => `${r.what} ${r.ratio}`).join('; ')}`);
    }
  });

  it('the panel page logged nothing with transcript content', () => {
    const words = new Set(
      [...VISIT.turns, ...KB_VISIT.turns].flatMap((t) => t.text.toLowerCase().match(/[a-z][a-z'-]{3,}/g) ?? []),
    );
    const hits = consoleLines.flatMap((line) => (line.toLowerCase().match(/[a-z][a-z'-]{3,}/g) ?? []).filter((w) => words.has(w)).map((w) => `${w} in "${line.slice(0, 80)}"`));
    console.info(`[panel-ui] console lines from the panel page: ${consoleLines.length}`);
    expect(hits).toEqual([]);
  });
});
