import type { Source, Speaker, TranscriptSegment } from '../../../shared/transcript.ts';
import { repairAcute, repairClinicalTerms, repairDrugNames } from './vocab.ts';
import { repairVitals } from './vitals.ts';
import { Framer, SAMPLE_RATE, Segmenter, type FrameScorer, type SegmenterOptions, type Utterance } from './vad.ts';

/**
 * The ASR scheduler (runs inside the ASR worker; pure enough for vitest with a fake transcriber).
 *
 * Per source: frames → Framer (512) → VAD scorer → Segmenter → utterances. Closed utterances of one
 * source are PACKED into a window (their audio back to back, a short silence between them) until
 * the window holds ~`windowS` of audio or the source pauses for `windowPauseMs`; then the window is
 * decoded once, with timestamps, and each utterance gets the text whose timestamps fall on it. Whisper
 * always encodes a 30 s window, so one decode per window instead of one per utterance divides the
 * encoder passes by the number of utterances in it, and the decoder sees whole sentences in context
 * (no word cut at a VAD boundary, no sentence decoded without the one before it).
 *
 * Live text (a draft of a closed utterance, partials of a long open one) comes from the `live`
 * transcriber (whisper-tiny when loaded, else the final model), one utterance at a time, and only
 * while it keeps up: a window final is never queued behind more than one live decode.
 * A later final replaces the partials of the same segment id in the panel.
 */

/** text with start/end (seconds) inside the decoded audio, from Whisper's timestamp tokens */
export interface TimedText {
  start: number;
  end: number;
  text: string;
}

export interface Transcriber {
  /** one utterance, no timestamps (live drafts and partials) */
  transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string>;
  /** one packed window (≤ 30 s), with timestamps */
  transcribeTimed(audio: Float32Array): Promise<TimedText[]>;
  /** whether the model knows this lower-case word whole (drug-name repair's loose match needs it) */
  isCommonWord?(word: string): boolean;
}

export interface EngineOptions {
  speakerMode: 'source' | 'unlabelled';
  partials: boolean;
  partialEveryS: number;
  segmenter?: Partial<SegmenterOptions>;
  /** packed audio per final decode (Whisper's window is 30 s) */
  windowS?: number;
  /** a pause this long after a source's last utterance closes its window */
  windowPauseMs?: number;
  /** a window is closed once its first utterance has waited this long (latency bound) */
  windowMaxWaitS?: number;
  /**
   * What counts as the pause that closes a window: 'track' — this source is silent; 'conversation'
   * — every source is silent (telehealth: the mic is silent whenever the remote party talks, so a
   * per-track pause closes a window at every turn and decodes each short turn in its own 30 s pass).
   */
  windowPauseScope?: 'track' | 'conversation';
  /**
   * When a window is closed besides the full / pause / wait rules: 'pause' (default) — only by those
   * rules (a window waits for a pause of windowPauseMs; live drafts give the fast text). 'idle' —
   * also as soon as the decoder has nothing to do, so each utterance is decoded the moment it ends
   * (final text ≈ one short decode after the speech; measured ~1.6 WER points worse, asr.design.md).
   */
  windowClose?: 'idle' | 'pause';
  /** with windowClose 'idle': the source must also have been silent this long after its last utterance (default 0) */
  windowIdlePauseMs?: number;
  /** silence put between packed utterances (s), at most the real gap */
  gapS?: number;
  /**
   * Repair misheard drug names in medication talk ("met for min 500 mg" → "metformin 500 mg";
   * vocab.ts), clinical terms Whisper glued or split ("proxysmolatrial" → "paroxysmal atrial",
   * vocab.ts) and a "temp" misheard as "10" among the vitals (vitals.ts). Default true; false is
   * the bench's control.
   */
  drugNames?: boolean;
}

const WINDOW_DEFAULTS = {
  windowS: 28,
  windowPauseMs: 1500,
  windowMaxWaitS: 15,
  gapS: 0.3,
  windowPauseScope: 'track' as 'track' | 'conversation',
  windowClose: 'pause' as 'idle' | 'pause',
  windowIdlePauseMs: 0,
};

export interface SegmentOut extends TranscriptSegment {
  /** end-of-speech → emit latency (finals only), for the stats */
  latencyMs: number | null;
}

