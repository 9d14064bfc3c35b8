import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_EXTENSION_ID } from '../../extension-id.ts';
import { startApi, type RunningApi } from '../worker/dev-server.ts';
import { EXTENSION_DIR, launchWithExtension } from './lib/browser.ts';
import { openCallTab, restartCall } from './lib/call.ts';
import { isNoteEgress, listFiles, scanDir, scanTrace, type DirHit, type TraceHit } from './lib/canary.ts';
import { openPanel, startVisit, stopVisit, waitForSeconds, waitForState } from './lib/panel.ts';
import { serveDirs } from './lib/serve.ts';
import { CANARY_FIXTURES, VISITS, ehrPage, fixture, observedForms, readExtensionStorage, replacedForms, type SweepVisit } from './lib/sweep.ts';
import { startTrace, type TraceRequest, type TraceSummary } from './lib/trace.ts';
import { extensionCopyWithLoopbackGrant } from './ehr/drivers.ts';

/**
 * Canary sweep (issue 10 item 1). Full visits through the real product — fake mic (and, for
 * telehealth, a captured call tab) playing synthetic speech that says invented identifiers →
 * on-device Whisper → vault → minimizer (the EHR page's banner holds the same identifiers) →
 * egress preview → note API in workerd → review → approve → EHR write → deletion — and then every
 * place PHI must not be is searched for the canaries:
 *   - console of every context (service worker, side panel, offscreen document, its workers, the
 *     EHR and call pages) and every request the browser sent (lib/trace.ts), the API's log lines;
 *   - chrome.storage.{local,session,sync,managed}, Cache Storage (read through the service worker),
 *     the side panel's localStorage/sessionStorage;
 *   - the Chromium profile on disk, every file, UTF-8 and UTF-16LE, after the browser closed;
 *   - the profile again after the visit was deleted with the panel's Delete button (browser
 *     reopened, unlocked, deleted, closed).
 * Identifiers may appear nowhere, not even in the egress payload (POST /v1/notes); the content
 * canary (a made-up history phrase) may appear in the egress body only. Positive controls (a
 * page's console.log and a fetch body) prove the same scans find what is there.
 */
const ROOT = join(import.meta.dirname, '../..');
const OUT = mkdtempSync(join(tmpdir(), 'scribe-sweep-'));
const CONTROL_CONSOLE = 'SWEEP-CONTROL-CONSOLE-Vexmorrow';
const CONTROL_BODY = 'SWEEP-CONTROL-BODY-Quillanth';

/**
 * The note API on a port of its own. The extension's default apiBaseUrl is http://127.0.0.1:8787,
 * which other tests on this machine start and stop servers on (startApi's health probe would be
 * answered by theirs); so this test serves the API on a free port and points its own copy of the
 * built extension there (the default URL rewritten in the copied bundle, as the copy's manifest
 * already widens host access: a test harness edit, not a product one).
 */
async function privateApi(): Promise<RunningApi> {
  return startApi({ port: 0, vars: { ALLOWED_ORIGINS: `chrome-extension://${DEV_EXTENSION_ID}` } });
}

function pointAt(extDir: string, apiUrl: string): number {
  let n = 0;
  for (const f of listFiles(extDir)) {
    if (!/\.(js|json)$/.test(f) || f.includes('/models/') || f.includes('/ort/')) continue;
    const text = readFileSync(f, 'utf8');
    if (!text.includes('http://127.0.0.1:8787')) continue;
    writeFileSync(f, text.split('http://127.0.0.1:8787').join(apiUrl));
    n++;
  }
  return n;
}

interface VisitRun {
  visit: SweepVisit;
  canaries: string[];
  observed: ReturnType<typeof observedForms>;
  /** what the minimizer replaced with NAME/MRN placeholders, as the ASR wrote it (canaries too) */
  replaced: string[];
  /** replaced forms the extension's own files contain (a dictionary word such as "Norris") */
  shipped: string[];
  /** their hits in Chromium's compiled-script cache, allowed: the cache holds the extension's code */
  codeCacheHits: number;
  egressBody: string;
  traces: Array<{ dir: string; summary: TraceSummary }>;
  storage: { storageKeys: number; cacheEntries: number };
  profile: string;
  profileScan: { files: number; skipped: string[]; hits: DirHit[] };
  profileScanAfterDelete: { files: number; skipped: string[]; hits: DirHit[] };
  ehrValue: string;
}

