/**
 * Vault benchmark: prints ONE JSON object on stdout.
 *
 *   npx tsx bench/vault.ts [--runtime node|browser|both] [--max-visits 10000] [--unlock-runs 3]
 *
 * node:    Node's WebCrypto + fake-indexeddb (a pure-JS IndexedDB): storage figures are
 *          fake-indexeddb's, not Chromium's.
 * browser: the same measure() bundled with esbuild and run in headless Chromium
 *          (/usr/bin/chromium via playwright-core) on a loopback page, with the browser's real
 *          IndexedDB (LevelDB on disk, temporary profile) and WebCrypto. This is the figure that
 *          counts. The page is http://127.0.0.1 (a secure context), not the extension origin.
 * Every loop is bounded by the arguments above.
 */
import { VaultDb, type DexieDeps } from '../extension/lib/db/schema.ts';
import { Vault, systemClock } from '../extension/lib/vault/vault.ts';
import { purgeExpiredRows } from '../extension/lib/vault/retention.ts';
import { PBKDF2_MIN_PRODUCTION_ITERATIONS, aad, seal, utf8, generateWrappableKey } from '../extension/lib/vault/crypto.ts';
import type { TranscriptSegment } from '../shared/transcript.ts';

const SEGMENTS_PER_HOUR = 900; // ~4 s per segment over a 60-minute visit
const FILLER_SEGMENTS = 3; // per background visit in the scaling run (bounds total rows)
const PIN = 'bench-passphrase-0001';

const WORDS = 'patient reports intermittent lower back pain radiating to the left leg worse when sitting improved with rest denies fever weight loss or bladder symptoms'.split(' ');
function words(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[(i * 7 + seed) % WORDS.length] ?? 'x');
  return out.join(' ');
}
function segment(i: number): TranscriptSegment {
  return { id: `s${i}`, source: i % 2 ? 'tab' : 'mic', speaker: i % 2 ? 'remote' : 'clinician', t0: i * 4, t1: i * 4 + 3.8, text: words(10, i), final: true };
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return Math.round((s[i] ?? NaN) * 1000) / 1000;
}
function stats(xs: number[]): { n: number; p50: number; p95: number; max: number } {
  return { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: pct(xs, 100) };
}
async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

export interface MeasureOptions {
  readonly maxVisits: number;
  readonly unlockRuns: number;
  /** fake-indexeddb in Node; omitted in the browser (real IndexedDB). */
  readonly deps?: DexieDeps;
  readonly runtime: string;
}

