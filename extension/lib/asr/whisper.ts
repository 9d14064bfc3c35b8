import type { Transcriber } from './engine.ts';

/**
 * Utterance decoding with a transformers.js Whisper pipeline's parts (processor, model, tokenizer)
 * rather than the pipeline call itself, so the decoder prompt can be set: optional
 * `<|startofprev|> prompt` before `<|startoftranscript|><|en|><|transcribe|><|notimestamps|>`.
 * One utterance (≤ 25 s) is one 30 s window: no chunking, no timestamps, greedy decoding;
 * max_new_tokens scales with the audio length (≈ 7 tokens/s, speech runs ~3-4) so a looping
 * decoder cannot run away.
 */

/** Common clinical vocabulary (not taken from any evaluation visit). See asr.design.md. */
export const CLINICAL_PROMPT =
  'Clinic visit. Medications: metformin, lisinopril, amlodipine, atorvastatin, levothyroxine, ' +
  'omeprazole, albuterol inhaler, gabapentin, sertraline, hydrochlorothiazide, ibuprofen, acetaminophen, ' +
  'prednisone, amoxicillin, warfarin, apixaban, insulin glargine, 500 milligrams twice daily. ' +
  'Hypertension, diabetes, sciatica, COPD, blood pressure 120 over 80, oxygen saturation.';

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

export class WhisperTranscriber implements Transcriber {
  private readonly init: number[];

  constructor(
    private readonly parts: WhisperParts,
    prompt: string | null,
  ) {
    const head = ['<|startoftranscript|>', '<|en|>', '<|transcribe|>', '<|notimestamps|>'].map((t) => tokenId(parts, t));
    if (prompt) {
      const p = parts.tokenizer.encode(` ${prompt.trim()}`, { add_special_tokens: false }).slice(-200);
      this.init = [tokenId(parts, '<|startofprev|>'), ...p, ...head];
    } else this.init = head;
  }

  async transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string> {
    const { input_features } = await this.parts.processor(audio);
    const seconds = audio.length / 16_000;
    const maxNew = Math.min(220, Math.max(16, Math.ceil(seconds * (kind === 'partial' ? 6 : 7))));
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
