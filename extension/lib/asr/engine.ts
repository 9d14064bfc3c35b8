import type { Source, Speaker, TranscriptSegment } from '../../../shared/transcript.ts';
import { Framer, SAMPLE_RATE, Segmenter, type FrameScorer, type SegmenterOptions, type Utterance } from './vad.ts';

/**
 * The ASR scheduler (runs inside the ASR worker; pure enough for vitest with a fake transcriber).
 *
 * Per source: frames → Framer (512) → VAD scorer → Segmenter → utterances. One decoder is shared
 * by all sources and runs one job at a time, in this priority:
 *   1. finals: a closed utterance (FIFO by end time);
 *   2. speculative finals: an open utterance that has paused for `settleMs` — decoded at once, and
 *      if the utterance then closes with no new speech, that text IS the final (no second decode),
 *      which is what keeps end-of-speech → final latency near one decode time;
 *   3. live partials: an open utterance with ≥ `partialEveryS` of new speech since its last decode.
 * A later final replaces the partials of the same segment id in the panel.
 */

export interface Transcriber {
  transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string>;
}

export interface EngineOptions {
  speakerMode: 'source' | 'unlabelled';
  partials: boolean;
  partialEveryS: number;
  segmenter?: Partial<SegmenterOptions>;
}

export interface SegmentOut extends TranscriptSegment {
  /** decode wall time, end-of-speech → emit latency (finals only), for the stats */
  latencyMs: number | null;
}

export interface EngineStats {
  audioS: Record<Source, number>;
  speechS: number;
  decodeMs: number;
  decodes: { final: number; speculative: number; speculativeUsed: number; partial: number; failed: number };
  finals: number;
  latencyMs: number[];
  queue: number;
}

interface Track {
  source: Source;
  framer: Framer;
  scorer: FrameScorer;
  seg: Segmenter;
  chain: Promise<void>;
  /** id of the utterance in progress */
  openId: string | null;
  openT0: number;
  /** speech end (samples) covered by the last decode of the open utterance, and its text */
  decodedUpTo: number;
  spec: { speechEnd: number; text: string } | null;
  lastPartialAt: number;
  wantSpec: boolean;
  /** speculative decode running for the open utterance, and the utterance waiting on it */
  specInFlight: { id: string; speechEnd: number } | null;
  awaitingSpec: { id: string; utt: Utterance } | null;
  /** (sampleEnd, wallMs) arrivals, for latency: last ~60 s only */
  arrivals: [number, number][];
  samples: number;
}

interface FinalJob {
  id: string;
  track: Track;
  utt: Utterance;
}