export async function measure(o: MeasureOptions): Promise<Record<string, unknown>> {
  const MAX_VISITS = Math.min(o.maxVisits, 20_000);
  const UNLOCK_RUNS = Math.min(o.unlockRuns, 10);
  const db = new VaultDb('bench', o.deps ?? {});
  await db.delete({ disableAutoOpen: false });
  // Real production KDF cost; a long idle lock so the bench itself never trips it.
  const vault = new Vault(db, systemClock, { idleLockMs: 24 * 3600_000 });

  const [setupMs] = await time(() => vault.setup(PIN));
  const unlockMs: number[] = [];
  for (let i = 0; i < UNLOCK_RUNS; i++) {
    vault.lock();
    unlockMs.push((await time(() => vault.unlock(PIN)))[0]);
  }

  // ── one 60-minute visit: seal+store per segment, then open it ──────────────────────────────
  const visit = await vault.createVisit({});
  const putSeg: number[] = [];
  for (let i = 0; i < SEGMENTS_PER_HOUR; i++) putSeg.push((await time(() => vault.putSegment(visit, segment(i))))[0]);

  // The crypto part alone (JSON + AES-GCM seal with AAD): what encryption adds to a store.
  const k = await generateWrappableKey(['encrypt', 'decrypt']);
  const sealOnly: number[] = [];
  for (let i = 0; i < SEGMENTS_PER_HOUR; i++) {
    const s = segment(i);
    sealOnly.push((await time(() => seal(k, aad('segments', visit, s.id), utf8(JSON.stringify(s)))))[0]);
  }
  // Baseline: the same store without encryption (plain row into a scratch Dexie table).
  const plainDb = new VaultDb('bench-plain', o.deps ?? {});
  await plainDb.delete({ disableAutoOpen: false });
  const plainPut: number[] = [];
  for (let i = 0; i < SEGMENTS_PER_HOUR; i++) {
    const s = segment(i);
    plainPut.push((await time(() => plainDb.segments.put({ visitId: visit, id: s.id, t0: s.t0, text: s.text })))[0]);
  }
  await plainDb.delete();

  // Opening the visit as capture left it: pages appended every 128 writes plus < 128 loose rows ...
  const openLoose: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [ms, segs] = await time(() => vault.listSegments(visit));
    if (segs.length !== SEGMENTS_PER_HOUR) throw new Error('bench_segment_count');
    openLoose.push(ms);
  }
  // ... and after compaction into sealed pages (what approveVisit / capture stop does).
  const [compactMs, pageCount] = await time(() => vault.compactSegments(visit));
  const openWarm: number[] = [];
  const openCold: number[] = [];
  for (let i = 0; i < 10; i++) {
    const [ms, segs] = await time(() => vault.listSegments(visit));
    if (segs.length !== SEGMENTS_PER_HOUR) throw new Error('bench_segment_count');
    openWarm.push(ms);
  }
  for (let i = 0; i < 5; i++) {
    vault.lock();
    await vault.unlock(PIN); // cold: the visit key must be unwrapped again
    openCold.push((await time(() => vault.listSegments(visit)))[0]);
  }

  // ── 10,000-word note ───────────────────────────────────────────────────────────────────────
  const note = { sections: Array.from({ length: 10 }, (_, i) => ({ title: `S${i}`, text: words(1_000, i) })) };
  const noteBytes = utf8(JSON.stringify(note)).byteLength;
  const putNote: number[] = [];
  const getNote: number[] = [];
  for (let i = 0; i < 30; i++) {
    putNote.push((await time(() => vault.putNote(visit, note)))[0]);
    getNote.push((await time(() => vault.getNote(visit)))[0]);
  }

  // ── scaling: 10 → MAX_VISITS visits in the store ───────────────────────────────────────────
  const levels = [10, 100, 1_000, 10_000, 20_000].filter((n) => n <= MAX_VISITS);
  const scaling: Array<Record<string, unknown>> = [];
  let visits = 1; // the 60-minute visit above
  const fillStart = performance.now();
  for (const level of levels) {
    while (visits < level) {
      const id = await vault.createVisit({});
      for (let j = 0; j < FILLER_SEGMENTS; j++) await vault.putSegment(id, segment(j));
      visits++;
    }
    vault.lock();
    const [unlock] = await time(() => vault.unlock(PIN));
    const fresh = await vault.createVisit({});
    const puts: number[] = [];
    for (let i = 0; i < 100; i++) puts.push((await time(() => vault.putSegment(fresh, segment(i))))[0]);
    visits++;
    const opens: number[] = [];
    for (let i = 0; i < 3; i++) opens.push((await time(() => vault.listSegments(visit)))[0]); // compacted
    const [listMs, list] = await time(() => vault.listVisits());
    // The alarm path (candidates only) and the browser-start path (full orphan sweep).
    const [purgeMs, purged] = await time(() => purgeExpiredRows(db, Date.now(), vault.config));
    const [sweepMs, swept] = await time(() => vault.purgeExpired(Date.now()));
    if (purged.visits !== 0 || swept.visits !== 0) throw new Error('bench_unexpected_purge');
    scaling.push({
      visits: list.length,
      segmentRows: await db.segments.count(),
      unlockMs: Math.round(unlock * 10) / 10,
      putSegmentMs: stats(puts),
      open60minVisitMs: stats(opens),
      listVisitsMs: Math.round(listMs * 10) / 10,
      purgeAlarmMs: Math.round(purgeMs * 10) / 10,
      purgeWithSweepMs: Math.round(sweepMs * 10) / 10,
    });
  }
  const fillSeconds = Math.round((performance.now() - fillStart) / 100) / 10;

  const [deleteAllMs, deleted] = await time(() => vault.deleteAll());
  vault.dispose();
  await db.delete();

  return {
      runtime: o.runtime,
      kdf: { name: 'PBKDF2-SHA256', iterations: PBKDF2_MIN_PRODUCTION_ITERATIONS },
      setupMs: Math.round(setupMs),
      unlockMs: stats(unlockMs),
      segment: {
        count: SEGMENTS_PER_HOUR,
        plaintextBytesAvg: Math.round(utf8(JSON.stringify(segment(1))).byteLength),
        sealOnlyMs: stats(sealOnly),
        encryptAndStoreMs: stats(putSeg),
        plainStoreBaselineMs: stats(plainPut),
        target: 'sealing adds < 1 ms p95',
        sealAddsP95Ms: pct(sealOnly, 95),
      },
      open60minVisit: {
        segments: SEGMENTS_PER_HOUR,
        target: '< 150 ms',
        duringCaptureMs: stats(openLoose),
        compactMs: Math.round(compactMs * 10) / 10,
        pages: pageCount,
        compactedWarmMs: stats(openWarm),
        compactedColdKeyMs: stats(openCold),
      },
      note10kWords: { plaintextBytes: noteBytes, encryptAndStoreMs: stats(putNote), loadAndDecryptMs: stats(getNote) },
      scaling: { fillerSegmentsPerVisit: FILLER_SEGMENTS, fillSeconds, levels: scaling },
      deleteAll: { visits: deleted, ms: Math.round(deleteAllMs) },
  };
}

