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

/** The slice of a transformers.js ASR pipeline this needs. */
export interface WhisperParts {
  processor: (audio: Float32Array) => Promise<{ input_features: unknown }>;
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

  /**
   * A packed window (≤ 30 s) with timestamps. transformers.js adds its WhisperTimeStampLogitsProcessor
   * when `return_timestamps` is set, and with `max_new_tokens` given it runs one plain generate (no
   * seek loop): one encoder pass per window.
   */
  async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
    const { input_features } = await this.parts.processor(audio);
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
    const { input_features } = await this.parts.processor(audio);
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