export interface EngineStats {
  audioS: Record<Source, number>;
  speechS: number;
  decodeMs: number;
  /** window = final decodes (one per packed window), live = drafts + partials */
  decodes: { window: number; utterances: number; carried: number; recovered: number; draft: number; partial: number; failed: number; finalMs: number; liveMs: number };
  finals: number;
  /** end of speech → final text, per utterance */
  latencyMs: number[];
  /** end of speech → first text covering the whole utterance (draft or final) */
  textLatencyMs: number[];
  /**
   * the subset of textLatencyMs for utterances that had no text yet when the visit stopped: a flush
   * decodes finals only, so theirs is the final's (the clinician sees it as part of the stop)
   */
  textLatencyAtStopMs: number[];
  queue: number;
}

interface Pending {
  id: string;
  utt: Utterance;
  /** wall time at which the utterance's last speech sample had arrived */
  endWall: number | null;
  drafted: boolean;
  /** some text covering the whole utterance has been shown (draft or final) */
  texted: boolean;
  done: boolean;
  /** already moved once to the next window after its decode stopped short */
  carried?: boolean;
}

interface Window {
  items: Pending[];
  /** packed length in samples (audio + gaps) */
  len: number;
}

interface Track {
  source: Source;
  framer: Framer;
  scorer: FrameScorer;
  seg: Segmenter;
  chain: Promise<void>;
  /** id of the utterance in progress */
  openId: string | null;
  lastPartialAt: number;
  window: Window;
  /** (sampleEnd, wallMs) arrivals, for latency: last ~60 s only */
  arrivals: [number, number][];
  samples: number;
  /** wall time (now()) of the last frame this source was in speech */
  lastSpeechWall: number;
}

interface Job {
  kind: 'window' | 'recover' | 'draft' | 'partial';
  audio: Float32Array;
  done: (r: string | TimedText[] | null) => void;
}

/**
 * How often live text is retried after it was found too slow (ms): 10 s at first, doubled after
 * each probe that is still too slow (up to 80 s), back to 10 s once live decodes keep up. Each probe
 * is a whole decode that the next window waits for; on a machine that is always too slow a fixed
 * 10 s probe spent as much decoding on live text as on the finals (asr.design.md, "Live pass").
 */
export const LIVE_PROBE_MS = 10_000;
export const LIVE_PROBE_MAX_MS = 80_000;

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

/** Packs utterances into one buffer; returns it and each utterance's [start, end) in seconds. */
export function pack(utts: readonly Utterance[], gapS: number): { audio: Float32Array; spans: [number, number][] } {
  const gaps = utts.map((u, i) => {
    const prev = utts[i - 1];
    if (!prev) return 0;
    const real = u.startSample - (prev.startSample + prev.audio.length);
    return Math.max(0, Math.min(Math.round(gapS * SAMPLE_RATE), real));
  });
  const total = utts.reduce((a, u, i) => a + u.audio.length + (gaps[i] ?? 0), 0);
  const audio = new Float32Array(total);
  const spans: [number, number][] = [];
  let off = 0;
  utts.forEach((u, i) => {
    off += gaps[i] ?? 0;
    audio.set(u.audio, off);
    spans.push([off / SAMPLE_RATE, (off + u.audio.length) / SAMPLE_RATE]);
    off += u.audio.length;
  });
  return { audio, spans };
}

/** seconds a timed piece and an utterance span share (timestamps may come reversed) */
function overlapS(p: TimedText, [a, b]: readonly [number, number]): number {
  return Math.max(0, Math.min(b, Math.max(p.start, p.end)) - Math.max(a, Math.min(p.start, p.end)));
}

/** utterances shorter than this are not decoded again when a window skipped them (a cough, "mm") */
export const RECOVER_MIN_S = 0.6;
/** an utterance this long (s) that got fewer words per second than SPARSE_WPS lost words in the window decode */
export const SPARSE_MIN_S = 2.5;
export const SPARSE_WPS = 0.6;