// ── drivers (Node only; the browser bundle calls measure() through globalThis.__vaultBench) ──

declare global {
  var __vaultBench: ((o: MeasureOptions) => Promise<Record<string, unknown>>) | undefined;
}

const isNode = typeof process !== 'undefined' && Array.isArray(process.argv) && typeof window === 'undefined';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}
function strArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

async function inNode(maxVisits: number, unlockRuns: number): Promise<Record<string, unknown>> {
  const fake = await import('fake-indexeddb');
  return measure({
    maxVisits,
    unlockRuns,
    deps: { indexedDB: new fake.IDBFactory(), IDBKeyRange: fake.IDBKeyRange },
    runtime: `node ${process.version} WebCrypto + fake-indexeddb`,
  });
}

async function inBrowser(maxVisits: number, unlockRuns: number): Promise<Record<string, unknown>> {
  const [{ build }, { chromium }, http, fs, os, path, url] = await Promise.all([
    import('esbuild'),
    import('playwright-core'),
    import('node:http'),
    import('node:fs'),
    import('node:os'),
    import('node:path'),
    import('node:url'),
  ]);
  const self = url.fileURLToPath(import.meta.url);
  const out = await build({
    entryPoints: [self],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    external: ['fake-indexeddb', 'playwright-core', 'esbuild', 'node:*'],
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]?.text ?? '';
  const html = '<!doctype html><meta charset="utf-8"><title>vault bench</title><script type="module" src="/bench.js"></script>';
  const server = http.createServer((req, res) => {
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => typeof globalThis.__vaultBench === 'function', undefined, { timeout: 30_000 });
    const version = ctx.browser()?.version() ?? 'unknown';
    return await page.evaluate(
      (o) => (globalThis.__vaultBench as NonNullable<typeof globalThis.__vaultBench>)(o),
      { maxVisits, unlockRuns, runtime: `headless Chromium ${version}, real IndexedDB + WebCrypto` },
    );
  } finally {
    await ctx.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

if (isNode) {
  const maxVisits = arg('max-visits', 10_000);
  const unlockRuns = arg('unlock-runs', 3);
  const which = strArg('runtime', 'both');
  (async () => {
    const result: Record<string, unknown> = { bench: 'vault', maxVisits };
    if (which === 'browser' || which === 'both') result.browser = await inBrowser(maxVisits, unlockRuns);
    if (which === 'node' || which === 'both') result.node = await inNode(maxVisits, unlockRuns);
    console.log(JSON.stringify(result));
  })().catch((e: unknown) => {
    // Codes only: a bench failure must not print content either.
    console.log(JSON.stringify({ bench: 'vault', error: e instanceof Error ? e.message.slice(0, 80) : 'unknown' }));
    process.exitCode = 1;
  });
} else {
  globalThis.__vaultBench = measure;
}
