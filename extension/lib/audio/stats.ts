/**
 * Running statistics of one captured 16 kHz source: sample count and the RMS envelope at 10 Hz
 * (one value per 1,600 samples). Bounded memory: 36,000 floats for an hour.
 */
export const ENVELOPE_BLOCK = 1600;

export class SourceMeter {
  samples = 0;
  frames = 0;
  readonly envelope: number[] = [];
  private blockSum = 0;
  private blockN = 0;
  private latencies: number[] = [];
  level = 0;

  add(frame: Float32Array, latencyMs?: number): void {
    this.frames++;
    this.samples += frame.length;
    let sum = 0;
    for (let i = 0; i < frame.length; i++) {
      const v = frame[i] as number;
      sum += v * v;
      this.blockSum += v * v;
      this.blockN++;
      if (this.blockN === ENVELOPE_BLOCK) {
        this.envelope.push(Math.sqrt(this.blockSum / ENVELOPE_BLOCK));
        this.blockSum = 0;
        this.blockN = 0;
      }
    }
    this.level = frame.length ? Math.sqrt(sum / frame.length) : 0;
    if (latencyMs !== undefined && Number.isFinite(latencyMs)) {
      if (this.latencies.length >= 10_000) this.latencies.shift();
      this.latencies.push(latencyMs);
    }
  }

  latency(): { p50: number; p95: number; max: number } {
    if (this.latencies.length === 0) return { p50: 0, p95: 0, max: 0 };
    const s = [...this.latencies].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
    return { p50: q(0.5), p95: q(0.95), max: s[s.length - 1] as number };
  }
}

/** RMS envelope of a whole signal at 10 Hz (for comparing captures with their source files). */
export function envelopeOf(signal: Float32Array, block = ENVELOPE_BLOCK): number[] {
  const out: number[] = [];
  for (let s = 0; s + block <= signal.length; s += block) {
    let sum = 0;
    for (let i = s; i < s + block; i++) sum += (signal[i] as number) ** 2;
    out.push(Math.sqrt(sum / block));
  }
  return out;
}

/** Pearson correlation of two equal-length series. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = (a[i] as number) - ma;
    const y = (b[i] as number) - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Best correlation of `b` against `a` over lags of ±maxLag blocks (capture start offset). */
export function bestLagCorrelation(a: readonly number[], b: readonly number[], maxLag = 10): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const aa = lag >= 0 ? a.slice(lag) : a;
    const bb = lag >= 0 ? b : b.slice(-lag);
    const r = pearson(aa, bb);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

/**
 * First and last envelope blocks above `rel` × the loudest block: the span the source's sound
 * occupies, independent of when the capture was started or stopped around it.
 */
export function activeSpan(envelope: readonly number[], rel = 0.02): { first: number; last: number; seconds: number } | null {
  const peak = envelope.reduce((m, v) => Math.max(m, v), 0);
  if (peak === 0) return null;
  const thr = peak * rel;
  const first = envelope.findIndex((v) => v > thr);
  let last = envelope.length - 1;
  while (last > first && (envelope[last] as number) <= thr) last--;
  return { first, last, seconds: (last - first + 1) / 10 };
}
