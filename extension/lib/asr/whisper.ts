import type { TimedText, Transcriber } from './engine.ts';

/**
 * Utterance decoding with a transformers.js Whisper pipeline's parts (processor, model, tokenizer)
 * rather than the pipeline call itself, so the decoder prompt can be set: optional
 * `<|startofprev|> prompt` before `<|startoftranscript|><|en|><|transcribe|><|notimestamps|>`.
 * Finals: one packed window of utterances (≤ 30 s) per decode, with timestamps (`transcribeTimed`).
 * Live text: one utterance, no timestamps (`transcribe`). Greedy decoding; max_new_tokens scales
 * with the audio length (≈ 7-8 tokens/s, speech runs ~3-4) so a looping decoder cannot run away.
 */

/**
 * Clinical vocabulary prompt: the most-prescribed US drugs in rank order (ClinCalc DrugStats top-200
 * list, a public list; the first ~40, not chosen by looking at any evaluation visit) and the usual
 * dose wording. ≈ 220 tokens, kept whole (Whisper allows up to 223 prompt tokens) in WhisperTranscriber. See asr.design.md.
 */
export const CLINICAL_PROMPT =
  'Clinic visit. Medications: atorvastatin, metformin, levothyroxine, lisinopril, amlodipine, metoprolol, ' +
  'albuterol, omeprazole, losartan, gabapentin, hydrochlorothiazide, sertraline, simvastatin, montelukast, ' +
  'escitalopram, rosuvastatin, bupropion, furosemide, pantoprazole, trazodone, fluticasone, tamsulosin, ' +
  'fluoxetine, carvedilol, duloxetine, meloxicam, clopidogrel, prednisone, citalopram, insulin glargine, ' +
  'pravastatin, tramadol, aspirin, ibuprofen, cyclobenzaprine, amoxicillin, allopurinol, apixaban, ' +
  'glipizide, spironolactone. 500 mg twice daily, 10 mg once daily.';

/**
 * Fitted encoder context (whisper.cpp's `audio_ctx`): the encoder sees only as many mel frames as
 * the audio needs (plus `padS` of the padding after it, and at least `minS`), not always 30 s. Needs
 * the encoder the build derives (scripts/whisper-context.ts); the shipped upstream export only
 * takes 3,000 frames. Attention is quadratic in positions, so a 5 s utterance costs a fraction of a
 * 30 s pass, and every decoder step reads fewer cross-attention positions. `minS` keeps short
 * utterances accurate: with only a second or two of context Whisper drops and garbles words
 * (asr.design.md, "Fitted context").
 */
export interface ContextFit {
  minS: number;
  padS: number;
}
export const DEFAULT_CONTEXT: ContextFit = { minS: 10, padS: 4 };

/**
 * onnxruntime session options for the Whisper sessions on the WASM backend. `disable_quant_qdq`
 * lets constant folding take DequantizeLinear, so the vocabulary projection's float32 weight, which
 * the build moved out of the decoder's If (scripts/whisper-context.ts `shareVocabProjection`), is
 * made once at load instead of at every decoder step (our graphs are dynamically quantized, with no
 * QDQ node groups for the option's other passes to fuse). `disable_prepacking`: a prepacked copy of
 * that 106 MB weight per branch would cost ~230 MB of heap for ~1.5 ms a step. Same logits either way;
 * measured in asr.design.md, "Vocabulary projection".
 */
export const WASM_SESSION_OPTIONS = { extra: { session: { disable_quant_qdq: '1', disable_prepacking: '1' } } } as const;

/** mel frames (100 per second, even: the encoder's second convolution halves them) for `seconds` of audio */
export function contextFrames(seconds: number, fit: ContextFit | null): number {
  if (!fit) return 3000;
  return Math.min(3000, 2 * Math.ceil(Math.max(fit.minS, seconds + fit.padS) * 50));
}

/** the features tensor transformers.js' processor returns ([1, 80, 3000]) */
interface Features {
  dims: readonly number[];
  slice(...ranges: (null | [number, number])[]): Features;
}

/** The slice of a transformers.js ASR pipeline this needs. */
export interface WhisperParts {
  /**
   * The pipeline's processor; its `feature_extractor` takes `max_length` (samples: the waveform is
   * zero-padded to it instead of to 30 s), which gives the same frames as cutting the 30 s
   * features, for a fraction of the STFT work.
   */
  processor: ((audio: Float32Array) => Promise<{ input_features: unknown }>) & {
    feature_extractor?: (audio: Float32Array, opts: { max_length: number }) => Promise<{ input_features: unknown }>;
  };
  model: { generate: (opts: Record<string, unknown>) => Promise<unknown> };
  tokenizer: {
    encode: (text: string, opts: { add_special_tokens: boolean }) => number[];
    decode: (ids: number[], opts: { skip_special_tokens: boolean }) => string;
  };
}

function tokenId(parts: WhisperParts, token: string): number {
  const ids = parts.tokenizer.encode(token, { add_special_tokens: false });
  if (ids.length !== 1 || typeof ids[0] !== 'number') throw new Error('tokenizer_missing_special_token');
  return ids[0];
}

function toIds(out: unknown): number[] {
  const o = out as { tolist?: () => unknown } | undefined;
  const list = (o?.tolist ? o.tolist() : out) as unknown;
  const first = Array.isArray(list) ? (list[0] as unknown) : undefined;
  const row = Array.isArray(first) ? first : Array.isArray(list) ? list : [];
  return row.map((x) => Number(x));
}

