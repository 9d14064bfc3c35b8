import type { TranscriptSegment } from '../../../shared/transcript.ts';
import type { Source } from '../../../shared/transcript.ts';
import { log } from '../log/index.ts';
import { FromWorker, type AsrConfig, type AsrStats, type AsrStatus, type ToWorker } from './protocol.ts';

/**
 * The offscreen document's handle on the ASR worker: forwards capture frames (transferred, not
 * copied twice), keeps the visit's segments (latest version per id; finals replace partials), and
 * relays status. Bounded: one entry per segment id, text only, no audio.
 */
export interface AsrClientDeps {
  createWorker: () => Worker;
  onStatus: (s: AsrStatus) => void;
  onSegment: (s: TranscriptSegment) => void;
}

export class AsrClient {
  private worker: Worker | null = null;
  private segments = new Map<string, TranscriptSegment>();
  private latencies: number[] = [];
  private seq = 0;
  private waiting = new Map<number, (v: unknown) => void>();
  private last: AsrStatus | null = null;
  private config: AsrConfig | null = null;

  constructor(private readonly deps: AsrClientDeps) {}

  get status(): AsrStatus | null {
    return this.last;
  }

  /** start (or restart) transcription for a new visit; loads the model on first use */
  begin(config: AsrConfig): void {
    this.segments.clear();
    this.latencies = [];
    if (!this.worker || (this.config && this.config.model !== config.model)) {
      this.worker?.terminate();
      this.worker = this.spawn();
      this.config = config;
      this.post({ type: 'init', config });
    } else {
      this.post({ type: 'reset', speakerMode: config.speakerMode });
    }
  }

  frames(source: Source, samples: Float32Array): void {
    if (!this.worker) return;
    const copy = samples.slice(); // the capture may reuse its buffer; ours is transferred
    this.worker.postMessage({ type: 'frames', source, samples: copy } satisfies ToWorker, [copy.buffer]);
  }

  /** close open utterances and wait for every final (bounded by timeoutMs) */
  async flush(timeoutMs = 120_000): Promise<boolean> {
    if (!this.worker) return true;
    const r = await this.request({ type: 'flush', seq: ++this.seq }, timeoutMs);
    return r !== null;
  }

  async stats(timeoutMs = 5_000): Promise<AsrStats | null> {
    if (!this.worker) return null;
    return (await this.request({ type: 'stats', seq: ++this.seq }, timeoutMs)) as AsrStats | null;
  }

  /**
   * the visit's transcript: final segments in time order. A final may be empty (its window's
   * timestamps gave all of that utterance's words to a neighbour): it replaced the partials, and is
   * left out here.
   */
  transcript(): TranscriptSegment[] {
    return [...this.segments.values()].filter((s) => s.final && s.text !== '').sort((a, b) => a.t0 - b.t0 || a.t1 - b.t1);
  }

  /** every segment as last seen (partials included), for a panel that (re)opens mid-visit */
  all(): TranscriptSegment[] {
    return [...this.segments.values()].filter((s) => !s.final || s.text !== '').sort((a, b) => a.t0 - b.t0);
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private request(msg: ToWorker & { seq: number }, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(msg.seq);
        resolve(null);
      }, timeoutMs);
      this.waiting.set(msg.seq, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      this.post(msg);
    });
  }

  private post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  private spawn(): Worker {
    const w = this.deps.createWorker();
    w.onmessage = (ev: MessageEvent<unknown>) => {
      const parsed = FromWorker.safeParse(ev.data);
      if (!parsed.success) {
        log('warn', 'asr.bad_worker_message');
        return;
      }
      const m = parsed.data;
      if (m.type === 'status') {
        this.last = m.status;
        if (m.status.phase === 'error') log('error', 'asr.load_failed', { progress: m.status.progress });
        this.deps.onStatus(m.status);
      } else if (m.type === 'segment') {
        const prev = this.segments.get(m.segment.id);
        if (prev?.final && !m.segment.final) return; // a late partial never replaces a final
        this.segments.set(m.segment.id, m.segment);
        if (m.latencyMs !== null) this.latencies.push(m.latencyMs);
        this.deps.onSegment(m.segment);
      } else {
        const r = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        r?.(m.type === 'stats' ? m.stats : true);
      }
    };
    w.onerror = () => {
      log('error', 'asr.worker_failed');
      const s: AsrStatus = {
        ...(this.last ?? { model: this.config?.model ?? 'whisper-base', backend: null, crossOriginIsolated: false, threads: 0, vad: null, progress: 0, loadMs: null }),
        phase: 'error',
        error: { code: 'worker_failed', file: null },
      } as AsrStatus;
      this.last = s;
      this.deps.onStatus(s);
    };
    return w;
  }
}