/**
 * Utterances a window decode skipped, to decode again one by one:
 * - `fill`: no text assigned and long enough to hold words. A timed piece may still reach into it
 *   (its words split by overlap time gave it none); whether those words were its own is decided
 *   after the re-decode, by `repeatsNeighbours`;
 * - `replace`: text far too sparse for the speech (≥ SPARSE_MIN_S s, < SPARSE_WPS words/s, where
 *   speech runs 2–3.5 words/s): Whisper gave one timed piece over several utterances and left one
 *   out. That utterance and every one sharing a timed piece with it are decoded again and take the
 *   new text, so the few words the split handed it come back to their own utterance.
 */
export function skipped(pieces: readonly TimedText[], spans: readonly [number, number][], durS: readonly number[], texts: readonly string[]): { i: number; mode: 'fill' | 'replace' }[] {
  const hits = pieces.map((p) => spans.flatMap((span, i) => (overlapS(p, span) > 0.05 ? [i] : [])));
  const words = (x: string): number => x.split(/\s+/).filter(Boolean).length;
  const replace = new Set<number>();
  spans.forEach((_, i) => {
    const d = durS[i] ?? 0;
    const t = texts[i] ?? '';
    if (t === '' || d < SPARSE_MIN_S || words(t) >= SPARSE_WPS * d) return;
    replace.add(i);
    for (const h of hits) if (h.includes(i)) for (const j of h) replace.add(j);
  });
  const out: { i: number; mode: 'fill' | 'replace' }[] = [];
  spans.forEach((_, i) => {
    if (replace.has(i)) out.push({ i, mode: 'replace' });
    else if ((texts[i] ?? '') === '' && (durS[i] ?? 0) >= RECOVER_MIN_S) out.push({ i, mode: 'fill' });
  });
  return out;
}

/**
 * Whether a re-decoded utterance only repeats its neighbours' text (Whisper's timestamps were off
 * and its words were already given to the utterance beside it): ≥ 60 % of its words appear there.
 */