/** Whisper's decoder holds 448 positions (prompt + task tokens + output). */
const MAX_POSITIONS = 448;

/**
 * Timestamp tokens → timed text: `<|t0|> text <|t1|>` pairs (0.02 s per step after
 * `<|notimestamps|>`); text with no closing timestamp (decode cut by max_new_tokens) ends at the
 * end of the audio. Pure, exported for tests.
 */
export function parseTimed(ids: readonly number[], tsBegin: number, eot: number, audioS: number, decode: (ids: number[]) => string): TimedText[] {
  const out: TimedText[] = [];
  let start: number | null = null;
  let prevEnd = 0;
  let toks: number[] = [];
  const close = (end: number): void => {
    const text = decode(toks).trim();
    if (text) out.push({ start: start ?? prevEnd, end, text });
    prevEnd = end;
    toks = [];
    start = null;
  };
  for (const id of ids) {
    if (id === eot) break;
    if (id >= tsBegin) {
      const t = (id - tsBegin) * 0.02;
      if (toks.length) close(t);
      else start = t;
    } else if (id < eot) toks.push(id);
  }
  if (toks.length) close(Math.max(audioS, start ?? 0));
  return out;
}

export class WhisperTranscriber implements Transcriber {
  private readonly init: number[];
  /** the same prompt, without <|notimestamps|>: the model then emits timestamp tokens */
  private readonly initTs: number[];
  private readonly tsBegin: number;
  private readonly eot: number;

  constructor(
    private readonly parts: WhisperParts,
    prompt: string | null,
    /** null: always the full 30 s window (the upstream encoder) */
    private readonly context: ContextFit | null = null,
  ) {
    const head = ['<|startoftranscript|>', '<|en|>', '<|transcribe|>'].map((t) => tokenId(parts, t));
    const noTs = tokenId(parts, '<|notimestamps|>');
    this.tsBegin = noTs + 1;
    this.eot = tokenId(parts, '<|endoftext|>');
    let prev: number[] = [];
    if (prompt) prev = [tokenId(parts, '<|startofprev|>'), ...parts.tokenizer.encode(` ${prompt.trim()}`, { add_special_tokens: false }).slice(-220)];
    this.init = [...prev, ...head, noTs];
    this.initTs = [...prev, ...head];
  }

  /**
   * Whether Whisper knows the word whole: one token, lower case or capitalised ("oxygen", "April").
   * A drug name it has not learnt comes out in pieces ("alacro"); drug-name repair only loosens its
   * match for those (vocab.ts).
   */
  isCommonWord(word: string): boolean {
    if (!/^[a-z]+$/.test(word)) return false;
    const one = (w: string): boolean => this.parts.tokenizer.encode(` ${w}`, { add_special_tokens: false }).length === 1;
    return one(word) || one(word[0]!.toUpperCase() + word.slice(1));
  }

  /** log-mel features of `audio`, cut to the fitted context */
  private async features(audio: Float32Array): Promise<unknown> {
    const frames = contextFrames(audio.length / 16_000, this.context);
    const fe = this.parts.processor.feature_extractor;
    // 160 samples per mel frame (hop length)
    if (frames < 3000 && fe && audio.length <= frames * 160) return (await fe(audio, { max_length: frames * 160 })).input_features;
    const { input_features } = await this.parts.processor(audio);
    const f = input_features as Features;
    if (frames >= 3000 || !Array.isArray(f.dims) || f.dims.length !== 3 || (f.dims[2] ?? 0) <= frames) return input_features;
    return f.slice(null, null, [0, frames]);
  }

  /**
   * A packed window (≤ 30 s) with timestamps. transformers.js adds its WhisperTimeStampLogitsProcessor
   * when `return_timestamps` is set, and with `max_new_tokens` given it runs one plain generate (no
   * seek loop): one encoder pass per window.
   */
  async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
    const input_features = await this.features(audio);
    const seconds = audio.length / 16_000;
    const maxNew = Math.min(MAX_POSITIONS - this.initTs.length - 1, Math.max(24, Math.ceil(seconds * 8) + 16));
    const out = await this.parts.model.generate({
      inputs: input_features,
      decoder_input_ids: this.initTs,
      max_new_tokens: maxNew,
      return_timestamps: true,
      language: 'english',
      task: 'transcribe',
    });
    const ids = toIds(out).slice(this.initTs.length);
    return parseTimed(ids, this.tsBegin, this.eot, seconds, (x) => this.parts.tokenizer.decode(x, { skip_special_tokens: true }));
  }

  async transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string> {
    const input_features = await this.features(audio);
    const seconds = audio.length / 16_000;
    const maxNew = Math.min(MAX_POSITIONS - this.init.length - 1, 220, Math.max(16, Math.ceil(seconds * (kind === 'partial' ? 6 : 7))));
    const out = await this.parts.model.generate({
      inputs: input_features,
      decoder_input_ids: this.init,
      max_new_tokens: maxNew,
      language: 'english',
      task: 'transcribe',
    });
    const ids = toIds(out).slice(this.init.length);
    return this.parts.tokenizer.decode(ids, { skip_special_tokens: true }).trim();
  }
}
