/**
 * Voice-activity detection and utterance segmentation on 16 kHz mono audio (pure, no browser APIs).
 *
 * A `FrameScorer` gives each 512-sample (32 ms) frame a speech probability: Silero VAD v5 when its
 * ONNX model loads (silero.ts), otherwise `EnergyVad` below. `Segmenter` turns the probabilities
 * into utterances with hysteresis, a pre-roll, a hangover and a hard length cap, and keeps only the
 * audio of the utterance in progress (bounded memory whatever the visit length).
 */

export const SAMPLE_RATE = 16_000;
export const VAD_FRAME = 512;

export interface FrameScorer {
  readonly kind: 'silero-v5' | 'energy';
  /** speech probability in [0, 1] for one 512-sample frame */
  score(frame: Float32Array): Promise<number> | number;
  reset(): void;
}

/**
 * Fallback detector: frame energy against an adaptive noise floor, with a zero-crossing-rate check.
 * Probability = logistic of (frame dB − floor dB − 9 dB) over a 3 dB slope; the floor tracks the
 * quietest recent frames (at once down, 0.5 dB/s up); frames whose zero-crossing rate
 * is above 0.45 (hiss, fricative-only noise) are scaled down by half; digital silence scores 0.
 */
export class EnergyVad implements FrameScorer {
  readonly kind = 'energy' as const;
  private floorDb = -60;

  score(frame: Float32Array): number {
    let e = 0;
    let zc = 0;
    for (let i = 0; i < frame.length; i++) {
      const x = frame[i] ?? 0;
      e += x * x;
      if (i > 0 && (x >= 0) !== ((frame[i - 1] ?? 0) >= 0)) zc++;
    }
    const rms = Math.sqrt(e / Math.max(1, frame.length));
    if (rms < 1e-5) {
      this.floorDb = Math.min(this.floorDb, -70);
      return 0;
    }
    const db = 20 * Math.log10(rms);
    // floor: drops at once to quieter frames, rises slowly (0.016 dB per 32 ms frame ≈ 0.5 dB/s)
    // so that minutes of continuous speech do not become the "noise floor"
    this.floorDb = db < this.floorDb ? db : Math.min(db, this.floorDb + 0.016);
    const floor = Math.max(this.floorDb, -70);
    let p = 1 / (1 + Math.exp(-(db - floor - 9) / 3));
    if (db < -50) p = Math.min(p, 0.1); // absolute gate: very quiet frames are not speech
    const zcr = zc / Math.max(1, frame.length - 1);
    if (zcr > 0.45) p *= 0.5;
    return p;
  }

  reset(): void {
    this.floorDb = -60;
  }
}

export interface SegmenterOptions {
  /** probability to enter speech */
  onThreshold: number;
  /** probability under which a frame counts as silence */
  offThreshold: number;
  /** silence that closes an utterance */
  minSilenceMs: number;
  /** shorter speech runs are dropped (clicks, coughs) */
  minSpeechMs: number;
  /** audio kept before the first speech frame */
  preRollMs: number;
  /** audio kept after the last speech frame */
  postRollMs: number;
  /** hard cap on one utterance; cut at the least speech-like frame of the last `cutSearchMs` */
  maxUtteranceMs: number;
  cutSearchMs: number;
  /** a pause this long inside an utterance makes it "settled" (a speculative decode may start) */
  settleMs: number;
}

export const DEFAULT_SEGMENTER: SegmenterOptions = {
  onThreshold: 0.5,
  offThreshold: 0.35,
  minSilenceMs: 480,
  minSpeechMs: 200,
  preRollMs: 192,
  postRollMs: 160,
  maxUtteranceMs: 25_000,
  cutSearchMs: 4_000,
  settleMs: 192,
};

export interface Utterance {
  /** absolute sample index (from visit start) of audio[0] */
  startSample: number;
  /** first / one past last speech sample (absolute) */
  speechStart: number;
  speechEnd: number;
  audio: Float32Array;
  /** true when closed by the length cap rather than by silence */
  capped: boolean;
}

export type SegmenterEvent =
  | { type: 'start'; speechStart: number }
  /** a pause of settleMs inside an open utterance: its audio so far is worth decoding */
  | { type: 'settle'; speechEnd: number }
  | { type: 'end'; utterance: Utterance };

const ms = (v: number): number => Math.round((v * SAMPLE_RATE) / 1000);

/**
 * Feed 512-sample frames with their probabilities in order; get utterance events back.
 * Memory: the pre-roll ring plus the open utterance (≤ maxUtteranceMs + postRoll of audio).
 */
export class Segmenter {
  private readonly o: SegmenterOptions;
  private pos = 0; // absolute sample index of the next frame
  private ring: Float32Array[] = []; // pre-roll frames while idle
  private frames: Float32Array[] = []; // open utterance's frames
  private probs: number[] = [];
  private uttStart = 0;
  private speechStart = -1;
  private lastSpeechEnd = 0;
  private silenceRun = 0; // samples of silence since last speech frame
  private speechRun = 0; // samples of speech in the open utterance
  private settled = false;

  constructor(opts: Partial<SegmenterOptions> = {}) {
    this.o = { ...DEFAULT_SEGMENTER, ...opts };
  }

  get inSpeech(): boolean {
    return this.speechStart >= 0;
  }

  /** samples processed so far */
  get position(): number {
    return this.pos;
  }

