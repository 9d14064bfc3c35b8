import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { contextFrames, DEFAULT_CONTEXT } from '../../../extension/lib/asr/whisper.ts';
import onnxProto from 'onnx-proto';
import { applyTransforms, dropAttentionOutputs, fitEncoderContext, lastTokenLogits, shareVocabProjection, TransformError } from '../../../scripts/whisper-context.ts';

const MODELS = resolve(import.meta.dirname, '../../../../shared/models');
const tinyEncoder = (): Uint8Array => readFileSync(`${MODELS}/whisper-tiny/onnx/encoder_model_quantized.onnx`);

/** deterministic pseudo-random log-mel-like input */
function features(frames: number): ort.Tensor {
  const x = new Float32Array(80 * frames);
  let s = 7;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    x[i] = (s / 2 ** 31) * 2 - 1;
  }
  return new ort.Tensor('float32', x, [1, 80, frames]);
}

async function encode(model: Uint8Array, frames: number): Promise<ort.Tensor> {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const out = await s.run({ input_features: features(frames) }, ['last_hidden_state']);
  await s.release();
  const h = out.last_hidden_state;
  if (!h) throw new Error('no last_hidden_state');
  return h;
}

/** whisper-tiny merged-decoder feeds: `input` token ids, the cache from `past` (a previous run's outputs) or empty */
function decoderFeeds(past: Record<string, ort.Tensor> | null, input: number[]): Record<string, ort.Tensor> {
  // 192,000 pseudo-random floats: any will do as encoder states [1, 500, 384]
  const enc = new ort.Tensor('float32', (features(2400).data as Float32Array).slice(0, 500 * 384), [1, 500, 384]);
  const f: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(input.map(BigInt)), [1, input.length]),
    encoder_hidden_states: enc,
    use_cache_branch: new ort.Tensor('bool', [past !== null], [1]),
  };
  for (let l = 0; l < 4; l++) {
    for (const kind of ['decoder', 'encoder']) {
      for (const kv of ['key', 'value']) {
        f[`past_key_values.${l}.${kind}.${kv}`] = past?.[`present.${l}.${kind}.${kv}`] ?? new ort.Tensor('float32', new Float32Array(0), [1, 6, 0, 64]);
      }
    }
  }
  return f;
}

/** whisper-tiny decoder: a 5-token first run, then two cached steps (the first run's encoder cache kept, as transformers.js does) */
async function decoderSteps(model: Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<{ names: readonly string[]; logits: Float32Array[] }> {
  const sess = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, ...options });
  const fetch = sess.outputNames.filter((n) => !n.includes('attentions'));
  const first = await sess.run(decoderFeeds(null, [50258, 50259, 50360, 50364, 440]), fetch);
  const logits = [first.logits!.data as Float32Array];
  let past = first as Record<string, ort.Tensor>;
  for (const t of [1243, 262]) {
    const out = await sess.run(decoderFeeds(past, [t]), fetch);
    logits.push(out.logits!.data as Float32Array);
    // a cached run's encoder outputs are empty: the first run's stay
    past = { ...out, ...Object.fromEntries(Object.entries(first).filter(([k]) => k.includes('.encoder.'))) } as Record<string, ort.Tensor>;
  }
  const names = sess.outputNames;
  await sess.release();
  return { names, logits };
}

