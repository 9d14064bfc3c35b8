import { CodedError, type CaptureState, type CaptureStatus, type CaptureSummary, type ErrorCode, type SourceStats } from '../../../shared/messages.ts';
import type { Source } from '../../../shared/transcript.ts';
import { log } from '../log/index.ts';
import type { ChunkMessage } from './processor.ts';
import { SourceMeter } from './stats.ts';

/**
 * One visit's capture, in the offscreen document: the microphone and/or the telehealth tab, each
 * through the capture AudioWorklet (downmix + resample to 16 kHz mono), tagged by source.
 * Frames go to `onFrames` (the ASR stage) and into a bounded meter; a failing source (permission
 * denied, no device, device unplugged, tab closed) is reported by code and never discards what
 * was already captured.
 */
export interface CaptureOptions {
  visitId: string;
  mic: boolean;
  tabStreamId?: string | undefined;
  playTabAudio: boolean;
}

export type FramesListener = (source: Source, samples: Float32Array, offsetSamples: number) => void;

interface Live {
  source: Source;
  stream: MediaStream;
  node: AudioWorkletNode;
  input: MediaStreamAudioSourceNode;
  meter: SourceMeter;
  active: boolean;
  ended: ErrorCode | null;
  inputSampleRate: number;
  /** what reaches the speakers for a played-back tab (proof the call stays audible) */
  monitor: AnalyserNode | null;
  monitorPeak: number;
}

export interface CaptureDeps {
  getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>;
  workletUrl: string;
  onFrames?: FramesListener;
  onStatus?: (s: CaptureStatus) => void;
}

export function mapMediaError(err: unknown, source: Source): ErrorCode {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  if (source === 'tab') return 'tab_capture_failed';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'mic_permission_denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'mic_not_found';
  return 'mic_not_found';
}

export class CaptureSession {
  state: CaptureState = 'idle';
  visitId: string | null = null;
  private ctx: AudioContext | null = null;
  private live: Live[] = [];
  private errors: { code: ErrorCode; source: Source | null }[] = [];
  private statusTimer: ReturnType<typeof setInterval> | null = null;
  private busyMs = 0;

  constructor(private readonly deps: CaptureDeps) {}

