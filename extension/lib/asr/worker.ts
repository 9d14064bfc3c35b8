/// <reference lib="webworker" />
import { env, pipeline } from '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';
import type { Source } from '../../../shared/transcript.ts';
import { AsrEngine, percentile, type Transcriber } from './engine.ts';
import { diagnose } from './diagnose.ts';
import { FromWorker, ToWorker, type AsrConfig, type AsrStats, type AsrStatus } from './protocol.ts';
import { instrumentSessions, type RunKind } from './sessions.ts';
import { SileroVad, type OrtLike } from './silero.ts';
import { EnergyVad, type FrameScorer } from './vad.ts';
import { CLINICAL_PROMPT, DEFAULT_CONTEXT, WASM_SESSION_OPTIONS, WhisperTranscriber, type ContextFit, type WhisperParts } from './whisper.ts';

/**
 * The ASR worker: a dedicated module worker spawned by the offscreen document, so Whisper's
 * seconds-long inference never blocks the capture thread. Loads the staged model files from the
 * extension (never a hub or CDN), picks the backend, and runs the AsrEngine scheduler.
 * Nothing here logs or throws content: failures become AsrStatus codes naming a model file.
 */

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(msg: FromWorker): void {
  scope.postMessage(msg);
}

let status: AsrStatus = {
  phase: 'idle',
  model: 'whisper-base',
  backend: null,
  crossOriginIsolated: scope.crossOriginIsolated,
  threads: 0,
  vad: null,
  progress: 0,
  loadMs: null,
  error: null,
};
function setStatus(p: Partial<AsrStatus>): void {
  status = { ...status, ...p };
  post({ type: 'status', status });
}

let engine: AsrEngine | null = null;
let ready: Promise<boolean> | null = null;
let config: AsrConfig | null = null;
let sileroModel: Uint8Array | null = null;
/**
 * The WASM runtime's linear memory, observed when onnxruntime-web's glue constructs it (the
 * threaded build makes it in JS so its threads can share it). Its size is the runtime's heap
 * high-water mark: WASM memory grows and never shrinks. Reported as stats.runtime.wasmHeapMb.
 */
const wasmMemories: WeakRef<WebAssembly.Memory>[] = [];
// onnxruntime-web does not expose its module instance; a construct trap is the one place the
// memory object can be seen. It changes nothing the glue gets back (same object, same prototype).
WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
  construct(target, args: [WebAssembly.MemoryDescriptor]) {
    const m = Reflect.construct(target, args) as WebAssembly.Memory;
    wasmMemories.push(new WeakRef(m));
    return m;
  },
});
function wasmHeapMb(): number {
  let bytes = 0;
  for (const r of wasmMemories) bytes = Math.max(bytes, r.deref()?.buffer.byteLength ?? 0);
  return Math.round(bytes / 2 ** 20);
}

/** the onnxruntime-web build loaded (ort/<name>.mjs + .wasm), chosen once per worker by load() */
let runtimeFile = 'ort-wasm-simd-threaded';
/** frames that arrive while the model loads are kept (bounded: ~2 min per source) and fed after */
const backlog: { source: Source; samples: Float32Array }[] = [];
const BACKLOG_MAX = 2 * 60 * 10;

/** a WebGPU adapter that is a real GPU (a software/fallback adapter is ~60× slower than WASM here) */
async function usableWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter: () => Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    const adapter = (await gpu.requestAdapter()) as { info?: { isFallbackAdapter?: boolean; architecture?: string; vendor?: string }; isFallbackAdapter?: boolean } | null;
    if (!adapter) return false;
    const info = adapter.info ?? {};
    if (adapter.isFallbackAdapter || info.isFallbackAdapter) return false;
    return !/swiftshader/i.test(`${info.architecture ?? ''} ${info.vendor ?? ''}`);
  } catch {
    return false;
  }
}

