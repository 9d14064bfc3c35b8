import browser from 'webextension-polyfill';
import { CaptureSession } from '../audio/capture.ts';
import { emit, listen } from '../messaging/index.ts';

async function measureMemory(): Promise<number | null> {
  // measureUserAgentSpecificMemory needs cross-origin isolation, which this document has.
  const perf = performance as Performance & {
    measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
    memory?: { usedJSHeapSize: number };
  };
  try {
    if (crossOriginIsolated && perf.measureUserAgentSpecificMemory) return (await perf.measureUserAgentSpecificMemory()).bytes;
  } catch {
    /* fall through */
  }
  return perf.memory?.usedJSHeapSize ?? null;
}

/** Wires the offscreen document: capture now, the ASR worker next (issue 4). */
export function startOffscreen(): void {
  const session = new CaptureSession({
    getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
    workletUrl: browser.runtime.getURL('/capture-worklet.js'),
    onStatus: (status) => void emit({ target: 'panel', evt: 'capture.status', status }),
  });
  listen('offscreen', {
    'capture.start': (m) => session.start({ visitId: m.visitId, mic: m.mic, tabStreamId: m.tabStreamId, playTabAudio: m.playTabAudio }),
    'capture.pause': () => session.pause(),
    'capture.resume': () => session.resume(),
    'capture.stop': () => session.stop(),
    'capture.status': () => session.status(),
    'capture.summary': async () => session.summary(await measureMemory()),
  });
}
