/**
 * ASR benchmark: the dev set (../shared/eval/dev/audio) through the built extension's own ASR worker
 * (the same bundle the offscreen document spawns), in headless Chromium, cross-origin isolated.
 *
 *   npx tsx bench/asr.ts [--models whisper-base,whisper-tiny] [--files a1-001,a1-002] [--pace realtime|fast]
 *                        [--prompt on|off] [--drug-names on|off] [--live same|whisper-tiny] [--window 28] [--pause 1500] [--maxwait 15] [--pause-scope track|conversation]
 *                        [--close idle|pause] [--context fit|full] [--ctx-min 10] [--ctx-pad 4]
 *                        [--ext .output/chrome-mv3] [--out bench-asr.json] [--dir other/eval/set]
 *
 * `--hyp-out DIR` writes each visit's final text to DIR/<model>.<id>.hyp.txt (and its final segments,
 * with speech bounds, to DIR/<model>.<id>.segments.json) for error analysis
 * (a file the caller asked for, never the console: the dev sets are synthetic, real audio is not).
 * `--dir` runs another set laid out like ../shared/eval/dev (audio/<id>.wav or
 * audio/<id>.clinician.wav + audio/<id>.remote.wav, audio/<id>.ref.txt, optional visits.jsonl with
 * facts.medications for the drug/dose figures): visits the engine was not tuned on.
 *
 * The engine page is fed PCM directly (not the fake microphone, which can only play in real time
 * and is exercised by tests/e2e/asr): 100 ms chunks of 16 kHz mono, sent to the page a block at a
 * time (it never holds the whole visit), paced in real time by default so
 * end-of-speech → final latency is what a clinician would see; `--pace fast` feeds as fast as the
 * engine takes it (RTF/WER only). Telehealth visits (a *.clinician.wav + *.remote.wav pair) are fed
 * as two sources (mic + tab) so speakers can be checked; other visits as the mic.
 * Prints JSON: WER per file and overall (extension/lib/asr/wer.ts normalizer), and split between
 * the words inside and outside the labelled PHI spans where visits.jsonl has them, RTF, latency
 * p50/p95, word-count ratio, drug and dose mentions, model load time, peak renderer memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchWithExtension } from '../tests/e2e/lib/browser.ts';
import { readWav } from '../tests/e2e/lib/wav.ts';
import { normalize, wer, werBySpan } from '../extension/lib/asr/wer.ts';
import { phiPieces, type LabelledVisit } from './lib/phi-pieces.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const ROOT = resolve(import.meta.dirname, '..');
const DEV = resolve(opt('dir', resolve(ROOT, '../shared/eval/dev')));
const AUDIO = join(DEV, 'audio');
const EXT = resolve(ROOT, opt('ext', '.output/chrome-mv3'));
const models = opt('models', 'whisper-base,whisper-tiny').split(',');
const pace = opt('pace', 'realtime') as 'realtime' | 'fast';
const prompt = opt('prompt', 'on') === 'on';
/** live pass model: 'whisper-tiny' beside the final model (the product default, lib/offscreen/index.ts) or 'same' (live text from the final model) */
const liveModel = opt('live', 'whisper-tiny');
const windowS = Number(opt('window', '28'));
const windowPauseMs = Number(opt('pause', '1500'));
const windowMaxWaitS = Number(opt('maxwait', '15'));
const windowPauseScope = opt('pause-scope', 'track');
/** window closing: 'pause' (the product's default) or 'idle' (also whenever the decoder is free: lower final latency, lower accuracy; asr.design.md) */
const windowClose = opt('close', 'pause');
/** encoder context of the finals: 'full' (the product's default) or 'fit' (whisper.ts ContextFit; live decodes always fit) */
const context = opt('context', 'full');
const contextMinS = Number(opt('ctx-min', '10'));
const contextPadS = Number(opt('ctx-pad', '4'));
/** drug-name repair on the final text (extension/lib/asr/vocab.ts): on (the product's default) or off */
const drugNames = opt('drug-names', 'on') !== 'off';
/** the clinical prompt on live decodes of the final model (--live same) */
const livePrompt = opt('live-prompt', 'on') !== 'off';
const files = opt('files', readdirSync(AUDIO).filter((f) => /^[a-z0-9-]+\.ref\.txt$/.test(f)).map((f) => f.replace('.ref.txt', '')).join(',')).split(',');