async function load(cfg: AsrConfig): Promise<boolean> {
  const t0 = performance.now();
  const threads = cfg.threads ?? (scope.crossOriginIsolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
  setStatus({ phase: 'loading', model: cfg.model, progress: 0, threads, crossOriginIsolated: scope.crossOriginIsolated, error: null });

  env.allowRemoteModels = false; // never a hub
  env.allowLocalModels = true;
  env.localModelPath = `${cfg.baseUrl}models/`;
  env.useBrowserCache = false; // the files are already on disk inside the extension
  env.useWasmCache = false; // would import the runtime from a blob: URL, which the extension CSP forbids
  const wantGpu = cfg.backend === 'webgpu' || (cfg.backend === 'auto' && (await usableWebGpu()));
  // The runtime build: WebGPU needs the asyncify build (its kernels await the GPU); a WASM-only
  // session runs the plain build, whose CPU code is not instrumented for asyncify (asr.design.md).
  runtimeFile = `ort-wasm-simd-threaded${wantGpu ? '.asyncify' : ''}`;
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    wasm.wasmPaths = { mjs: `${cfg.baseUrl}ort/${runtimeFile}.mjs`, wasm: `${cfg.baseUrl}ort/${runtimeFile}.wasm` };
    wasm.numThreads = threads;
    wasm.proxy = false; // already off the main thread
  }

  // Per-file progress, weighted by size.
  const loaded = new Map<string, [number, number]>();
  const progress_callback = (p: { status?: string; file?: string; loaded?: number; total?: number }): void => {
    if (p.status !== 'progress' || !p.file) return;
    loaded.set(p.file, [p.loaded ?? 0, p.total ?? 0]);
    let a = 0;
    let b = 0;
    for (const [l, t] of loaded.values()) {
      a += l;
      b += t;
    }
    // whisper-base is ~78 MB: the model files dominate, so size-weighted progress is honest
    const next = b > 0 ? Math.min(0.99, a / b) : 0;
    if (next - status.progress >= 0.02) setStatus({ progress: next });
  };

  let parts: WhisperParts | null = null;
  let backend: 'webgpu' | 'wasm' = 'wasm';
  for (const device of wantGpu ? (['webgpu', 'wasm'] as const) : (['wasm'] as const)) {
    try {
      const asr = await pipeline('automatic-speech-recognition', cfg.model, { dtype: 'q8', device, progress_callback, ...sessionOptions(device) });
      parts = asr as unknown as WhisperParts;
      instrumentSessions(parts, timed);
      backend = device;
      break;
    } catch {
      /* next device, then diagnosis below */
    }
  }
  if (!parts) {
    const d = await diagnose(cfg.baseUrl, cfg.model).catch(() => null);
    if (d) setStatus({ phase: 'error', error: d });
    else {
      const rt = await fetch(`${cfg.baseUrl}ort/${runtimeFile}.wasm`, { method: 'HEAD' }).then((r) => r.ok).catch(() => false);
      setStatus({ phase: 'error', error: { code: rt ? 'model_load_failed' : 'runtime_load_failed', file: null } });
    }
    return false;
  }

  let vad: 'silero-v5' | 'energy' = 'energy';
  if (cfg.vad === 'silero') {
    try {
      const res = await fetch(`${cfg.baseUrl}models/silero-vad/silero_vad_v5.onnx`);
      if (!res.ok) throw new Error('missing');
      sileroModel = new Uint8Array(await res.arrayBuffer());
      // one probe session proves the model and runtime work before the visit depends on it
      const probe = await SileroVad.create(ort as unknown as OrtLike, sileroModel);
      await probe.score(new Float32Array(512));
      vad = 'silero-v5';
    } catch {
      // Documented fallback (vad.ts EnergyVad); the status says which detector runs.
      sileroModel = null;
    }
  }

  const prompt = cfg.prompt ? CLINICAL_PROMPT : null;
  // Finals (packed windows, recoveries): a full 30 s encoder context unless the config asks for a
  // fitted one: fitted, Whisper in WASM left more utterances out of packed windows (asr.design.md,
  // "Fitted context"). Live text: always the fitted context, which is what makes it cheap enough to run.
  const transcriber = new WhisperTranscriber(parts, prompt, cfg.context === 'fit' ? fittedContext(cfg) : null);
  // Warm-up: the first decode compiles kernels; do it now, not on the clinician's first sentence.
  try {
    await transcriber.transcribeTimed(new Float32Array(16_000));
  } catch {
    setStatus({ phase: 'error', error: { code: 'decode_failed', file: null } });
    return false;
  }
  // Live text from the final model, fitted context; or from an optional second, smaller model
  // (asr.design.md "Live pass"): if that does not load, from the final model. The visit does not depend on it.
  liveRef = new WhisperTranscriber(parts, cfg.livePrompt === false ? null : prompt, fittedContext(cfg));
  if (cfg.liveModel && cfg.liveModel !== 'same' && cfg.liveModel !== cfg.model) {
    try {
      const lp = (await pipeline('automatic-speech-recognition', cfg.liveModel, { dtype: 'q8', device: backend, ...sessionOptions(backend) })) as unknown as WhisperParts;
      instrumentSessions(lp, timed);
      const lt = new WhisperTranscriber(lp, null, fittedContext(cfg));
      await lt.transcribe(new Float32Array(16_000), 'partial');
      liveRef = lt;
    } catch {
      /* keep the final model's live transcriber */
    }
  }
  engine = await makeEngine(cfg);
  setStatus({ phase: 'ready', backend, vad, progress: 1, loadMs: Math.round(performance.now() - t0) });
  transcriberRef = transcriber;
  return true;
}