let counter = 0;
const newId = (source: Source): string => `${source}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function speakerFor(source: Source, mode: EngineOptions['speakerMode']): Speaker {
  if (mode === 'unlabelled') return 'unlabelled';
  return source === 'mic' ? 'clinician' : 'remote';
}

/** Whisper's non-speech tags and empty output are not transcript. */
export function cleanText(text: string): string {
  const t = text
    .replace(/\[(BLANK_AUDIO|MUSIC|NOISE|SOUND|SILENCE|INAUDIBLE)[^\]]*\]/gi, ' ')
    .replace(/\((music|noise|silence|applause|laughs?|coughs?|inaudible)[^)]*\)/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return /^[\s.,!?-]*$/.test(t) ? '' : t;
}

export class AsrEngine {
  private tracks = new Map<Source, Track>();
  private finals: FinalJob[] = [];
  private busy = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: EngineStats = {
    audioS: { mic: 0, tab: 0 },
    speechS: 0,
    decodeMs: 0,
    decodes: { final: 0, speculative: 0, speculativeUsed: 0, partial: 0, failed: 0 },
    finals: 0,
    latencyMs: [],
    queue: 0,
  };

  constructor(
    private readonly opts: EngineOptions,
    private readonly transcriber: Transcriber,
    private readonly makeScorer: (source: Source) => FrameScorer,
    private readonly onSegment: (s: SegmentOut) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private track(source: Source): Track {
    let t = this.tracks.get(source);
    if (!t) {
      t = {
        source,
        framer: new Framer(),
        scorer: this.makeScorer(source),
        seg: new Segmenter(this.opts.segmenter),
        chain: Promise.resolve(),
        openId: null,
        openT0: 0,
        decodedUpTo: 0,
        spec: null,
        lastPartialAt: 0,
        wantSpec: false,
        specInFlight: null,
        awaitingSpec: null,
        arrivals: [],
        samples: 0,
      };
      this.tracks.set(source, t);
    }
    return t;
  }

  /** 16 kHz mono samples from one source, in order. Returns once they are VAD-scored. */
  push(source: Source, samples: Float32Array): Promise<void> {
    const t = this.track(source);
    t.samples += samples.length;
    this.stats.audioS[source] = t.samples / SAMPLE_RATE;
    t.arrivals.push([t.samples, this.now()]);
    if (t.arrivals.length > 700) t.arrivals.splice(0, t.arrivals.length - 600);
    const frames = t.framer.push(samples);
    t.chain = t.chain.then(async () => {
      for (const f of frames) {
        const p = await t.scorer.score(f);
        for (const ev of t.seg.push(f, p)) this.onSegEvent(t, ev);
      }
      this.pump();
    });
    return t.chain;
  }

  /** end of visit: close open utterances and wait until every final is out */
  async flush(): Promise<void> {
    for (const t of this.tracks.values()) {
      await t.chain;
      for (const ev of t.seg.flush()) this.onSegEvent(t, ev);
    }
    this.pump();
    await this.idle();
  }

  stop(): void {
    this.stopped = true;
    this.finals = [];
  }

  private idle(): Promise<void> {
    if (!this.busy && this.finals.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private onSegEvent(t: Track, ev: ReturnType<Segmenter['push']>[number]): void {
    if (ev.type === 'start') {
      t.openId = newId(t.source);
      t.openT0 = ev.speechStart / SAMPLE_RATE;
      t.decodedUpTo = 0;
      t.spec = null;
      t.lastPartialAt = ev.speechStart;
      t.wantSpec = false;
    } else if (ev.type === 'settle') {
      t.wantSpec = true;
    } else {
      const id = t.openId ?? newId(t.source);
      const utt = ev.utterance;
      this.stats.speechS += (utt.speechEnd - utt.speechStart) / SAMPLE_RATE;
      t.openId = null;
      t.wantSpec = false;
      // A speculative decode that already covers all of this utterance's speech is the final.
      if (t.spec && t.spec.speechEnd >= utt.speechEnd && !utt.capped) {
        this.stats.decodes.speculativeUsed++;
        this.emitFinal(id, t, utt, t.spec.text);
        t.spec = null;
        return;
      }
      t.spec = null;
      // ...or one still running for it: wait for that instead of decoding twice.
      const inflight = t.specInFlight;
      if (inflight && inflight.id === id && inflight.speechEnd >= utt.speechEnd && !utt.capped) {
        t.awaitingSpec = { id, utt };
        return;
      }
      this.finals.push({ id, track: t, utt });
      this.stats.queue = this.finals.length;
    }
  }

  private emitFinal(id: string, t: Track, utt: Utterance, raw: string): void {
    const arrived = this.arrivalOf(t, utt.speechEnd);
    const latency = arrived === null ? null : Math.max(0, this.now() - arrived);
    if (latency !== null) {
      this.stats.latencyMs.push(latency);
      if (this.stats.latencyMs.length > 5000) this.stats.latencyMs.splice(0, 1000);
    }
    this.stats.finals++;
    this.onSegment({
      id,
      source: t.source,
      speaker: speakerFor(t.source, this.opts.speakerMode),
      t0: utt.speechStart / SAMPLE_RATE,
      t1: utt.speechEnd / SAMPLE_RATE,
      text: cleanText(raw),
      final: true,
      latencyMs: latency,
    });
  }

  /** wall time at which sample `s` of this source had arrived */
  private arrivalOf(t: Track, s: number): number | null {
    for (const [end, wall] of t.arrivals) if (end >= s) return wall;
    return null;
  }

  private pump(): void {
    if (this.busy || this.stopped) return;
    const job = this.nextJob();
    if (!job) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
      return;
    }
    this.busy = true;
    const t0 = this.now();
    void this.transcriber
      .transcribe(job.audio, job.kind === 'partial' ? 'partial' : 'final')
      .then(
        (text) => job.done(text),
        () => {
          this.stats.decodes.failed++; // counted, never logged with content
          job.done('');
        },
      )
      .finally(() => {
        const took = this.now() - t0;
        this.stats.decodeMs += took;
        this.recent.push(took);
        if (this.recent.length > 3) this.recent.shift();
        this.busy = false;
        this.pump();
      });
  }

  private nextJob(): { audio: Float32Array; kind: 'final' | 'spec' | 'partial'; done: (text: string) => void } | null {
    const f = this.finals.shift();
    this.stats.queue = this.finals.length;
    if (f) {
      this.stats.decodes.final++;
      return { audio: f.utt.audio, kind: 'final', done: (text) => this.emitFinal(f.id, f.track, f.utt, text) };
    }
    for (const t of this.tracks.values()) {
      if (!t.wantSpec || !t.seg.inSpeech || !t.openId) continue;
      t.wantSpec = false;
      const snap = t.seg.snapshot();
      if (!snap || snap.speechEnd <= t.decodedUpTo) continue;
      const id = t.openId;
      t.decodedUpTo = snap.speechEnd;
      t.lastPartialAt = snap.speechEnd;
      this.stats.decodes.speculative++;
      t.specInFlight = { id, speechEnd: snap.speechEnd };
      return {
        audio: snap.audio,
        kind: 'spec',
        done: (text) => {
          t.specInFlight = null;
          const waiting = t.awaitingSpec;
          if (waiting && waiting.id === id) {
            // the utterance closed while this ran, with no speech after it: this is the final
            t.awaitingSpec = null;
            this.stats.decodes.speculativeUsed++;
            this.emitFinal(id, t, waiting.utt, text);
          } else if (t.openId === id) {
            t.spec = { speechEnd: snap.speechEnd, text };
            this.emitPartial(id, t, snap, text);
          }
        },
      };
    }
    if (!this.opts.partials || !this.keepsUp()) return null;
    for (const t of this.tracks.values()) {
      if (!t.seg.inSpeech || !t.openId) continue;
      const pos = t.seg.position;
      if (pos - t.lastPartialAt < this.opts.partialEveryS * SAMPLE_RATE) continue;
      const snap = t.seg.snapshot();
      if (!snap) continue;
      const id = t.openId;
      t.lastPartialAt = pos;
      t.decodedUpTo = snap.speechEnd;
      this.stats.decodes.partial++;
      return { audio: snap.audio, kind: 'partial', done: (text) => t.openId === id && this.emitPartial(id, t, snap, text) };
    }
    return null;
  }

  /** recent decode times (ms), to skip live partials when the decoder cannot afford them */
  private recent: number[] = [];

  /**
   * Live partials cost a full decode each (Whisper encodes a 30 s window whatever the length), so
   * they run only while decodes are cheap compared with their interval: mean of the last 3 decodes
   * under half of partialEveryS. On a slow or busy machine the finals come first.
   */
  private keepsUp(): boolean {
    if (this.recent.length === 0) return true;
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    return mean < (this.opts.partialEveryS * 1000) / 2;
  }

  private emitPartial(id: string, t: Track, snap: Utterance, text: string): void {
    const clean = cleanText(text);
    if (!clean) return;
    this.onSegment({
      id,
      source: t.source,
      speaker: speakerFor(t.source, this.opts.speakerMode),
      t0: snap.speechStart / SAMPLE_RATE,
      t1: snap.speechEnd / SAMPLE_RATE,
      text: clean,
      final: false,
      latencyMs: null,
    });
  }
}

export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? null;
}