interface Visit extends LabelledVisit {
  setting: string;
  facts: { medications?: { name: string; dose?: string }[] };
}

const visits = new Map<string, Visit>(
  (existsSync(join(DEV, 'visits.jsonl')) ? readFileSync(join(DEV, 'visits.jsonl'), 'utf8') : '')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Visit)
    .map((v) => [v.id, v]),
);

function count(hay: string[], needle: string[]): number {
  if (needle.length === 0) return 0;
  let n = 0;
  for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((w, k) => hay[i + k] === w)) n++;
  return n;
}

/** mentions of each listed drug name and dose in the reference, and how many the hypothesis has */
function mentions(ref: string, hyp: string, phrases: string[]): { ref: number; hit: number } {
  const r = normalize(ref);
  const h = normalize(hyp);
  let refN = 0;
  let hit = 0;
  for (const p of new Set(phrases.map((x) => normalize(x).join(' ')).filter(Boolean))) {
    const w = p.split(' ');
    const a = count(r, w);
    refN += a;
    hit += Math.min(a, count(h, w));
  }
  return { ref: refN, hit };
}

function b64(samples: Float32Array): string {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}

/** RSS (MB) of this run's largest Chromium renderer (matched by our profile dir; other engineers'
 * browsers are left out; the extension page and its ASR worker live in one), and how it splits
 * (/proc/<pid>/status): anonymous memory (the JS heaps and, as measured here, the threaded WASM heap
 * too), file-backed pages (code, mapped files) and shared memory. */
interface Rss {
  mb: number;
  anonMb: number;
  fileMb: number;
  shmemMb: number;
}
function rendererRss(profile: string): Rss {
  const none = { mb: 0, anonMb: 0, fileMb: 0, shmemMb: 0 };
  try {
    const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    let max = none;
    for (const line of out.split('\n')) {
      if (!line.includes('chromium') || !line.includes('--type=renderer') || !line.includes(profile)) continue;
      const status = readFileSync(`/proc/${line.trim().split(/\s+/)[0] ?? ''}/status`, 'utf8');
      const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) / 1024;
      const r = { mb: kb('VmRSS'), anonMb: kb('RssAnon'), fileMb: kb('RssFile'), shmemMb: kb('RssShmem') };
      if (r.mb > max.mb) max = r;
    }
    return max;
  } catch {
    return none;
  }
}

/** CPU seconds (user + system, all threads) per Chromium renderer of our profile: load-independent cost */
function rendererCpu(profile: string): Map<string, number> {
  const m = new Map<string, number>();
  try {
    const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      if (!line.includes('chromium') || !line.includes('--type=renderer') || !line.includes(profile)) continue;
      const pid = line.trim().split(/\s+/)[0] ?? '';
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      m.set(pid, (Number(f[11]) + Number(f[12])) / 100); // utime, stime (USER_HZ = 100)
    }
  } catch {
    /* a renderer exited while read: counted as far as seen */
  }
  return m;
}
/** CPU seconds used between two rendererCpu() readings (processes that exited are not counted) */
function cpuDelta(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const [pid, v] of b) d += Math.max(0, v - (a.get(pid) ?? 0));
  return d;
}

/** `xs` with one occurrence of each value of `drop` taken out (a multiset difference) */
function withoutSamples(xs: readonly number[], drop: readonly number[]): number[] {
  const left = new Map<number, number>();
  for (const d of drop) left.set(d, (left.get(d) ?? 0) + 1);
  return xs.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n === 0) return true;
    left.set(x, n - 1);
    return false;
  });
}

const p = (xs: number[], q: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))] ?? null;
};
const r3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

