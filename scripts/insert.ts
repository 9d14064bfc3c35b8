/**
 * Write an already-approved note into any EHR-like page through the product's own insert path —
 * the fast loop for trying a new EHR page.
 *
 *   npm run -s insert -- --note <note.json> [--ehr <url>] --out <dir> [--mode auto|sections]
 *
 * note.json: a StoredNote (what the vault holds), `{note: Note}` (the demo's note.json), or a
 * bare Note — parsed with zod; the shape found is printed. Without --ehr the built-in demo EHR
 * page is served on loopback.
 *
 * What runs: headless Chromium with the built extension ($SCRIBE_OUT_DIR or .output), the EHR
 * page in a tab, and sidepanel.html opened as a tab. From that extension page, exactly as the
 * panel does: vault.setup with a throwaway PIN (fresh profile), vault.createVisit,
 * vault.approveVisit, vault.putNote (approvedAt set), then insert.write {tabId, visitId, mode}
 * to the background, which reads the note from the vault, injects the content script into all
 * frames and writes. The extension is a copy whose manifest also grants the page's host: it
 * stands in for the clinician's toolbar click that grants activeTab in real use (headless
 * Chromium cannot click the toolbar).
 *
 * Output: <out>/ehr.json — per field written {frameUrlOrigin, label, kind, verified, finalValue}
 * (finalValue read from the page by Playwright: harness code, not the product). On failure:
 * exit 1 with one line naming the stage; every stage is bounded by a timeout.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Note } from '../shared/api.ts';
import { StoredNote } from '../extension/lib/visit/stored.ts';
import { EXTENSION_DIR, launchWithExtension, type Launched } from '../tests/e2e/lib/browser.ts';
import { serveDirs } from '../tests/e2e/lib/serve.ts';
import { extensionCopyWithLoopbackGrant } from '../tests/e2e/ehr/drivers.ts';
import { framesOf, insertCall, openExtensionPage, openVault, readFieldIn, storeVisit, tabIdOf } from '../tests/e2e/ehr/insert-harness.ts';

const ROOT = resolve(import.meta.dirname, '..');

class StageError extends Error {
  constructor(
    readonly stage: string,
    readonly detail: string,
  ) {
    super(`${stage}: ${detail}`);
  }
}

/** Milliseconds per stage of the last run (written into ehr.json). */
const timings: Record<string, number> = {};

