/**
 * Streaming downmix + resampler to 16 kHz mono, used inside the capture AudioWorklet.
 *
 * Band-limited interpolation: each output sample is a windowed-sinc (Blackman) low-pass of the
 * input evaluated at the output instant, cut off at 90% of the output Nyquist (7.2 kHz) so
 * content above 8 kHz cannot alias into the speech band. Taps are normalised per output sample,
 * so DC gain is exactly 1. Cost: about 2·ZEROS/(2·fc) multiply-adds per output sample
 * (~107 for 48 kHz input), well inside a worklet's budget.
 */
export const TARGET_RATE = 16_000;
const ZEROS = 16; // zero crossings on each side of the kernel

export class Resampler {
  readonly ratio: number; // input samples per output sample
  private readonly fc: number; // cutoff, cycles per input sample
  private readonly half: number; // kernel half-width in input samples
  private buf: Float32Array;
  private bufLen = 0;
  private bufStart = 0; // absolute input index of buf[0]
  private next = 0; // absolute input position (fractional) of the next output sample

  constructor(readonly inRate: number, readonly outRate = TARGET_RATE) {
    if (!Number.isFinite(inRate) || inRate < 8000 || inRate > 384_000) throw new RangeError('bad_sample_rate');
    this.ratio = inRate / outRate;
    this.fc = Math.min(0.5, (0.9 * outRate) / 2 / inRate);
    this.half = Math.ceil(ZEROS / (2 * this.fc));
    this.buf = new Float32Array(Math.max(4096, this.half * 4));
  }

  /** Push mono input; returns the output samples that became computable. */
  push(input: Float32Array): Float32Array {
    if (this.inRate === this.outRate) return input.slice();
    this.append(input);
    const end = this.bufStart + this.bufLen; // first absolute index not yet received
    const outs: number[] = [];
    while (Math.floor(this.next) + this.half < end) {
      outs.push(this.sampleAt(this.next));
      this.next += this.ratio;
    }
    // drop history that no future output needs
    const keepFrom = Math.max(this.bufStart, Math.floor(this.next) - this.half - 1);
    const drop = keepFrom - this.bufStart;
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.bufStart = keepFrom;
    }
    return Float32Array.from(outs);
  }

  private append(input: Float32Array): void {
    if (this.bufLen + input.length > this.buf.length) {
      const grown = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + input.length));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(input, this.bufLen);
    this.bufLen += input.length;
  }

  private sampleAt(t: number): number {
    const center = Math.floor(t);
    let acc = 0;
    let norm = 0;
    for (let k = center - this.half + 1; k <= center + this.half; k++) {
      const i = k - this.bufStart;
      if (i < 0 || i >= this.bufLen) continue; // before stream start: zero padding
      const d = t - k;
      const x = 2 * this.fc * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = d / this.half; // -1..1
      const blackman = 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
      const h = sinc * blackman;
      acc += (this.buf[i] as number) * h;
      norm += h;
    }
    return norm === 0 ? 0 : acc / norm;
  }
}

/** Average the channels of one render quantum into mono. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first.slice();
  const out = new Float32Array(first.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i] ?? 0;
  const n = channels.length;
  for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}