async function sendOffscreen(page: Page, msg: Record<string, unknown>): Promise<{ ok: boolean; data?: unknown }> {
  return page.evaluate((m) => chrome.runtime.sendMessage({ target: 'offscreen', ...m }), msg) as Promise<{ ok: boolean; data?: unknown }>;
}

async function runVisit(v: SweepVisit, api: RunningApi, extDir: string): Promise<VisitRun> {
  const base = join(OUT, v.id);
  const profile = join(base, 'profile');
  const ehrDir = join(base, 'ehr');
  mkdirSync(profile, { recursive: true });
  mkdirSync(ehrDir, { recursive: true });
  writeFileSync(join(ehrDir, 'index.html'), ehrPage(join(ROOT, 'tests/fixtures/demo-ehr/index.html'), v));
  const server = await serveDirs({ '/ehr/': ehrDir, '/clip/': CANARY_FIXTURES, '/': join(ROOT, 'tests/fixtures/pages') });
  const mic = fixture(v.mic.file);
  const remote = v.remote ? fixture(v.remote.file) : null;
  const traces: VisitRun['traces'] = [];
  let run: Omit<VisitRun, 'profileScan' | 'profileScanAfterDelete' | 'shipped' | 'codeCacheHits'>;
  try {
    // ── the visit ───────────────────────────────────────────────────────────────────────────
    const l = await launchWithExtension({ profileDir: profile, micWav: mic.path, extensionDir: extDir, allowTabCapture: remote !== null });
    const dir1 = join(base, 'trace-visit');
    try {
      const trace = await startTrace(l, { dir: dir1, api });
      const ehr = await l.context.newPage();
      const ehrUrl = `${server.url}/ehr/index.html`;
      await ehr.goto(ehrUrl);
      const ehrTabId = await l.serviceWorker.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id ?? -1, ehrUrl);
      const call = remote ? await openCallTab(l, `${server.url}/call.html?src=/clip/${v.remote!.file}`) : null;
      const panel = await openPanel(l);
      await startVisit(panel, { mic: true, ...(call ? { tabId: call.tabId } : {}) });
      expect(await waitForState(panel, ['recording', 'error'], 60_000)).toBe('recording');
      if (call) await restartCall(call.call);
      await waitForSeconds(panel, 'mic', mic.durationS + 0.5, (mic.durationS + 120) * 1000);
      if (remote) await waitForSeconds(panel, 'tab', remote.durationS + 0.5, (remote.durationS + 120) * 1000);
      await stopVisit(panel);

      // the transcript sealed in the vault, as the review shows it (ASR is slow on a loaded box)
      const items = panel.locator('[data-testid="stored-transcript"] li');
      await items.first().waitFor({ timeout: 900_000 });
      // the last utterances are decoded after Stop: wait until the transcript stops growing
      let n = -1;
      for (let still = 0; still < 3; ) {
        await panel.waitForTimeout(10_000);
        const r = (await sendOffscreen(panel, { cmd: 'asr.transcript' })) as { ok: boolean; data?: { complete?: boolean } };
        const now = await items.count();
        still = r.data?.complete && now === n ? still + 1 : 0;
        n = now;
      }
      const transcript = (await panel.locator('[data-testid="stored-transcript"]').textContent()) ?? '';
      const observed = observedForms(transcript, v);

      // minimize (banner read from the EHR tab) → preview → send → note → approve → write
      await panel.getByTestId('ehr-tab').selectOption(String(ehrTabId));
      await panel.getByRole('button', { name: /Prepare note/ }).click();
      await panel.getByTestId('egress-preview').waitFor({ timeout: 60_000 });
      await panel.getByText('Exact request body').click();
      const egressBody = (await panel.getByTestId('egress-body').textContent()) ?? '';
      // each stored segment's text (without its time and speaker), to read back what was replaced
      const bySeg = new Map(
        await items.evaluateAll((els) =>
          els.map((e) => {
            const c = e.cloneNode(true) as HTMLElement;
            c.querySelector('.muted')?.remove();
            return [e.getAttribute('data-seg') ?? '', (c.textContent ?? '').trim()] as [string, string];
          }),
        ),
      );
      // (a part of a banner identifier, e.g. the given name alone, is on the EHR page by design)
      const replaced = replacedForms(bySeg, egressBody).filter((f) => !v.identifiers.some((id) => id.toLowerCase().includes(f.toLowerCase())));
      // for reading a failure (SCRIBE_SWEEP_KEEP=1 keeps OUT): invented people only, outside the scanned dirs
      mkdirSync(join(base, 'debug'), { recursive: true });
      writeFileSync(join(base, 'debug', 'transcript.txt'), transcript);
      writeFileSync(join(base, 'debug', 'egress.json'), egressBody);
      await panel.getByRole('button', { name: 'Send and make note' }).click();
      const note = panel.getByTestId('note');
      await note.or(panel.locator('[role="alert"][data-code]')).first().waitFor({ timeout: 300_000 });
      const alerts = await panel.locator('[role="alert"][data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
      // no error after Send; if there is one, the API's codes for the request (content-free) say why
      const apiCodes = () => api.logs().filter((x) => x.includes('"route":"/v1/notes"'));
      if (alerts.length > 0) await panel.waitForTimeout(1_000); // the API's stdout arrives asynchronously
      expect(alerts, `the panel shows no error after Send (API: ${alerts.length > 0 ? apiCodes().join(' | ') : ''})`).toEqual([]);
      await note.getByRole('button', { name: 'Approve note' }).click();
      await panel.locator('[data-testid="note"][data-approved="true"]').waitFor({ timeout: 60_000 });
      await panel.getByTestId('insert-tab').selectOption(String(ehrTabId));
      await panel.getByRole('button', { name: 'Write note' }).click();
      await panel.getByTestId('insert-result').waitFor({ timeout: 60_000 });
      expect(await panel.getByTestId('insert-result').getAttribute('data-verified')).toBe('true');
      const ehrValue = await ehr.locator('#full-note').inputValue();

      // positive controls: a page's console line and a request body (not the egress route)
      await ehr.evaluate((c) => console.log('control', c), CONTROL_CONSOLE);
      await ehr.evaluate(async ({ url, body }) => void (await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body }).catch(() => undefined)), { url: `${api.url}/v1/control`, body: CONTROL_BODY });

      // chrome.storage.*, Cache Storage, the panel's Web Storage: into the trace dir, scanned with it
      const storage = await readExtensionStorage(l.serviceWorker);
      const web = await panel.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
      const summary = await trace.stop();
      writeFileSync(join(dir1, 'extension-storage.json'), storage.text);
      writeFileSync(join(dir1, 'panel-webstorage.json'), web);
      traces.push({ dir: dir1, summary });
      run = { visit: v, canaries: [...new Set([...v.identifiers, ...observed.forms, ...replaced])], observed, replaced, egressBody, traces, storage, profile, ehrValue };
    } finally {
      await l.close(); // closes the browser: IndexedDB's LevelDB and the rest flushed to disk
    }
  } finally {
    await server.close();
  }
  const profileScan = scanDir(profile, [...run.canaries, v.phrase]);

  // ── deletion: reopen the profile, unlock, Delete in the panel, close, scan again ────────────
  const l2 = await launchWithExtension({ profileDir: profile, micWav: null, extensionDir: extDir });
  const dir2 = join(base, 'trace-delete');
  try {
    const trace = await startTrace(l2, { dir: dir2, api });
    const panel = await openPanel(l2);
    const del = panel.getByRole('button', { name: 'Delete this visit' });
    await del.first().waitFor({ timeout: 60_000 });
    expect(await del.count()).toBe(1);
    await del.click();
    await panel.getByTestId('visits').getByText('None stored.').waitFor({ timeout: 60_000 });
    const list = (await sendOffscreen(panel, { cmd: 'review.list' })) as { ok: boolean; data?: unknown[] };
    expect(list.ok).toBe(true);
    expect(list.data).toEqual([]);
    const storage = await readExtensionStorage(l2.serviceWorker);
    const summary = await trace.stop();
    writeFileSync(join(dir2, 'extension-storage.json'), storage.text);
    traces.push({ dir: dir2, summary });
  } finally {
    await l2.close();
  }
  const profileScanAfterDelete = scanDir(profile, [...run.canaries, v.phrase]);
  // A replaced form can be an ordinary word the extension ships (Whisper wrote "Norris" for a
  // spoken name; "norris" is in the minimizer's word list), so Chromium's compiled-script cache
  // holds it whatever the visit did. Those hits, and only in "Code Cache/", are allowed; the same
  // forms are still searched for everywhere else, and the visit's own identifiers are never allowed.
  const shipped = [...new Set(scanDir(extDir, run.replaced).hits.map((h) => h.canary))];
  const inCodeCache = (h: DirHit) => shipped.includes(h.canary) && /(^|\/)Code Cache\//.test(h.file);
  const keep = (scan: typeof profileScan) => ({ ...scan, hits: scan.hits.filter((h) => !inCodeCache(h)) });
  const codeCacheHits = [...profileScan.hits, ...profileScanAfterDelete.hits].filter(inCodeCache).length;
  return { ...run, shipped, codeCacheHits, profileScan: keep(profileScan), profileScanAfterDelete: keep(profileScanAfterDelete) };
}

