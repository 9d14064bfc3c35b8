import { describe, expect, it } from 'vitest';
import { Resampler, downmix } from '../../../extension/lib/audio/resample.ts';
import { activeSpan, bestLagCorrelation, envelopeOf, SourceMeter } from '../../../extension/lib/audio/stats.ts';

function tone(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}
const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

function resampleAll(input: Float32Array, rate: number, chunk = 128): Float32Array {
  const r = new Resampler(rate);
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(r.push(input.subarray(i, i + chunk)));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('Resampler', () => {
  for (const rate of [44_100, 48_000, 22_050]) {
    it(`${rate} Hz → 16 kHz keeps length and in-band tones`, () => {
      const out = resampleAll(tone(440, rate, 2), rate);
      // length: 2 s at 16 kHz, minus the kernel's look-ahead still waiting for input
      expect(Math.abs(out.length - 32_000)).toBeLessThan(64);
      expect(rms(out.subarray(1000, 30_000))).toBeCloseTo(0.5 / Math.SQRT2, 2);
    });
    it(`${rate} Hz → 16 kHz removes content above 8 kHz (no aliasing)`, () => {
      const out = resampleAll(tone(11_000, rate, 1), rate);
      expect(rms(out.subarray(500, out.length - 500))).toBeLessThan(0.01);
    });
  }
  it('passes 16 kHz through unchanged and rejects absurd rates', () => {
    const x = tone(300, 16_000, 0.1);
    expect(Array.from(new Resampler(16_000).push(x))).toEqual(Array.from(x));
    expect(() => new Resampler(100)).toThrow('bad_sample_rate');
  });
  it('chunking does not change the result', () => {
    const x = tone(1000, 48_000, 0.5);
    const a = resampleAll(x, 48_000, 128);
    const b = resampleAll(x, 48_000, 1000);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 5);
  });
});

describe('downmix and meters', () => {
  it('averages channels', () => {
    expect(Array.from(downmix([Float32Array.from([1, 0]), Float32Array.from([0, 1])]))).toEqual([0.5, 0.5]);
    expect(downmix([]).length).toBe(0);
  });
  it('envelope at 10 Hz, span and lag-tolerant correlation', () => {
    const sig = new Float32Array(16_000 * 3);
    sig.set(tone(300, 16_000, 1), 16_000); // silence, 1 s tone, silence
    const env = envelopeOf(sig);
    expect(env.length).toBe(30);
    expect(activeSpan(env)).toEqual({ first: 10, last: 19, seconds: 1 });
    const m = new SourceMeter();
    for (let i = 0; i < sig.length; i += 1600) m.add(sig.subarray(i, i + 1600), 3);
    expect(m.envelope.length).toBe(30);
    expect(m.samples).toBe(sig.length);
    const shifted = [0, 0, ...env];
    expect(bestLagCorrelation(env, shifted, 5).r).toBeGreaterThan(0.99);
    expect(m.latency().p50).toBe(3);
  });
});