export function repeatsNeighbours(text: string, neighbours: readonly string[]): boolean {
  const words = (x: string): string[] => x.toLowerCase().split(/[^a-z0-9']+/).filter(Boolean);
  const mine = words(text);
  if (mine.length === 0) return true;
  const near = new Set(neighbours.flatMap(words));
  return mine.filter((w) => near.has(w)).length >= 0.6 * mine.length;
}

/**
 * Timed text back to utterances. A piece that overlaps one utterance goes to it; a piece that spans
 * several (Whisper's segments are often a few sentences) is split between them by overlap time, at
 * word boundaries, each cut moved to a sentence end within 3 words when there is one. A piece that
 * overlaps none goes to the nearest. Order is kept; an utterance may get ''.
 */
export function assign(pieces: readonly TimedText[], spans: readonly [number, number][]): string[] {
  const out: string[][] = spans.map(() => []);
  for (const p of pieces) {
    const s = Math.min(p.start, p.end);
    const e = Math.max(p.start, p.end);
    const ov = spans.map((span) => overlapS(p, span));
    const hit = ov.flatMap((o, i) => (o > 0.05 ? [i] : []));
    if (hit.length === 0) {
      const mid = (s + e) / 2;
      let best = -1;
      let d = Infinity;
      spans.forEach(([a, b], i) => {
        const di = mid < a ? a - mid : mid > b ? mid - b : 0;
        if (di < d) {
          d = di;
          best = i;
        }
      });
      if (best >= 0) out[best]?.push(p.text);
      continue;
    }
    const words = p.text.split(/\s+/).filter(Boolean);
    const total = hit.reduce((a, i) => a + (ov[i] ?? 0), 0);
    let from = 0;
    let cum = 0;
    hit.forEach((i, k) => {
      cum += ov[i] ?? 0;
      let to = k === hit.length - 1 ? words.length : Math.round((words.length * cum) / total);
      if (k < hit.length - 1) {
        for (let dd = 0; dd <= 3; dd++) {
          if (to - dd > from && /[.?!]$/.test(words[to - dd - 1] ?? '')) {
            to -= dd;
            break;
          }
          if (to + dd < words.length && to + dd > from && /[.?!]$/.test(words[to + dd - 1] ?? '')) {
            to += dd;
            break;
          }
        }
      }
      to = Math.max(from, Math.min(words.length, to));
      if (to > from) out[i]?.push(words.slice(from, to).join(' '));
      from = to;
    });
  }
  return out.map((x) => x.join(' '));
}

export class AsrEngine {
  private tracks = new Map<Source, Track>();
  private windows: { track: Track; items: Pending[] }[] = [];
  /** utterances a window decode skipped, decoded again one by one before the next window */
  private recoveries: Job[] = [];
  private busy = false;
  private stopped = false;
  private flushing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly w: typeof WINDOW_DEFAULTS;
  private readonly live: Transcriber;
  readonly stats: EngineStats = {
    audioS: { mic: 0, tab: 0 },
    speechS: 0,
    decodeMs: 0,
    decodes: { window: 0, utterances: 0, carried: 0, recovered: 0, draft: 0, partial: 0, failed: 0, finalMs: 0, liveMs: 0 },
    finals: 0,
    latencyMs: [],
    textLatencyMs: [],
    textLatencyAtStopMs: [],
    queue: 0,
  };

  constructor(
    private readonly opts: EngineOptions,
    private readonly transcriber: Transcriber,
    private readonly makeScorer: (source: Source) => FrameScorer,
    private readonly onSegment: (s: SegmentOut) => void,
    private readonly now: () => number = () => performance.now(),
    /** live drafts/partials (e.g. whisper-tiny); default: the final transcriber */
    live?: Transcriber,
  ) {
    this.w = {
      windowS: opts.windowS ?? WINDOW_DEFAULTS.windowS,
      windowPauseMs: opts.windowPauseMs ?? WINDOW_DEFAULTS.windowPauseMs,
      windowMaxWaitS: opts.windowMaxWaitS ?? WINDOW_DEFAULTS.windowMaxWaitS,
      gapS: opts.gapS ?? WINDOW_DEFAULTS.gapS,
      windowPauseScope: opts.windowPauseScope ?? WINDOW_DEFAULTS.windowPauseScope,
      windowClose: opts.windowClose ?? WINDOW_DEFAULTS.windowClose,
      windowIdlePauseMs: opts.windowIdlePauseMs ?? WINDOW_DEFAULTS.windowIdlePauseMs,
    };
    this.live = live ?? transcriber;
  }

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
        lastPartialAt: 0,
        window: { items: [], len: 0 },
        arrivals: [],
        samples: 0,
        lastSpeechWall: -Infinity,
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
        if (t.seg.inSpeech) t.lastSpeechWall = this.now();
        this.checkWindow(t);
      }
      this.pump();
    });
    return t.chain;
  }

  /** end of visit: close open utterances and windows, and wait until every final is out */
  async flush(): Promise<void> {
    this.flushing = true;
    for (const t of this.tracks.values()) {
      await t.chain;
      for (const ev of t.seg.flush()) this.onSegEvent(t, ev);
      this.closeWindow(t);
    }
    this.pump();
    await this.idle();
    this.flushing = false;
  }

  stop(): void {
    this.stopped = true;
    this.windows = [];
    this.recoveries = [];
  }

  private idle(): Promise<void> {
    if (!this.busy && this.windows.length === 0 && this.recoveries.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private onSegEvent(t: Track, ev: ReturnType<Segmenter['push']>[number]): void {
    if (ev.type === 'start') {
      t.openId = newId(t.source);
      t.lastPartialAt = ev.speechStart;
    } else if (ev.type === 'end') {
      const id = t.openId ?? newId(t.source);
      const utt = ev.utterance;
      this.stats.speechS += (utt.speechEnd - utt.speechStart) / SAMPLE_RATE;
      t.openId = null;
      const win = t.window;
      const gap = Math.round(this.w.gapS * SAMPLE_RATE);
      if (win.items.length && win.len + gap + utt.audio.length > this.w.windowS * SAMPLE_RATE) this.closeWindow(t);
      win.len += (win.items.length ? gap : 0) + utt.audio.length;
      win.items.push({ id, utt, endWall: this.arrivalOf(t, utt.speechEnd), drafted: false, texted: false, done: false });
      // a window that cannot take another typical utterance is full
      if (utt.capped || win.len >= (this.w.windowS - 3) * SAMPLE_RATE) this.closeWindow(t);
    }
    // 'settle' events are not used: the final comes from the window, live text from drafts
  }

  /** pause / wait checks, once per VAD frame */
  private checkWindow(t: Track): void {
    const win = t.window;
    const last = win.items.at(-1);
    const first = win.items[0];
    if (!last || !first) return;
    const pos = t.seg.position;
    let paused = !t.seg.inSpeech && pos - last.utt.speechEnd >= (this.w.windowPauseMs / 1000) * SAMPLE_RATE;
    if (paused && this.w.windowPauseScope === 'conversation') {
      const now = this.now();
      for (const o of this.tracks.values()) if (o !== t && (o.seg.inSpeech || now - o.lastSpeechWall < this.w.windowPauseMs)) paused = false;
    }
    const waited = pos - first.utt.speechEnd >= this.w.windowMaxWaitS * SAMPLE_RATE;
    if (paused || waited || this.idleCloses(t)) this.closeWindow(t);
  }

  /** windowClose 'idle': the decoder is free, nothing is queued, and this source paused windowIdlePauseMs */
  private idleCloses(t: Track): boolean {
    const last = t.window.items.at(-1);
    if (this.w.windowClose !== 'idle' || this.busy || this.windows.length > 0 || !last) return false;
    return this.w.windowIdlePauseMs === 0 || (!t.seg.inSpeech && t.seg.position - last.utt.speechEnd >= (this.w.windowIdlePauseMs / 1000) * SAMPLE_RATE);
  }

  private closeWindow(t: Track): void {
    if (!t.window.items.length) return;
    this.windows.push({ track: t, items: t.window.items });
    t.window = { items: [], len: 0 };
    this.stats.queue = this.windows.length;
  }

  /**
   * Whisper's text as the transcript shows it: tags dropped, drug names, glued or split clinical
   * terms, "a cute" before a clinical word and a misheard "temp" among the vitals repaired (unless `drugNames` is off: then Whisper's words as they came).
   */
  private tidy(raw: string): string {
    const text = cleanText(raw);
    if (this.opts.drugNames === false) return text;
    const t = this.transcriber;
    const isCommon = t.isCommonWord ? (w: string): boolean => t.isCommonWord?.(w) ?? false : undefined;
    return repairVitals(repairAcute(repairClinicalTerms(repairDrugNames(text, isCommon), isCommon)));
  }

  private emitFinal(t: Track, p: Pending, raw: string): void {
    p.done = true;
    const text = this.tidy(raw);
    // An utterance whose words Whisper's timestamps gave to a neighbour has no text of its own: it
    // is emitted (empty) only to replace a live draft the panel shows; otherwise not at all.
    if (!text && !p.texted) return;
    const latency = p.endWall === null ? null : Math.max(0, this.now() - p.endWall);
    if (latency !== null) {
      this.stats.latencyMs.push(latency);
      if (!p.texted) {
        this.stats.textLatencyMs.push(latency);
        if (this.flushing) this.stats.textLatencyAtStopMs.push(latency);
      }
      if (this.stats.latencyMs.length > 5000) this.stats.latencyMs.splice(0, 1000);
      if (this.stats.textLatencyMs.length > 5000) this.stats.textLatencyMs.splice(0, 1000);
      if (this.stats.textLatencyAtStopMs.length > 1000) this.stats.textLatencyAtStopMs.splice(0, 200);
    }
    this.stats.finals++;
    this.onSegment({
      id: p.id,
      source: t.source,
      speaker: speakerFor(t.source, this.opts.speakerMode),
      t0: p.utt.speechStart / SAMPLE_RATE,
      t1: p.utt.speechEnd / SAMPLE_RATE,
      text,
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
    const run: Promise<string | TimedText[]> =
      job.kind === 'window'
        ? this.transcriber.transcribeTimed(job.audio)
        : job.kind === 'recover'
          ? this.transcriber.transcribe(job.audio, 'final')
          : this.live.transcribe(job.audio, 'partial');
    void run
      .then(
        (r) => job.done(r),
        () => {
          this.stats.decodes.failed++; // counted, never logged with content
          job.done(null);
        },
      )
      .finally(() => {
        const took = this.now() - t0;
        this.stats.decodeMs += took;
        if (job.kind === 'window' || job.kind === 'recover') this.stats.decodes.finalMs += took;
        else {
          this.stats.decodes.liveMs += took;
          // a probe: live text was off when this decode started
          const probe = !this.liveAffordable();
          this.recent.push(took);
          if (this.recent.length > 3) this.recent.shift();
          this.lastLiveAt = this.now();
          // the interval doubles after a probe that was still too slow; the decode that switched
          // live text off leaves it at LIVE_PROBE_MS (the first probe comes 10 s later, not 20)
          if (this.recent.length >= 3) this.probeMs = probe && !this.liveAffordable() ? Math.min(LIVE_PROBE_MAX_MS, this.probeMs * 2) : LIVE_PROBE_MS;
        }
        this.busy = false;
        this.pump();
      });
  }

  private nextJob(): Job | null {
    const rec = this.recoveries.shift();
    if (rec) return rec;
    // With pause-closed windows a draft (a fraction of a window's decode) goes before a queued
    // window: an utterance that closed while a window was decoding gets its first text next, not
    // one window later. Utterances of queued windows are drafted too (oldest first): their final
    // may be a window or two away. Not while flushing (the visit stopped: finals only).
    if (this.w.windowClose === 'pause' && !this.flushing) {
      const d = this.draftJob([...this.windows, ...this.openWindows()]);
      if (d) return d;
    }
    // The decoder is free and nothing is queued: with windowClose 'idle', what has been said is
    // decoded now rather than waiting for a pause (the window holds only closed utterances).
    for (const t of this.tracks.values()) if (this.idleCloses(t)) this.closeWindow(t);
    const w = this.windows.shift();
    this.stats.queue = this.windows.length;
    if (w) {
      const { audio, spans } = pack(
        w.items.map((p) => p.utt),
        this.w.gapS,
      );
      this.stats.decodes.window++;
      this.stats.decodes.utterances += w.items.length;
      return {
        kind: 'window',
        audio,
        done: (r) => {
          const texts = Array.isArray(r) ? assign(r, spans) : w.items.map(() => '');
          // Whisper in timestamp mode may stop before the end of the window (its "seek": the rest
          // belongs to the next window). Utterances after the last timed text that got none are
          // carried, once, to the front of the source's next window instead of being lost.
          const lastEnd = Array.isArray(r) && r.length ? Math.max(...r.map((x) => x.end)) : Infinity;
          let keep = w.items.length;
          while (keep > 0) {
            const p = w.items[keep - 1];
            const span = spans[keep - 1];
            if (!p || !span || p.carried || (texts[keep - 1] ?? '') !== '' || span[0] < lastEnd - 0.5) break;
            keep--;
          }
          const head = w.items.slice(0, keep);
          // Whisper sometimes leaves an utterance out of a packed window (no text for it, or far too few
          // words for its speech: `skipped`). Each such utterance is decoded again on its own, before
          // the next window, and the window's finals go out together, in order, once they are back.
          const missed = Array.isArray(r) ? skipped(r, spans.slice(0, keep), head.map((p) => p.utt.audio.length / SAMPLE_RATE), texts) : [];
          if (missed.length === 0) head.forEach((p, i) => this.emitFinal(w.track, p, texts[i] ?? ''));
          else {
            this.stats.decodes.recovered += missed.length;
            let left = missed.length;
            const redone = new Set(missed.filter((m) => m.mode === 'replace').map((m) => m.i));
            for (const { i, mode } of missed) {
              this.recoveries.push({
                kind: 'recover',
                audio: head[i]?.utt.audio ?? new Float32Array(0),
                done: (x) => {
                  if (typeof x !== 'string' || !cleanText(x)) {
                    /* keep what the window gave */
                  } else if (mode === 'replace') texts[i] = x;
                  // a filled-in utterance must not repeat what a neighbour already says (unless that neighbour is redone too)
                  else if (!repeatsNeighbours(x, [i - 1, i + 1].filter((j) => !redone.has(j)).map((j) => texts[j] ?? ''))) texts[i] = x;
                  if (--left === 0) head.forEach((p, k) => this.emitFinal(w.track, p, texts[k] ?? ''));
                },
              });
            }
          }
          const carry = w.items.slice(keep);
          if (carry.length) {
            this.stats.decodes.carried += carry.length;
            for (const p of carry) p.carried = true;
            const t = w.track;
            const items = [...carry, ...t.window.items];
            const gap = Math.round(this.w.gapS * SAMPLE_RATE);
            t.window = { items, len: items.reduce((a, p, i) => a + p.utt.audio.length + (i ? gap : 0), 0) };
            if (this.flushing || t.window.len >= (this.w.windowS - 3) * SAMPLE_RATE) this.closeWindow(t);
          }
        },
      };
    }
    if (!this.opts.partials || !this.keepsUp()) return null;
    // drafts ('idle' close; pause-closed windows had theirs above): closed utterances waiting in an open window, oldest first
    if (this.w.windowClose === 'idle') {
      const d = this.draftJob(this.openWindows());
      if (d) return d;
    }
    // partials: open utterances with ≥ partialEveryS of new speech
    for (const t of this.tracks.values()) {
      if (!t.seg.inSpeech || !t.openId) continue;
      const pos = t.seg.position;
      if (pos - t.lastPartialAt < this.opts.partialEveryS * SAMPLE_RATE) continue;
      const snap = t.seg.snapshot();
      if (!snap) continue;
      const id = t.openId;
      t.lastPartialAt = pos;
      this.stats.decodes.partial++;
      return {
        kind: 'partial',
        audio: snap.audio,
        done: (r) => {
          if (t.openId !== id || typeof r !== 'string') return;
          const clean = this.tidy(r);
          if (clean) this.emitPartialText(t, id, snap, clean);
        },
      };
    }
    return null;
  }

  /** each source's open window (closed utterances waiting for a pause or a free decoder) */
  private openWindows(): { track: Track; items: Pending[] }[] {
    return [...this.tracks.values()].map((t) => ({ track: t, items: t.window.items }));
  }

  /** a live draft of the first closed utterance in `groups` without one, when live text is on and affordable */
  private draftJob(groups: { track: Track; items: Pending[] }[]): Job | null {
    if (!this.opts.partials || !this.keepsUp()) return null;
    for (const { track: t, items } of groups) {
      const p = items.find((x) => !x.drafted && !x.done);
      if (!p) continue;
      p.drafted = true;
      this.stats.decodes.draft++;
      return {
        kind: 'draft',
        audio: p.utt.audio,
        done: (r) => {
          if (p.done || typeof r !== 'string') return;
          const clean = this.tidy(r);
          if (!clean) return;
          if (p.endWall !== null && !p.texted) this.stats.textLatencyMs.push(Math.max(0, this.now() - p.endWall));
          p.texted = true;
          this.emitPartialText(t, p.id, p.utt, clean);
        },
      };
    }
    return null;
  }

  /** recent live decode times (ms), to skip live text when the decoder cannot afford it */
  private recent: number[] = [];

  /**
   * Live text costs a decode each (Whisper encodes a 30 s window whatever the length), so it runs
   * only while live decodes are cheap compared with the partial interval (the median of the last 3
   * under half of partialEveryS). On a slow or busy machine the finals come first and live text
   * waits. The median, not the mean: one slow decode (a long utterance's draft, a pause of the
   * machine) says nothing about the next, and with the mean one 3.5 s decode among 0.4 s ones kept
   * live text off until it left the last 3, i.e. for three probes (20 + 40 + 80 s).
   */
  private keepsUp(): boolean {
    if (this.liveAffordable()) return true;
    // Too slow so far: probe again now and then (a load spike passes; without a probe `recent`
    // would never change and live text would stay off for the rest of the visit).
    return this.now() - this.lastLiveAt >= this.probeMs;
  }

  private liveAffordable(): boolean {
    const n = this.recent.length;
    if (n === 0) return true;
    // fewer than 3 so far (the start of a visit): their mean
    const typical = n < 3 ? this.recent.reduce((a, b) => a + b, 0) / n : ([...this.recent].sort((a, b) => a - b)[1] ?? 0);
    return typical < (this.opts.partialEveryS * 1000) / 2;
  }

  /** current probe interval (LIVE_PROBE_MS … LIVE_PROBE_MAX_MS) */
  private probeMs = LIVE_PROBE_MS;

  /** when the last live decode finished (now()) */
  private lastLiveAt = -Infinity;

  private emitPartialText(t: Track, id: string, u: Utterance, text: string): void {
    this.onSegment({
      id,
      source: t.source,
      speaker: speakerFor(t.source, this.opts.speakerMode),
      t0: u.speechStart / SAMPLE_RATE,
      t1: u.speechEnd / SAMPLE_RATE,
      text,
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