/** the Whisper sessions' options: ours on WASM (whisper.ts), transformers.js's defaults on WebGPU, which we cannot measure here */
function sessionOptions(device: 'webgpu' | 'wasm'): { session_options?: typeof WASM_SESSION_OPTIONS } {
  return device === 'wasm' ? { session_options: WASM_SESSION_OPTIONS } : {};
}

/** the fitted encoder context the config asks for (the build ships encoders that take any length: scripts/whisper-context.ts) */
function fittedContext(cfg: AsrConfig): ContextFit {
  return { minS: cfg.contextMinS ?? DEFAULT_CONTEXT.minS, padS: cfg.contextPadS ?? DEFAULT_CONTEXT.padS };
}

/** time inside onnxruntime, per kind of session (stats.runtime); reset with each visit's engine */
const runtime = { encoderMs: 0, encoderRuns: 0, decoderMs: 0, decoderRuns: 0, vadMs: 0, vadRuns: 0 };
async function timed<T>(kind: RunKind, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    runtime[`${kind}Ms`] += performance.now() - t0;
    runtime[`${kind}Runs`]++;
  }
}

let transcriberRef: WhisperTranscriber | null = null;
let liveRef: WhisperTranscriber | null = null;

/**
 * One onnxruntime-web call at a time. Silero and Whisper share one WASM runtime; interleaving a VAD
 * run with a Whisper decode at an await point broke decoding (empty text) when a backlog of frames
 * was scored while the decoder ran. VAD frames simply wait for the decode (they are scored in a
 * burst afterwards: ~1 ms each), which costs the end-of-utterance detection nothing it would not
 * lose anyway waiting for the decoder.
 */
let ortTail: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = ortTail.then(fn, fn);
  ortTail = run.catch(() => undefined);
  return run;
}

async function scorerFor(): Promise<FrameScorer> {
  if (sileroModel) {
    try {
      const vad = await SileroVad.create(ort as unknown as OrtLike, sileroModel);
      return { kind: vad.kind, score: (f: Float32Array) => exclusive(() => timed('vad', () => vad.score(f))), reset: () => vad.reset() };
    } catch {
      /* fall through */
    }
  }
  return new EnergyVad();
}

let generation = 0;
let resetting: Promise<void> = Promise.resolve();