async function stage<T>(name: string, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  try {
    return await Promise.race([
      fn().catch((e: unknown) => {
        // first line only: Playwright errors can be long; none of ours carry note text
        throw e instanceof StageError ? e : new StageError(name, e instanceof Error ? (e.message.split('\n')[0] ?? 'failed') : 'failed');
      }),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new StageError(name, `timed out after ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    timings[name] = Math.round(performance.now() - t0);
  }
}

export type NoteShape = 'StoredNote' | '{note: Note}' | 'Note';

/** Accepts the three shapes; throws a StageError naming what did not parse (paths only, no text). */
export function parseNoteFile(raw: unknown): { shape: NoteShape; stored: StoredNote } {
  const s = StoredNote.safeParse(raw);
  if (s.success) return { shape: 'StoredNote', stored: s.data };
  const wrapped = z.object({ note: Note }).passthrough().safeParse(raw);
  const bare = Note.safeParse(raw);
  const note = wrapped.success ? wrapped.data.note : bare.success ? bare.data : null;
  if (note === null) {
    const issues = (wrapped.error ?? bare.error)?.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.code}`) ?? [];
    throw new StageError('note', `not a StoredNote, {note: Note} or Note (${issues.join('; ')})`);
  }
  const now = Date.now();
  return {
    shape: wrapped.success ? '{note: Note}' : 'Note',
    stored: { v: 1, note, template: 'soap', mode: 'device', provider: 'extractor', generatedAt: now, editedAt: null, approvedAt: null, unresolved: [] },
  };
}

export interface InsertOptions {
  note: string;
  ehr?: string | undefined;
  out: string;
  mode?: 'auto' | 'sections';
}

export interface InsertField {
  frameUrlOrigin: string;
  label: string | null;
  kind: string | null;
  section: string | null;
  code: string;
  verified: boolean;
  chars: number;
  finalValue: string | null;
}

export async function runInsert(o: InsertOptions): Promise<{ ok: true; shape: NoteShape; fields: InsertField[] } | { ok: false; stage: string; error: string }> {
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  let l: Launched | undefined;
  let server: Awaited<ReturnType<typeof serveDirs>> | undefined;
  let copy: ReturnType<typeof extensionCopyWithLoopbackGrant> | undefined;
  try {
    const { shape, stored } = await stage('note', 5_000, async () => {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(resolve(o.note), 'utf8'));
      } catch {
        throw new StageError('note', `cannot read JSON from ${o.note}`);
      }
      return parseNoteFile(raw);
    });
    process.stdout.write(`insert: note file is a ${shape} (${stored.note.sections.length} sections)\n`);

    const url = await stage('ehr', 10_000, async () => {
      if (o.ehr !== undefined) {
        const u = new URL(o.ehr);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StageError('ehr', 'the EHR URL must be http(s)');
        return u.href;
      }
      server = await serveDirs({ '/ehr/': join(ROOT, 'tests/fixtures/demo-ehr') });
      return `${server.url}/ehr/index.html`;
    });

    l = await stage('browser', 60_000, async () => {
      if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new StageError('browser', `no extension build at ${EXTENSION_DIR}: run \`npm run build\``);
      const host = new URL(url);
      // Stands in for the clinician's toolbar click (activeTab) on this page's host.
      copy = extensionCopyWithLoopbackGrant(EXTENSION_DIR, [`${host.protocol}//${host.hostname}/*`]);
      return launchWithExtension({ micWav: null, extensionDir: copy.dir });
    });
    const launched = l;

    const page = await stage('page', 30_000, async () => {
      const p = await launched.context.newPage();
      await p.goto(url, { waitUntil: 'load' });
      // fixture pages built from editors mark readiness; other pages are ready at load
      await p.waitForSelector('html[data-ready="1"]', { timeout: 1_500 }).catch(() => undefined);
      return p;
    });

    const panel = await stage('panel', 30_000, () => openExtensionPage(launched));
    await stage('vault', 30_000, () => openVault(panel, `throwaway-${randomBytes(12).toString('hex')}`));
    const visitId = await stage('visit', 30_000, () => storeVisit(panel, stored as unknown as Record<string, unknown>, true));
    const tabId = await stage('tab', 10_000, () => tabIdOf(panel, url));

    const value = await stage('insert', 60_000, async () => {
      const r = await insertCall(panel, 'insert.write', { tabId, visitId, mode: o.mode ?? 'auto' });
      if (!r.ok) throw new StageError('insert', `insert.write refused: ${r.code}`);
      return r.value as { code: string; results: Array<{ origin: string; label: string | null; kind: string | null; section: string | null; code: string; verified: boolean; chars: number }> };
    });

    const fields = await stage('read-back', 30_000, async () => {
      const out: InsertField[] = [];
      for (const x of value.results) {
        let finalValue: string | null = null;
        if (x.label !== null && x.kind !== null)
          for (const f of framesOf(page, x.origin)) {
            finalValue = await readFieldIn(f, x.label, x.kind).catch(() => null);
            if (finalValue !== null) break;
          }
        out.push({ frameUrlOrigin: x.origin, label: x.label, kind: x.kind, section: x.section, code: x.code, verified: x.verified, chars: x.chars, finalValue });
      }
      return out;
    });
    writeFileSync(join(outDir, 'ehr.json'), JSON.stringify({ mode: o.mode ?? 'auto', noteShape: shape, code: value.code, fields, timingsMs: timings }, null, 2) + '\n');
    // counts and codes only on the console
    process.stdout.write(`insert: ${fields.length} field(s) written, ${fields.filter((f) => f.verified).length} verified (${value.code}) → ${join(outDir, 'ehr.json')}\n`);
    return { ok: true, shape, fields };
  } catch (e) {
    const err = e instanceof StageError ? e : new StageError('insert', 'failed');
    return { ok: false, stage: err.stage, error: err.detail };
  } finally {
    await l?.close();
    copy?.remove();
    await server?.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { note: { type: 'string' }, ehr: { type: 'string' }, out: { type: 'string' }, mode: { type: 'string', default: 'auto' } },
    strict: true,
  });
  if (values.note === undefined || values.out === undefined || (values.mode !== 'auto' && values.mode !== 'sections')) {
    process.stderr.write('usage: npm run -s insert -- --note <note.json> [--ehr <url>] --out <dir> [--mode auto|sections]\n');
    process.exit(2);
  }
  const r = await runInsert({ note: values.note, ehr: values.ehr, out: values.out, mode: values.mode });
  if (!r.ok) {
    process.stderr.write(`insert: stage ${r.stage} failed: ${r.error}\n`);
    process.exit(1);
  }
  const bad = r.fields.filter((f) => !f.verified).length;
  if (r.fields.length === 0 || bad > 0) {
    process.stderr.write(`insert: stage verify failed: ${bad} of ${r.fields.length} field(s) did not read back as written\n`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