const sameFloats = (a: Float32Array, b: Float32Array | undefined): boolean => b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('fitted encoder context (scripts/whisper-context.ts)', () => {
  it('the derived encoder takes any even frame count; on a 30 s window it gives the upstream numbers exactly', async () => {
    const upstream = tinyEncoder();
    const derived = fitEncoderContext(upstream);
    const a = await encode(upstream, 3000);
    const b = await encode(derived, 3000);
    expect(b.dims).toEqual(a.dims);
    expect(Buffer.from((b.data as Float32Array).buffer).equals(Buffer.from((a.data as Float32Array).buffer))).toBe(true);
    // 10 s of context: 500 positions, the first 500 of the positional table
    expect((await encode(derived, 1000)).dims).toEqual([1, 500, 384]);
    // the upstream export cannot: its positional table is added whole
    await expect(encode(upstream, 1000)).rejects.toThrow(/broadcast/i);
  });

  it('is deterministic and refuses what it cannot transform, saying why', () => {
    const upstream = tinyEncoder();
    expect(Buffer.from(fitEncoderContext(upstream)).equals(Buffer.from(fitEncoderContext(upstream)))).toBe(true);
    expect(() => fitEncoderContext(fitEncoderContext(upstream))).toThrow(/already transformed/);
    expect(() => fitEncoderContext(readFileSync(`${MODELS}/silero-vad/silero_vad_v5.onnx`))).toThrow(TransformError);
    expect(() => fitEncoderContext(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(TransformError);
  });

  it('contextFrames: the audio plus padding, at least minS, even, at most 30 s', () => {
    expect(contextFrames(3, DEFAULT_CONTEXT)).toBe(2 * Math.ceil(DEFAULT_CONTEXT.minS * 50));
    expect(contextFrames(12.34, { minS: 10, padS: 1 })).toBe(1334); // 13.34 s
    expect(contextFrames(29.5, { minS: 10, padS: 1 })).toBe(3000);
    expect(contextFrames(3, null)).toBe(3000);
    for (const s of [0.5, 7.77, 13.01, 20.2]) expect(contextFrames(s, { minS: 1, padS: 0.5 }) % 2).toBe(0);
  });

  it('the derived decoder projects only the last position on its first run: the same logits there, and the cached runs unchanged', async () => {
    const upstream = readFileSync(`${MODELS}/whisper-tiny/onnx/decoder_model_merged_quantized.onnx`);
    const derived = lastTokenLogits(upstream);
    const ids = [50258, 50259, 50360, 50364, 440, 1243];
    const run = async (model: Uint8Array): Promise<{ first: ort.Tensor; next: ort.Tensor }> => {
      const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
      const a = await s.run(decoderFeeds(null, ids));
      const b = await s.run(decoderFeeds(a as Record<string, ort.Tensor>, [262]));
      await s.release();
      return { first: a.logits!, next: b.logits! };
    };
    const up = await run(upstream);
    const dn = await run(derived);
    expect(up.first.dims).toEqual([1, ids.length, 51865]);
    expect(dn.first.dims).toEqual([1, 1, 51865]);
    const lastRow = (up.first.data as Float32Array).slice((ids.length - 1) * 51865);
    const maxDiff = (x: Float32Array, y: Float32Array): number => x.reduce((m, v, i) => Math.max(m, Math.abs(v - (y[i] ?? NaN))), 0);
    expect(maxDiff(dn.first.data as Float32Array, lastRow)).toBeLessThan(1e-4);
    expect(maxDiff(dn.next.data as Float32Array, up.next.data as Float32Array)).toBeLessThan(1e-4);
    expect(() => lastTokenLogits(derived)).toThrow(/already transformed/);
    expect(() => lastTokenLogits(tinyEncoder())).toThrow(TransformError);
  });

  it('without attention-map outputs: the encoder gives only last_hidden_state, the same numbers; the decoder the same logits and caches', async () => {
    const upstream = tinyEncoder();
    const derived = applyTransforms(['whisper-encoder-fitted-context/1', 'whisper-no-attention-outputs/1'], upstream);
    const s = await ort.InferenceSession.create(derived, { intraOpNumThreads: 1 });
    expect(s.outputNames).toEqual(['last_hidden_state']);
    await s.release();
    const a = await encode(upstream, 3000);
    const b = await encode(derived, 3000);
    expect(Buffer.from((b.data as Float32Array).buffer).equals(Buffer.from((a.data as Float32Array).buffer))).toBe(true);
    expect((await encode(derived, 1000)).dims).toEqual([1, 500, 384]);

    const decUp = readFileSync(`${MODELS}/whisper-tiny/onnx/decoder_model_merged_quantized.onnx`);
    const decDn = applyTransforms(['whisper-decoder-last-logits/1', 'whisper-no-attention-outputs/1'], decUp);
    const up = await decoderSteps(lastTokenLogits(decUp));
    const dn = await decoderSteps(decDn);
    expect(up.names.some((n) => n.includes('attentions'))).toBe(true);
    expect(dn.names.some((n) => n.includes('attentions'))).toBe(false);
    expect(dn.names).toEqual(up.names.filter((n) => !n.includes('attentions')));
    for (const [i, l] of dn.logits.entries()) expect(sameFloats(l, up.logits[i])).toBe(true);

    expect(() => dropAttentionOutputs(derived)).toThrow(/already transformed/);
    expect(() => dropAttentionOutputs(readFileSync(`${MODELS}/silero-vad/silero_vad_v5.onnx`))).toThrow(TransformError);
    expect(() => applyTransforms(['no-such-transform/1'], upstream)).toThrow(/unknown transform no-such-transform\/1/);
  });

  it('the shared vocabulary projection: made once before the If, the same logits, and folded at load with the worker\'s options', async () => {
    const decUp = readFileSync(`${MODELS}/whisper-tiny/onnx/decoder_model_merged_quantized.onnx`);
    const before = applyTransforms(['whisper-decoder-last-logits/1', 'whisper-no-attention-outputs/1'], decUp);
    const after = shareVocabProjection(before);
    const m = onnxProto.onnx.ModelProto.decode(after);
    const main = m.graph?.node ?? [];
    expect(main.map((n) => n.opType)).toContain('DequantizeLinear');
    const branches = main.find((n) => n.opType === 'If')?.attribute?.map((a) => a.g?.node ?? []) ?? [];
    expect(branches).toHaveLength(2);
    for (const b of branches) expect(b.some((n) => n.opType === 'Transpose' && /embed_tokens/.test(n.input?.[0] ?? ''))).toBe(false);
    const ref = await decoderSteps(before);
    for (const options of [{}, { extra: { session: { disable_quant_qdq: '1', disable_prepacking: '1' } } }]) {
      const got = await decoderSteps(after, options);
      // the cached steps: bit for bit; the first run's last row within float rounding (another GEMM path once folded)
      for (const i of [1, 2]) expect(sameFloats(got.logits[i]!, ref.logits[i])).toBe(true);
      expect(got.logits[0]!.reduce((d, v, j) => Math.max(d, Math.abs(v - ref.logits[0]![j]!)), 0)).toBeLessThan(1e-4);
    }
    expect(() => shareVocabProjection(after)).toThrow(/already transformed/);
    expect(() => shareVocabProjection(tinyEncoder())).toThrow(TransformError);
  });
});
