import { z } from 'zod';
import { AsrBackend, AsrErrorCode, AsrModelId, AsrStatus } from '../../../shared/messages.ts';
import { Source, TranscriptSegment } from '../../../shared/transcript.ts';

/**
 * Messages between the offscreen document and the ASR worker (postMessage, same extension), parsed
 * with zod on both ends like every other boundary. Nothing here is logged; only `AsrStatus`
 * (codes, numbers, file names from the model manifest) is ever shown outside the transcript view.
 */

export const ModelId = AsrModelId;
export type ModelId = AsrModelId;
export { AsrBackend, AsrErrorCode, AsrStatus };

export const AsrStats = z
  .object({
    audioS: z.number().nonnegative(),
    speechS: z.number().nonnegative(),
    decodeMs: z.number().nonnegative(),
    /** decode time / audio time (all sources) */
    rtf: z.number().nonnegative().nullable(),
    finals: z.number().int().nonnegative(),
    /** window = final decodes (packed utterances, one encoder pass each); recovered = utterances a window left out, decoded again alone; draft/partial = live pass */
    decodes: z
      .object({ window: z.number(), utterances: z.number(), carried: z.number(), recovered: z.number(), draft: z.number(), partial: z.number(), failed: z.number(), finalMs: z.number(), liveMs: z.number() })
      .strict(),
    /** end of speech → final text, per utterance */
    latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), max: z.number().nullable(), n: z.number() }).strict(),
    /**
     * end of speech → first text covering the utterance (live draft or final); samples: every value,
     * for pooling across visits in bench/asr; atStopSamples: those of utterances still without text
     * when the visit stopped (their text is the final's; also in samples)
     */
    textLatencyMs: z
      .object({
        p50: z.number().nullable(),
        p95: z.number().nullable(),
        max: z.number().nullable(),
        n: z.number(),
        samples: z.array(z.number()).max(20_000).optional(),
        atStopSamples: z.array(z.number()).max(1_000).optional(),
      })
      .strict()
      .optional(),
    /**
     * time inside onnxruntime per session (encoder = one 30 s window pass, decoder = one token step),
     * all models; decodeMs minus these is transformers.js' own work (features, logits processing)
     */
    runtime: z
      .object({
        encoderMs: z.number(),
        encoderRuns: z.number(),
        decoderMs: z.number(),
        decoderRuns: z.number(),
        vadMs: z.number(),
        vadRuns: z.number(),
        /** size of the runtime's WASM linear memory (its heap high-water mark: it never shrinks) */
        wasmHeapMb: z.number().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AsrStats = z.infer<typeof AsrStats>;

export const AsrConfig = z
  .object({
    model: ModelId,
    /** extension root URL (chrome-extension://id/), where models/ and ort/ are */
    baseUrl: z.string().url(),
    backend: z.enum(['auto', 'wasm', 'webgpu']),
    speakerMode: z.enum(['source', 'unlabelled']),
    partials: z.boolean(),
    prompt: z.boolean(),
    vad: z.enum(['silero', 'energy']),
    /**
     * live drafts/partials: 'same' = the final model (default; no second model in memory), or a
     * second, smaller model (e.g. 'whisper-tiny') loaded beside it
     */
    liveModel: z.union([z.literal('same'), ModelId]).optional(),
    /** the clinical prompt on live decodes of the final model (default true; a second live model never has it) */
    livePrompt: z.boolean().optional(),
    /** packed audio per final decode, seconds (default 28; Whisper's window is 30) */
    windowS: z.number().min(2).max(29.5).optional(),
    /** a pause this long closes a source's window (default 1500 ms) */
    windowPauseMs: z.number().int().min(0).max(60_000).optional(),
    /** latency bound: a window closes once its first utterance waited this long (default 15 s) */
    windowMaxWaitS: z.number().min(0).max(120).optional(),
    /** 'track' (default): a source's own pause closes its window; 'conversation': only a pause of every source */
    windowPauseScope: z.enum(['track', 'conversation']).optional(),
    /** 'pause' (default): a window closes on a pause, when full or after windowMaxWaitS; 'idle': also whenever the decoder is free (per-utterance finals) */
    windowClose: z.enum(['idle', 'pause']).optional(),
    /** encoder context of the final decodes: 'full' (default) = always 30 s; 'fit' = the audio's length (+ contextPadS, ≥ contextMinS). Live decodes always use the fitted one. */
    context: z.enum(['fit', 'full']).optional(),
    /** fitted context: at least this many seconds (default 10) */
    contextMinS: z.number().min(1).max(30).optional(),
    /** fitted context: this much of the padding after the audio (default 4 s) */
    contextPadS: z.number().min(0).max(30).optional(),
    /** repair misheard drug names in medication talk (vocab.ts); default true, false for the bench's control */
    drugNames: z.boolean().optional(),
    /** WASM threads; default hardwareConcurrency when cross-origin isolated, else 1 */
    threads: z.number().int().min(1).max(16).optional(),
  })
  .strict();
export type AsrConfig = z.infer<typeof AsrConfig>;

export const ToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), config: AsrConfig }).strict(),
  z.object({ type: z.literal('frames'), source: Source, samples: z.instanceof(Float32Array) }).strict(),
  z.object({ type: z.literal('flush'), seq: z.number().int() }).strict(),
  z.object({ type: z.literal('stats'), seq: z.number().int() }).strict(),
  z.object({ type: z.literal('reset'), speakerMode: z.enum(['source', 'unlabelled']) }).strict(),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: AsrStatus }).strict(),
  z.object({ type: z.literal('segment'), segment: TranscriptSegment, latencyMs: z.number().nullable() }).strict(),
  z.object({ type: z.literal('flushed'), seq: z.number().int() }).strict(),
  z.object({ type: z.literal('stats'), seq: z.number().int(), stats: AsrStats }).strict(),
]);
export type FromWorker = z.infer<typeof FromWorker>;

/**
 * The live-pass model for a machine: whisper-tiny beside the final model where the browser reports
 * 4 GB or more (navigator.deviceMemory: 0.25 … 8, Chrome caps it at 8), else live text from the
 * final model. The second model costs ~90 MB of WASM heap (fast pace, a1-001 + a1-003: heap 431 →
 * 518 MB, peak renderer RSS 940 → ~1,020 MB); without it, live text falls behind on this 2-core CPU
 * (asr.design.md, "Live pass and latency"). On a 2 GB machine the final model alone is already
 * half its memory. Unknown memory counts as enough: deviceMemory is missing only outside secure
 * contexts.
 */
export function liveModelFor(deviceMemoryGb: number | undefined): 'whisper-tiny' | 'same' {
  return deviceMemoryGb === undefined || deviceMemoryGb >= 4 ? 'whisper-tiny' : 'same';
}
