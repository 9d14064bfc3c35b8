import { Resampler, downmix } from './resample.ts';

/** 100 ms of 16 kHz audio per message: small enough for live meters, few enough messages. */
export const CHUNK = 1600;

export interface ChunkMessage {
  seq: number;
  samples: Float32Array;
  sentAt: number;
}

/** Registers the capture processor in an AudioWorkletGlobalScope. */
export function registerCaptureProcessor(): void {
  class CaptureProcessor extends AudioWorkletProcessor {
    private resampler = new Resampler(sampleRate);
    private pending = new Float32Array(CHUNK);
    private fill = 0;
    private seq = 0;
    private paused = false;
    private stopped = false;

    constructor(options?: { processorOptions?: unknown }) {
      super(options);
      this.port.onmessage = (e: MessageEvent) => {
        const d = e.data as { paused?: unknown; stop?: unknown };
        if (typeof d?.paused === 'boolean') this.paused = d.paused;
        if (d?.stop === true) {
          this.flush();
          this.stopped = true;
        }
      };
    }

    private flush(): void {
      if (this.fill === 0) return;
      const out = this.pending.slice(0, this.fill);
      this.port.postMessage({ seq: this.seq++, samples: out, sentAt: Date.now() } satisfies ChunkMessage, [out.buffer]);
      this.fill = 0;
    }

    process(inputs: Float32Array[][]): boolean {
      if (this.stopped) return false;
      const input = inputs[0];
      if (!input || input.length === 0 || this.paused) return true;
      const mono = this.resampler.push(downmix(input));
      let off = 0;
      while (off < mono.length) {
        const n = Math.min(CHUNK - this.fill, mono.length - off);
        this.pending.set(mono.subarray(off, off + n), this.fill);
        this.fill += n;
        off += n;
        if (this.fill === CHUNK) {
          const out = this.pending;
          this.port.postMessage({ seq: this.seq++, samples: out, sentAt: Date.now() } satisfies ChunkMessage, [out.buffer]);
          this.pending = new Float32Array(CHUNK);
          this.fill = 0;
        }
      }
      return true;
    }
  }
  registerProcessor('scribe-capture', CaptureProcessor);
}
