import browser from 'webextension-polyfill';
import { CaptureSession } from '../audio/capture.ts';
import { AsrClient } from '../asr/client.ts';
import AsrWorker from '../asr/worker.ts?worker';
import type { AsrConfig } from '../asr/protocol.ts';
import { emit, listen } from '../messaging/index.ts';
import { startVaultHost } from '../vault/index.ts';

/**
 * JS heap of this document (performance.memory). measureUserAgentSpecificMemory would be more
 * complete but resolves only at the next full GC (up to ~20 s), too slow for a button press.
 */
function measureMemory(): number | null {
  const perf = performance as Performance & { memory?: { usedJSHeapSize: number } };
  return perf.memory?.usedJSHeapSize ?? null;
}

/** The ASR defaults (asr.design.md): whisper-base, WebGPU when a real adapter exists else WASM. */
function asrConfig(telehealth: boolean): AsrConfig {
  return {
    model: 'whisper-base',
    baseUrl: browser.runtime.getURL('/'),
    backend: 'auto',
    // telehealth: mic = clinician, tab = remote party; one in-room mic: unlabelled (no diarization)
    speakerMode: telehealth ? 'source' : 'unlabelled',
    partials: true,
    prompt: false,
    vad: 'silero',
  };
}

/** Wires the offscreen document: capture → ASR worker → transcript events. */
export function startOffscreen(): void {
  const asr = new AsrClient({
    // A dedicated module worker (Vite bundles it): Whisper never runs on the capture thread.
    createWorker: () => new AsrWorker({ name: 'asr' }),
    onStatus: (status) => void emit({ target: 'panel', evt: 'asr.status', status }),
    onSegment: (segment) => void emit({ target: 'panel', evt: 'transcript.segment', segment }),
  });
  /** 'done' once every final of the stopped visit is out (asr.transcript callers poll for it) */
  let flushState: 'none' | 'pending' | 'done' = 'none';
  const session = new CaptureSession({
    getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
    workletUrl: browser.runtime.getURL('/capture-worklet.js'),
    onStatus: (status) => void emit({ target: 'panel', evt: 'capture.status', status }),
    onFrames: (source, samples) => asr.frames(source, samples),
  });
  // The vault key lives only here, in this document's memory (vault.design.md).
  const vaultHost = startVaultHost({ broadcast: (e) => void browser.runtime.sendMessage({ ...e, target: 'panel' }).catch(() => undefined) });
  addEventListener('pagehide', () => vaultHost.dispose());
  listen('offscreen', {
    'capture.start': (m) => {
      flushState = 'none';
      asr.begin(asrConfig(m.tabStreamId !== undefined));
      return session.start({ visitId: m.visitId, mic: m.mic, tabStreamId: m.tabStreamId, playTabAudio: m.playTabAudio });
    },
    'capture.pause': () => session.pause(),
    'capture.resume': () => session.resume(),
    'capture.stop': async () => {
      const status = await session.stop();
      // The last utterances are decoded after the stop; asr.transcript says when that is done.
      flushState = 'pending';
      void asr.flush(15 * 60_000).then((ok) => {
        if (flushState === 'pending' && ok) flushState = 'done';
      });
      return status;
    },
    'capture.status': () => session.status(),
    'capture.summary': () => session.summary(measureMemory()),
    'asr.status': async () => ({ status: asr.status, stats: await asr.stats() }),
    'asr.transcript': async () => {
      // Non-blocking: `complete` turns true once the stopped visit's last final is out.
      return { complete: flushState === 'done', status: asr.status, stats: await asr.stats(), segments: asr.transcript() };
    },
  }, undefined, [{ prefix: 'vault.', handle: (raw) => vaultHost.handle(raw) }]);
}
