import { describe, expect, it } from 'vitest';
import { Resampler } from '../../../extension/lib/audio/resample.ts';

/** What the ASR stage relies on from the capture resampler: 16 kHz out, speech band kept, no aliasing, any chunking. */
function sine(freq: number, rate: number, seconds: number): Float32Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}
const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

function resampleAll(inRate: number, input: Float32Array, chunk: number): Float32Array {
  const r = new Resampler(inRate);
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(r.push(input.subarray(i, i + chunk)));
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('capture resampler (as ASR input)', () => {
  for (const inRate of [44_100, 48_000]) {
    it(`${inRate} Hz → 16 kHz: length, a 1 kHz tone kept, a 10 kHz tone removed`, () => {
      const out = resampleAll(inRate, sine(1000, inRate, 2), 128);
      expect(Math.abs(out.length - 32_000)).toBeLessThan(200);
      const mid = out.subarray(2000, out.length - 2000);
      expect(rms(mid)).toBeCloseTo(Math.SQRT1_2, 1);
      const alias = resampleAll(inRate, sine(10_000, inRate, 1), 128).subarray(2000, 14_000);
      expect(rms(alias)).toBeLessThan(0.02);
    });
  }

  it('gives the same samples whatever the chunk size', () => {
    const x = sine(440, 48_000, 0.5);
    const a = resampleAll(48_000, x, 128);
    const b = resampleAll(48_000, x, 4096);
    const n = Math.min(a.length, b.length);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