async function makeEngine(cfg: AsrConfig): Promise<AsrEngine> {
  const gen = generation;
  for (const k of Object.keys(runtime) as (keyof typeof runtime)[]) runtime[k] = 0;
  // Scorers are created up front (session creation is async; the engine's factory is sync).
  const scorers = { mic: await scorerFor(), tab: await scorerFor() };
  const t: Transcriber = {
    transcribe: (audio, kind) => {
      if (!transcriberRef) return Promise.resolve('');
      const tr = transcriberRef;
      return exclusive(() => tr.transcribe(audio, kind));
    },
    transcribeTimed: (audio) => {
      if (!transcriberRef) return Promise.resolve([]);
      const tr = transcriberRef;
      return exclusive(() => tr.transcribeTimed(audio));
    },
    // a tokenizer lookup, no onnxruntime call: needs no exclusive()
    isCommonWord: (word) => transcriberRef?.isCommonWord(word) ?? false,
  };
  const lr = liveRef;
  const live: Transcriber | undefined = lr
    ? { transcribe: (audio, kind) => exclusive(() => lr.transcribe(audio, kind)), transcribeTimed: (audio) => exclusive(() => lr.transcribeTimed(audio)) }
    : undefined;
  return new AsrEngine(
    {
      speakerMode: cfg.speakerMode,
      partials: cfg.partials,
      partialEveryS: 2,
      windowS: cfg.windowS,
      windowPauseMs: cfg.windowPauseMs,
      windowMaxWaitS: cfg.windowMaxWaitS,
      windowPauseScope: cfg.windowPauseScope,
      windowClose: cfg.windowClose,
      drugNames: cfg.drugNames,
    },
    t,
    (source) => scorers[source],
    (s) => {
      if (gen !== generation) return; // a previous visit's decode finishing late
      const { latencyMs, ...segment } = s;
      post({ type: 'segment', segment, latencyMs });
    },
    undefined,
    live,
  );
}

function stats(): AsrStats {
  const s = engine?.stats;
  const audioS = s ? s.audioS.mic + s.audioS.tab : 0;
  const lat = s?.latencyMs ?? [];
  const tl = s?.textLatencyMs ?? [];
  return {
    audioS,
    speechS: s?.speechS ?? 0,
    decodeMs: s?.decodeMs ?? 0,
    rtf: s && audioS > 0 ? s.decodeMs / 1000 / audioS : null,
    finals: s?.finals ?? 0,
    decodes: s?.decodes ?? { window: 0, utterances: 0, carried: 0, recovered: 0, draft: 0, partial: 0, failed: 0, finalMs: 0, liveMs: 0 },
    latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), max: lat.length ? Math.max(...lat) : null, n: lat.length },
    textLatencyMs: { p50: percentile(tl, 50), p95: percentile(tl, 95), max: tl.length ? Math.max(...tl) : null, n: tl.length, samples: tl.slice(-20_000).map(Math.round), atStopSamples: (s?.textLatencyAtStopMs ?? []).slice(-1_000).map(Math.round) },
    runtime: { ...(Object.fromEntries(Object.entries(runtime).map(([k, v]) => [k, Math.round(v)])) as typeof runtime), wasmHeapMb: wasmHeapMb() },
  };
}

scope.onmessage = (ev: MessageEvent<unknown>) => {
  const parsed = ToWorker.safeParse(ev.data);
  if (!parsed.success) return; // dropped, never echoed
  const msg = parsed.data;
  switch (msg.type) {
    case 'init':
      if (ready) return;
      config = msg.config;
      ready = load(msg.config).then((ok) => {
        // synchronous, in arrival order (engine.push frames synchronously and chains the VAD)
        const e = engine;
        if (ok && e) for (const b of backlog.splice(0)) void e.push(b.source, b.samples);
        return ok;
      });
      return;
    case 'frames':
      if (engine && backlog.length === 0) void engine.push(msg.source, msg.samples);
      else if (status.phase !== 'error') {
        backlog.push({ source: msg.source, samples: msg.samples });
        if (backlog.length > BACKLOG_MAX) backlog.shift();
      }
      return;
    case 'flush':
      void (async () => {
        await ready;
        await resetting;
        await engine?.flush();
        post({ type: 'flushed', seq: msg.seq });
      })();
      return;
    case 'stats':
      post({ type: 'stats', seq: msg.seq, stats: stats() });
      return;
    case 'reset':
      // New visit: frames go to the backlog until the fresh engine exists (none are lost), and
      // the old engine's late segments are dropped (generation check in makeEngine).
      engine?.stop();
      engine = null;
      generation++;
      resetting = (async () => {
        if (!(await ready) || !config) return;
        config = { ...config, speakerMode: msg.speakerMode };
        const e = await makeEngine(config);
        engine = e;
        for (const b of backlog.splice(0)) void e.push(b.source, b.samples);
      })();
      return;
  }
};
