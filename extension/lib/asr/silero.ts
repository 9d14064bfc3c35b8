import { VAD_FRAME, type FrameScorer } from './vad.ts';

/**
 * Silero VAD v5 on onnxruntime-web (../shared/models/silero-vad/PROVENANCE.md): input float32
 * [1, 64 + 512] = the last 64 samples of the previous frame then 512 new ones, state float32
 * [2, 1, 128], sr int64 16000; outputs `output` [1, 1] (speech probability) and `stateN`.
 * Without the 64-sample context the model scores speech near 0.
 */
const CONTEXT = 64;

/** The slice of onnxruntime-web this needs (kept structural so tests can pass a fake). */
export interface OrtLike {
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => unknown;
  InferenceSession: {
    create(model: Uint8Array, opts?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
}
export interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
}

export class SileroVad implements FrameScorer {
  readonly kind = 'silero-v5' as const;
  private state = new Float32Array(2 * 128);
  private context = new Float32Array(CONTEXT);
  private readonly sr: unknown;

  private constructor(
    private readonly ort: OrtLike,
    private readonly session: OrtSessionLike,
  ) {
    this.sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  }

  /** `providers`: ['wasm'] in the extension; ['cpu'] under onnxruntime-node (bench --runtime node) */
  static async create(ort: OrtLike, model: Uint8Array, providers: readonly string[] = ['wasm']): Promise<SileroVad> {
    const session = await ort.InferenceSession.create(model, { executionProviders: [...providers], graphOptimizationLevel: 'all' });
    return new SileroVad(ort, session);
  }

  async score(frame: Float32Array): Promise<number> {
    if (frame.length !== VAD_FRAME) throw new RangeError('vad_frame_size');
    const input = new Float32Array(CONTEXT + VAD_FRAME);
    input.set(this.context, 0);
    input.set(frame, CONTEXT);
    this.context = frame.slice(VAD_FRAME - CONTEXT);
    const out = await this.session.run({
      input: new this.ort.Tensor('float32', input, [1, CONTEXT + VAD_FRAME]),
      state: new this.ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.sr,
    });
    const stateN = out.stateN?.data;
    if (stateN instanceof Float32Array) this.state = stateN.slice();
    const p = out.output?.data;
    return p instanceof Float32Array ? (p[0] ?? 0) : 0;
  }

  reset(): void {
    this.state = new Float32Array(2 * 128);
    this.context = new Float32Array(CONTEXT);
  }
}