const workerAsset = readdirSync(join(EXT, 'assets')).find((f) => /^worker-.*\.js$/.test(f));
if (!workerAsset) throw new Error(`no ASR worker bundle in ${EXT}/assets: build first (npx wxt build)`);

const results: Record<string, unknown> = {};
for (const model of models) {
  const l = await launchWithExtension({ micWav: null, extensionDir: EXT, args: [] });
  let peakRss: Rss = { mb: 0, anonMb: 0, fileMb: 0, shmemMb: 0 };
  const sample = (): void => {
    const r = rendererRss(l.profileDir);
    if (r.mb > peakRss.mb) peakRss = r;
  };
  const sampler = setInterval(sample, 1000);
  const page = await l.context.newPage();
  await page.goto(`chrome-extension://${l.extensionId}/sidepanel.html`);
  // tsx (esbuild keepNames) wraps named functions in __name(); the page has no such helper
  await page.evaluate('globalThis.__name = (f) => f');
  const load = await page.evaluate(
    async ({ asset, model, prompt, liveModel, windowS, windowPauseMs, windowMaxWaitS, windowPauseScope, windowClose, context, contextMinS, contextPadS, drugNames, livePrompt }) => {
      const g = globalThis as unknown as Record<string, unknown>;
      const w = new Worker(`/assets/${asset}`, { type: 'module', name: 'asr-bench' });
      const state = { status: null as unknown, segments: new Map<string, unknown>(), waits: new Map<number, (v: unknown) => void>(), feedT0: 0 };
      g.__asr = { w, state };
      w.onmessage = (e: MessageEvent) => {
        const m = e.data as { type: string; status?: unknown; segment?: { id: string; final: boolean }; latencyMs?: number | null; seq?: number; stats?: unknown };
        if (m.type === 'status') state.status = m.status;
        else if (m.type === 'segment' && m.segment) state.segments.set(m.segment.id, { ...m.segment, latencyMs: m.latencyMs });
        else if (m.seq !== undefined) state.waits.get(m.seq)?.(m.stats ?? true);
      };
      const t0 = performance.now();
      w.postMessage({ type: 'init', config: { model, baseUrl: chrome.runtime.getURL('/'), backend: 'auto', speakerMode: 'source', partials: true, prompt, vad: 'silero', liveModel, windowS, windowPauseMs, windowMaxWaitS, windowPauseScope, windowClose, context, contextMinS, contextPadS, drugNames, livePrompt } });
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const s = state.status as { phase: string } | null;
        if (s && (s.phase === 'ready' || s.phase === 'error')) return { status: s, wallMs: performance.now() - t0 };
      }
    },
    { asset: workerAsset, model, prompt, liveModel, windowS, windowPauseMs, windowMaxWaitS, windowPauseScope, windowClose, context, contextMinS, contextPadS, drugNames, livePrompt },
  );
  const perFile: Record<string, unknown>[] = [];
  let totAudio = 0;
  let totDecode = 0;
  let totCpu = 0;
  const totRuntime: Record<string, number> = {};
  const textLat: number[] = [];
  const textLatAtStop: number[] = [];
  let totErr = 0;
  let totRef = 0;
  // errors and reference words outside / inside the labelled PHI spans
  const span = { outErr: 0, outRef: 0, inErr: 0, inRef: 0, visits: 0 };
  let totHyp = 0;
  const lat: number[] = [];
  const drugs = { ref: 0, hit: 0 };
  const doses = { ref: 0, hit: 0 };
  for (const id of files) {
    const tele = existsSync(join(AUDIO, `${id}.clinician.wav`)) && existsSync(join(AUDIO, `${id}.remote.wav`));
    const feeds = tele
      ? [
          { source: 'mic', pcm: readWav(join(AUDIO, `${id}.clinician.wav`)).samples },
          { source: 'tab', pcm: readWav(join(AUDIO, `${id}.remote.wav`)).samples },
        ]
      : [{ source: 'mic', pcm: readWav(join(AUDIO, `${id}.wav`)).samples }];
    const cpu0 = rendererCpu(l.profileDir);
    // The visit goes to the page a block at a time (real-time pace: each 100 ms chunk when it is
    // due; fast: a second, ten chunks, per call), the way capture hands the offscreen document its
    // frames. The page never holds the whole visit, so the renderer's peak memory is the engine's,
    // not the harness's (it used to receive each visit as one base64 string and decode it in place:
    // about three copies of the visit's PCM alive at once).
    await page.evaluate(async (tele) => {
      const g = globalThis as unknown as { __asr: { w: Worker; state: { segments: Map<string, unknown>; feedT0: number } } };
      const { w, state } = g.__asr;
      state.segments.clear();
      w.postMessage({ type: 'reset', speakerMode: tele ? 'source' : 'unlabelled' });
      await new Promise((r) => setTimeout(r, 300));
      state.feedT0 = performance.now();
    }, tele);
    const feedStart = Date.now();
    const len = Math.max(...feeds.map((f) => f.pcm.length));
    const blockSamples = pace === 'realtime' ? 1600 : 16000;
    for (let i = 0, k = 0; i < len; i += blockSamples, k++) {
      const block = feeds.map((f) => ({ source: f.source, b64: b64(f.pcm.subarray(i, Math.min(i + blockSamples, f.pcm.length))) }));
      await page.evaluate((block) => {
        const g = globalThis as unknown as { __asr: { w: Worker } };
        const pcm = block.map((f) => {
          const bin = atob(f.b64);
          const bytes = new Uint8Array(bin.length);
          for (let j = 0; j < bin.length; j++) bytes[j] = bin.charCodeAt(j);
          return { source: f.source, x: new Float32Array(bytes.buffer) };
        });
        const n = Math.max(...pcm.map((f) => f.x.length));
        for (let j = 0; j < n; j += 1600) {
          for (const f of pcm) {
            const chunk = f.x.slice(j, j + 1600);
            if (chunk.length) g.__asr.w.postMessage({ type: 'frames', source: f.source, samples: chunk }, [chunk.buffer]);
          }
        }
      }, block);
      if (pace === 'realtime') {
        const wait = feedStart + (k + 1) * 100 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
    const run = (await page.evaluate(async () => {
      const g = globalThis as unknown as { __asr: { w: Worker; state: { segments: Map<string, unknown>; waits: Map<number, (v: unknown) => void>; feedT0: number } } };
      const { w, state } = g.__asr;
      const feedMs = performance.now() - state.feedT0;
      const ask = (type: string, seq: number) =>
        new Promise<unknown>((resolve) => {
          state.waits.set(seq, resolve);
          w.postMessage({ type, seq });
        });
      await ask('flush', 1);
      const wallMs = performance.now() - state.feedT0;
      const stats = await ask('stats', 2);
      return { feedMs, wallMs, stats, segments: [...state.segments.values()] };
    })) as {
      feedMs: number;
      wallMs: number;
      stats: { audioS: number; decodeMs: number; rtf: number; latencyMs: { p50: number; p95: number }; textLatencyMs?: { p50: number | null; p95: number | null; samples?: number[]; atStopSamples?: number[] }; decodes: unknown; speechS: number; runtime?: Record<string, number> };
      segments: { t0: number; t1: number; text: string; final: boolean; source: string; speaker: string; latencyMs: number | null }[];
    };
    const cpuS = cpuDelta(cpu0, rendererCpu(l.profileDir));
    const finals = run.segments.filter((s) => s.final && s.text !== '').sort((a, b) => a.t0 - b.t0);
    const hyp = finals.map((s) => s.text).join(' ');
    const ref = readFileSync(join(AUDIO, `${id}.ref.txt`), 'utf8');
    const hypOut = opt('hyp-out', '');
    if (hypOut) {
      mkdirSync(hypOut, { recursive: true });
      writeFileSync(join(hypOut, `${model}.${id}.hyp.txt`), `${hyp}\n`);
      const segs = finals.map((s) => ({ t0: s.t0, t1: s.t1, source: s.source, text: s.text }));
      writeFileSync(join(hypOut, `${model}.${id}.segments.json`), `${JSON.stringify(segs)}\n`);
    }
    const w = wer(ref, hyp);
    const pieces = phiPieces(visits.get(id));
    const bySpan = pieces === null ? null : werBySpan(pieces, hyp);
    if (bySpan !== null) {
      span.visits++;
      span.outErr += bySpan.outside.sub + bySpan.outside.del + bySpan.outside.ins;
      span.outRef += bySpan.outside.refWords;
      span.inErr += bySpan.inside.sub + bySpan.inside.del + bySpan.inside.ins;
      span.inRef += bySpan.inside.refWords;
    }
    const meds = visits.get(id)?.facts.medications ?? [];
    const d = mentions(ref, hyp, meds.map((m) => m.name));
    const ds = mentions(ref, hyp, meds.flatMap((m) => (m.dose ? [m.dose] : [])));
    drugs.ref += d.ref;
    drugs.hit += d.hit;
    doses.ref += ds.ref;
    doses.hit += ds.hit;
    const audioS = feeds[0] ? feeds[0].pcm.length / 16000 : 0;
    totAudio += audioS;
    totDecode += run.stats.decodeMs;
    totCpu += cpuS;
    for (const [k, v] of Object.entries(run.stats.runtime ?? {})) totRuntime[k] = k === 'wasmHeapMb' ? Math.max(totRuntime[k] ?? 0, v) : (totRuntime[k] ?? 0) + v;
    totErr += w.sub + w.del + w.ins;
    totRef += w.refWords;
    totHyp += w.hypWords;
    for (const s of finals) if (s.latencyMs !== null) lat.push(s.latencyMs);
    const tl = run.stats.textLatencyMs;
    textLat.push(...(tl?.samples ?? []));
    textLatAtStop.push(...(tl?.atStopSamples ?? []));
    const speakers = tele ? { micClinician: finals.filter((s) => s.source === 'mic').every((s) => s.speaker === 'clinician'), tabRemote: finals.filter((s) => s.source === 'tab').every((s) => s.speaker === 'remote') } : null;
    perFile.push({
      file: id,
      telehealth: tele,
      audioS: r3(audioS),
      wer: r3(w.wer),
      // WER on the words outside the labelled PHI spans (what the note is made from once identifiers
      // are placeholders) and inside them (the identifiers, which the minimizer must still find)
      werOutsidePhi: bySpan === null ? null : r3(bySpan.outside.wer),
      werInsidePhi: bySpan === null ? null : r3(bySpan.inside.wer),
      sub: w.sub,
      del: w.del,
      ins: w.ins,
      words: { ref: w.refWords, hyp: w.hypWords, ratio: r3(w.hypWords / Math.max(1, w.refWords)) },
      // decode time over visit time (telehealth: two tracks of the same visit)
      rtf: r3(run.stats.decodeMs / 1000 / audioS),
      // renderer CPU seconds (all threads: VAD + decoding + page) over visit seconds; wall RTF above is load-sensitive
      cpuRtf: r3(cpuS / audioS),
      wallAfterEndS: r3((run.wallMs - run.feedMs) / 1000),
      textLatencyMs: tl ? { p50: tl.p50, p95: tl.p95, atStop: tl.atStopSamples ?? [] } : null,
      loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      latencyMs: { p50: r3(p(finals.flatMap((s) => (s.latencyMs === null ? [] : [s.latencyMs])), 50)), p95: r3(p(finals.flatMap((s) => (s.latencyMs === null ? [] : [s.latencyMs])), 95)) },
      finals: finals.length,
      partials: run.segments.filter((s) => !s.final).length,
      decodes: run.stats.decodes,
      // ms inside onnxruntime (encoder passes, decoder token steps, VAD frames): where decodeMs goes
      runtime: run.stats.runtime ?? null,
      timeOrdered: finals.every((s, i) => i === 0 || s.t0 >= (finals[i - 1]?.t0 ?? 0)),
      speakers,
      drugs: d,
      doses: ds,
    });
    if (opt('out', '')) writeFileSync(`${opt('out', '')}.partial.jsonl`, `${JSON.stringify({ model, ...perFile.at(-1) })}\n`, { flag: 'a' });
    console.error(`bench/asr: ${model} ${id} wer=${w.wer.toFixed(3)} rtf=${(run.stats.decodeMs / 1000 / audioS).toFixed(3)} cpuRtf=${(cpuS / audioS).toFixed(3)} load=${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  }
  const mem = await page.evaluate(async () => {
    const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
    try {
      return perf.measureUserAgentSpecificMemory ? (await perf.measureUserAgentSpecificMemory()).bytes : null;
    } catch {
      return null;
    }
  });
  clearInterval(sampler);
  sample();
  await l.close();
  results[model] = {
    load: { ms: Math.round(load.wallMs), status: load.status },
    overall: {
      audioS: r3(totAudio),
      wer: r3(totErr / Math.max(1, totRef)),
      werOutsidePhi: span.visits ? r3(span.outErr / Math.max(1, span.outRef)) : null,
      werInsidePhi: span.visits ? r3(span.inErr / Math.max(1, span.inRef)) : null,
      phiWords: span.visits ? { inside: span.inRef, outside: span.outRef } : null,
      rtf: r3(totDecode / 1000 / Math.max(1, totAudio)),
      cpuRtf: r3(totCpu / Math.max(1, totAudio)),
      latencyMs: { p50: r3(p(lat, 50)), p95: r3(p(lat, 95)), n: lat.length },
      // end of speech → first text covering the utterance (live draft or final), pooled over the visits
      textLatencyMs: { p50: r3(p(textLat, 50)), p95: r3(p(textLat, 95)), n: textLat.length },
      // the same without the utterances still waiting for text when the visit stopped (a flush
      // decodes finals only: their first text is the final, part of the stop → transcript time,
      // wallAfterEndS per visit): what the clinician watches while the visit goes on
      textLatencyWhileRecordingMs: (() => {
        const rec = withoutSamples(textLat, textLatAtStop);
        return { p50: r3(p(rec, 50)), p95: r3(p(rec, 95)), n: rec.length, atStop: textLatAtStop.length };
      })(),
      wordRatio: r3(totHyp / Math.max(1, totRef)),
      drugMentions: { ...drugs, rate: r3(drugs.hit / Math.max(1, drugs.ref)) },
      doseMentions: { ...doses, rate: r3(doses.hit / Math.max(1, doses.ref)) },
      runtime: totRuntime,
      peakRendererRssMb: Math.round(peakRss.mb),
      // at that peak: anonymous / file-backed / shared memory
      peakRendererRssSplitMb: { anon: Math.round(peakRss.anonMb), file: Math.round(peakRss.fileMb), shmem: Math.round(peakRss.shmemMb) },
      endMemoryBytes: mem,
    },
    files: perFile,
  };
}

const ranked = Object.entries(results).map(([m, r]) => ({ m, o: (r as { overall: { wer: number; rtf: number } }).overall }));
// Default: the lowest WER that keeps up with speech (RTF < 0.5 leaves headroom for two sources).
const fit = ranked.filter((x) => x.o.rtf < 0.5).sort((a, b) => a.o.wer - b.o.wer)[0] ?? ranked.sort((a, b) => a.o.rtf - b.o.rtf)[0];
const report = {
  bench: 'asr',
  date: new Date().toISOString(),
  engine: 'built extension ASR worker in headless Chromium, PCM fed from an extension page',
  pace,
  prompt,
  drugNames,
  liveModel,
  livePrompt,
  window: { windowS, windowPauseMs, windowMaxWaitS, windowPauseScope, windowClose },
  context: { context, contextMinS, contextPadS },
  loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
  models: results,
  recommended: fit?.m ?? null,
};
const json = JSON.stringify(report, null, 2);
const out = opt('out', '');
if (out) writeFileSync(out, json);
console.log(json);