  async start(opts: CaptureOptions): Promise<CaptureStatus> {
    if (this.state === 'recording' || this.state === 'paused' || this.state === 'starting') throw new CodedError('already_recording');
    this.reset();
    this.state = 'starting';
    this.visitId = opts.visitId;
    try {
      this.ctx = new AudioContext({ latencyHint: 'interactive' });
      await this.ctx.audioWorklet.addModule(this.deps.workletUrl);
    } catch {
      this.state = 'error';
      this.errors.push({ code: 'audio_context_failed', source: null });
      this.publish();
      return this.status();
    }
    if (opts.mic) {
      await this.open('mic', { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } }, false);
    }
    if (opts.tabStreamId) {
      const constraints = {
        audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: opts.tabStreamId } },
      } as unknown as MediaStreamConstraints; // Chrome's legacy constraint form for tab capture
      await this.open('tab', constraints, opts.playTabAudio);
    }
    this.state = this.live.some((l) => l.active) ? 'recording' : 'error';
    if (this.state === 'recording') {
      this.statusTimer = setInterval(() => this.publish(), 250);
      await this.ctx.resume();
    }
    log('info', 'capture.started', { sources: this.live.length, errors: this.errors.length, inputRate: this.ctx.sampleRate });
    this.publish();
    return this.status();
  }

  private async open(source: Source, constraints: MediaStreamConstraints, playback: boolean): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) return;
    let stream: MediaStream;
    try {
      stream = await this.deps.getUserMedia(constraints);
    } catch (err) {
      const code = mapMediaError(err, source);
      this.errors.push({ code, source });
      log('warn', 'capture.source_failed', {}, code);
      return;
    }
    const input = ctx.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(ctx, 'scribe-capture', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 2, channelCountMode: 'max' });
    const meter = new SourceMeter();
    const entry: Live = { source, stream, node, input, meter, active: true, ended: null, inputSampleRate: ctx.sampleRate, monitor: null, monitorPeak: 0 };
    node.port.onmessage = (e: MessageEvent<ChunkMessage>) => this.onChunk(entry, e.data);
    input.connect(node);
    // The worklet must be pulled by the graph: route it to the destination through a muted gain.
    const sink = ctx.createGain();
    sink.gain.value = 0;
    node.connect(sink).connect(ctx.destination);
    // Capturing a tab mutes it locally; play it back so the clinician still hears the call.
    if (playback) {
      const out = ctx.createGain();
      input.connect(out).connect(ctx.destination);
      entry.monitor = ctx.createAnalyser();
      out.connect(entry.monitor);
    }
    for (const track of stream.getAudioTracks()) {
      track.addEventListener('ended', () => this.sourceEnded(entry));
    }
    this.live.push(entry);
  }

  private onChunk(entry: Live, msg: ChunkMessage): void {
    if (this.state !== 'recording' || !entry.active || !(msg?.samples instanceof Float32Array)) return;
    const t0 = performance.now();
    const offset = entry.meter.samples;
    entry.meter.add(msg.samples, Date.now() - msg.sentAt);
    if (entry.monitor) {
      const buf = new Float32Array(entry.monitor.fftSize);
      entry.monitor.getFloatTimeDomainData(buf);
      for (const v of buf) entry.monitorPeak = Math.max(entry.monitorPeak, Math.abs(v));
    }
    try {
      this.deps.onFrames?.(entry.source, msg.samples, offset);
    } catch {
      log('error', 'capture.frames_listener_failed');
    }
    this.busyMs += performance.now() - t0;
  }

  private sourceEnded(entry: Live): void {
    if (!entry.active) return;
    entry.active = false;
    entry.ended = entry.source === 'mic' ? 'mic_ended' : 'tab_ended';
    this.errors.push({ code: entry.ended, source: entry.source });
    log('warn', 'capture.source_ended', { samples: entry.meter.samples }, entry.ended);
    this.publish();
  }

  pause(): CaptureStatus {
    if (this.state !== 'recording') throw new CodedError('not_recording');
    this.state = 'paused';
    for (const l of this.live) l.node.port.postMessage({ paused: true });
    this.publish();
    return this.status();
  }

  resume(): CaptureStatus {
    if (this.state !== 'paused') throw new CodedError('not_recording');
    for (const l of this.live) l.node.port.postMessage({ paused: false });
    this.state = 'recording';
    this.publish();
    return this.status();
  }

  async stop(): Promise<CaptureSummary> {
    if (this.state !== 'recording' && this.state !== 'paused' && this.state !== 'error') throw new CodedError('not_recording');
    // Ask each worklet for its partial last chunk, then give the messages a moment to land.
    const wasPaused = this.state === 'paused';
    if (!wasPaused) for (const l of this.live) l.node.port.postMessage({ stop: true });
    await new Promise((r) => setTimeout(r, 150));
    this.state = 'stopped';
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    for (const l of this.live) {
      l.input.disconnect();
      l.node.disconnect();
      l.node.port.onmessage = null;
      for (const t of l.stream.getTracks()) t.stop();
      l.active = false;
    }
    await this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    log('info', 'capture.stopped', { sources: this.live.length, samples: this.live.reduce((a, l) => a + l.meter.samples, 0) });
    this.publish();
    return this.summary();
  }

  status(): CaptureStatus {
    return {
      state: this.state,
      visitId: this.visitId,
      sources: this.live.map((l) => ({ source: l.source, level: l.meter.level, durationS: l.meter.samples / 16000, active: l.active })),
      errors: [...this.errors],
    };
  }

  summary(memoryBytes: number | null = null): CaptureSummary {
    const audioS = this.live.reduce((a, l) => a + l.meter.samples / 16000, 0);
    const sources: SourceStats[] = this.live.map((l) => ({
      source: l.source,
      sampleRate: 16000,
      inputSampleRate: l.inputSampleRate,
      frames: l.meter.frames,
      samples: l.meter.samples,
      durationS: l.meter.samples / 16000,
      envelope: [...l.meter.envelope],
      ended: l.ended,
      latencyMs: l.meter.latency(),
      playbackPeak: l.monitor ? l.monitorPeak : null,
    }));
    return {
      visitId: this.visitId,
      sources,
      errors: [...this.errors],
      cpuMsPerAudioS: audioS > 0 ? this.busyMs / audioS : null,
      memoryBytes,
    };
  }

  private publish(): void {
    this.deps.onStatus?.(this.status());
  }

  private reset(): void {
    this.live = [];
    this.errors = [];
    this.busyMs = 0;
    this.visitId = null;
  }
}