const egressBodies = (dir: string): string[] =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((x) => JSON.parse(x) as TraceRequest)
    .filter((r) => isNoteEgress(r) && r.body)
    .map((r) => r.body!);

const fmtHit = (h: TraceHit | DirHit) => `${h.file}${'where' in h ? ` (${h.where}${h.line ? `:${h.line}` : ''})` : ''} ${h.encoding} ×${h.count} [${h.canary}]`;

describe('canary sweep: no identifier anywhere PHI must not be', () => {
  let api: RunningApi;
  let ext: { dir: string; remove(): void };
  const runs: VisitRun[] = [];

  beforeAll(async () => {
    api = await privateApi();
    ext = extensionCopyWithLoopbackGrant(EXTENSION_DIR);
    expect(pointAt(ext.dir, api.url)).toBeGreaterThan(0);
  }, 5 * 60_000);
  afterAll(async () => {
    ext?.remove();
    await api?.stop();
    if (!process.env.SCRIBE_SWEEP_KEEP) rmSync(OUT, { recursive: true, force: true });
  });

  // Both visits run by default (SCRIBE_SWEEP_VISITS=in-person or =telehealth runs one). The
  // invented surnames were picked because Whisper (base, q8) writes espeak's rendering of them
  // close to as spelt (bench/asr --dir on candidate clips, then this sweep through the real
  // capture path; 'Quimbleton' it did not). Under load the windows fall differently and Whisper
  // may write a near spelling ("Winterbotle", "Winter bottle"): the sweep then looks for that
  // form too, so it never searches only for a string the ASR never produced.
  const only = (process.env.SCRIBE_SWEEP_VISITS ?? 'in-person,telehealth').split(',');
  for (const v of VISITS.filter((x) => only.includes(x.id))) {
    it(`${v.id}: a whole visit, then every trace, storage and the profile hold no canary`, async () => {
      const r = await runVisit(v, api, ext.dir);
      runs.push(r);
      // A spoken identifier really went through the ASR (else the sweep would be vacuous): the
      // surname (as spelt, a near spelling, or the word after the given name) or the record
      // number. Every form found, and everything the minimizer replaced with a NAME or MRN
      // placeholder as Whisper wrote it, is a canary. Under load Whisper may write the surname
      // past recognition (seen once in CI); the sweep then says so and checks what it did write.
      expect(r.observed.surnameForm || r.observed.mrn, `a spoken identifier is in the transcript (forms seen: ${JSON.stringify(r.observed.forms)})`).toBe(true);
      if (!r.observed.surnameForm) console.warn(`[canary-sweep] ${v.id}: no form of the surname in the transcript; searched for the record number and the ${r.replaced.length} replaced form(s)`);

      // the egress payload: content, but no identifier (what the panel showed = what was sent)
      const sent = egressBodies(r.traces[0]!.dir);
      expect(sent).toEqual([r.egressBody]);
      for (const c of r.canaries) expect(r.egressBody.toLowerCase(), 'egress carries no identifier').not.toContain(c.toLowerCase());
      if (r.observed.phrase) expect(r.egressBody).toContain(v.phrase);

      // traces: console of every context, every request, the API log, storage dumps
      for (const t of r.traces) {
        const ids = scanTrace(t.dir, r.canaries);
        expect(ids.hits.map(fmtHit)).toEqual([]);
        const content = scanTrace(t.dir, [v.phrase], { allowIn: ['egress'] });
        expect(content.hits.filter((h) => !h.allowed).map(fmtHit)).toEqual([]);
      }
      // positive controls: the same scan finds the page's console line and the control body
      const controls = scanTrace(r.traces[0]!.dir, [CONTROL_CONSOLE, CONTROL_BODY]);
      expect(controls.hits.some((h) => h.canary === CONTROL_CONSOLE && /^console-page-\d+\.log$/.test(h.file))).toBe(true);
      expect(controls.hits.some((h) => h.canary === CONTROL_BODY && h.where === 'body')).toBe(true);
      // the API saw the control request, and its log does not carry the body
      expect(readFileSync(join(r.traces[0]!.dir, 'api.log'), 'utf8')).not.toContain(CONTROL_BODY);

      // the profile on disk, closed: after the visit, and after its deletion
      expect(r.profileScan.files).toBeGreaterThan(10);
      expect(r.profileScan.hits.map(fmtHit)).toEqual([]);
      expect(r.profileScanAfterDelete.hits.map(fmtHit)).toEqual([]);
    }, 40 * 60_000);
  }

  it('figure: canary hits outside the allowed places = 0', () => {
    expect(runs.length).toBeGreaterThan(0);
    let hits = 0;
    let files = 0;
    let requests = 0;
    let consoleLines = 0;
    let apiLines = 0;
    let contexts = 0;
    let egressContentHits = 0;
    let storageKeys = 0;
    let cacheEntries = 0;
    for (const r of runs) {
      for (const t of r.traces) {
        const s = scanTrace(t.dir, [...r.canaries, r.visit.phrase], { allowIn: [] });
        const c = scanTrace(t.dir, [r.visit.phrase], { allowIn: ['egress'] });
        hits += s.hits.filter((h) => h.canary !== r.visit.phrase).length + c.disallowed;
        egressContentHits += c.allowed;
        files += s.files;
        requests += t.summary.requests;
        consoleLines += t.summary.consoleLines;
        apiLines = Math.max(apiLines, t.summary.apiLines);
        contexts += t.summary.contexts.length;
      }
      hits += r.profileScan.hits.length + r.profileScanAfterDelete.hits.length;
      files += r.profileScan.files + r.profileScanAfterDelete.files;
      storageKeys += r.storage.storageKeys;
      cacheEntries += r.storage.cacheEntries;
    }
    const places = ['console (every context)', 'requests (all but the egress body)', 'egress body (identifiers)', 'api log', 'chrome.storage', 'Cache Storage', 'panel Web Storage', 'profile on disk', 'profile after deletion'];
    const figure = {
      figure: 'canary_sweep',
      visits: runs.map((r) => ({ id: r.visit.id, canaries: r.canaries.length, observedInTranscript: r.observed, shippedReplacedForms: r.shipped.length, allowedCodeCacheHits: r.codeCacheHits, skippedFiles: r.profileScan.skipped.length + r.profileScanAfterDelete.skipped.length })),
      places: places.length,
      contexts,
      filesScanned: files,
      requests,
      consoleLines,
      apiLines,
      storageKeys,
      cacheEntries,
      egressContentHits,
      hitsOutsideAllowed: hits,
    };
    console.log(JSON.stringify(figure)); // the figure the issue asks for
    expect(hits).toBe(0);
  });
});