  /** the open utterance's audio up to its last speech frame plus post-roll (for partial decodes) */
  snapshot(): Utterance | null {
    if (!this.inSpeech) return null;
    const end = Math.min(this.pos, this.lastSpeechEnd + ms(this.o.postRollMs));
    return this.build(end, false);
  }

  push(frame: Float32Array, prob: number): SegmenterEvent[] {
    const out: SegmenterEvent[] = [];
    const n = frame.length;
    const start = this.pos;
    this.pos += n;
    const speech = this.inSpeech ? prob >= this.o.offThreshold : prob >= this.o.onThreshold;
    if (!this.inSpeech) {
      this.ring.push(frame);
      const keep = Math.ceil(ms(this.o.preRollMs) / n) + 1;
      while (this.ring.length > keep) this.ring.shift();
      if (!speech) return out;
      // open an utterance: pre-roll frames become its head
      this.frames = this.ring.slice(Math.max(0, this.ring.length - keep));
      this.probs = this.frames.map(() => 0);
      this.probs[this.probs.length - 1] = prob;
      this.uttStart = this.pos - this.frames.reduce((a, f) => a + f.length, 0);
      this.ring = [];
      this.speechStart = start;
      this.lastSpeechEnd = this.pos;
      this.silenceRun = 0;
      this.speechRun = n;
      this.settled = false;
      out.push({ type: 'start', speechStart: start });
      return out;
    }
    this.frames.push(frame);
    this.probs.push(prob);
    if (speech) {
      this.lastSpeechEnd = this.pos;
      this.silenceRun = 0;
      this.speechRun += n;
      this.settled = false;
    } else {
      this.silenceRun += n;
      if (!this.settled && this.silenceRun >= ms(this.o.settleMs)) {
        this.settled = true;
        if (this.speechRun >= ms(this.o.minSpeechMs)) out.push({ type: 'settle', speechEnd: this.lastSpeechEnd });
      }
      if (this.silenceRun >= ms(this.o.minSilenceMs)) {
        const end = Math.min(this.pos, this.lastSpeechEnd + ms(this.o.postRollMs));
        if (this.speechRun >= ms(this.o.minSpeechMs)) out.push({ type: 'end', utterance: this.build(end, false) });
        this.close();
        return out;
      }
    }
    if (this.pos - this.uttStart >= ms(this.o.maxUtteranceMs)) out.push(...this.cut());
    return out;
  }

  /** close whatever is open (end of visit) */
  flush(): SegmenterEvent[] {
    if (!this.inSpeech) return [];
    const end = Math.min(this.pos, this.lastSpeechEnd + ms(this.o.postRollMs));
    const ev: SegmenterEvent[] = this.speechRun >= ms(this.o.minSpeechMs) ? [{ type: 'end', utterance: this.build(end, false) }] : [];
    this.close();
    return ev;
  }

  private close(): void {
    this.speechStart = -1;
    this.frames = [];
    this.probs = [];
    this.ring = [];
    this.silenceRun = 0;
    this.speechRun = 0;
  }

  /** length cap: cut at the least speech-like frame in the last cutSearchMs; the rest stays open */
  private cut(): SegmenterEvent[] {
    const search = Math.max(1, Math.floor(ms(this.o.cutSearchMs) / VAD_FRAME));
    let best = this.probs.length - 1;
    for (let i = this.probs.length - 1; i >= Math.max(1, this.probs.length - search); i--) {
      if ((this.probs[i] ?? 1) < (this.probs[best] ?? 1)) best = i;
    }
    // cut after frame `best`
    let cutSample = this.uttStart;
    for (let i = 0; i <= best; i++) cutSample += this.frames[i]?.length ?? 0;
    const utt = this.build(cutSample, true);
    const restFrames = this.frames.slice(best + 1);
    const restProbs = this.probs.slice(best + 1);
    this.frames = restFrames;
    this.probs = restProbs;
    this.uttStart = cutSample;
    this.speechStart = cutSample;
    if (this.lastSpeechEnd < cutSample) this.lastSpeechEnd = cutSample;
    this.speechRun = restFrames.length * VAD_FRAME;
    this.settled = false;
    return [{ type: 'end', utterance: utt }, { type: 'start', speechStart: cutSample }];
  }

  private build(endSample: number, capped: boolean): Utterance {
    const len = Math.max(0, endSample - this.uttStart);
    const audio = new Float32Array(len);
    let off = 0;
    for (const f of this.frames) {
      if (off >= len) break;
      const take = Math.min(f.length, len - off);
      audio.set(take === f.length ? f : f.subarray(0, take), off);
      off += take;
    }
    return {
      startSample: this.uttStart,
      speechStart: Math.max(this.speechStart, this.uttStart),
      speechEnd: capped ? endSample : Math.min(this.lastSpeechEnd, endSample),
      audio,
      capped,
    };
  }
}

/** Re-chunks arbitrary-length input into fixed 512-sample frames. */
export class Framer {
  private buf = new Float32Array(VAD_FRAME);
  private fill = 0;

  push(samples: Float32Array): Float32Array[] {
    const out: Float32Array[] = [];
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(VAD_FRAME - this.fill, samples.length - i);
      this.buf.set(samples.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
      if (this.fill === VAD_FRAME) {
        out.push(this.buf);
        this.buf = new Float32Array(VAD_FRAME);
        this.fill = 0;
      }
    }
    return out;
  }
}
