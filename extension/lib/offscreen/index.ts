import browser from 'webextension-polyfill';
import { CaptureSession } from '../audio/capture.ts';
import { AsrClient } from '../asr/client.ts';
import AsrWorker from '../asr/worker.ts?worker';
import { liveModelFor, type AsrConfig } from '../asr/protocol.ts';
import { CodedError, type CaptureStatus } from '../../../shared/messages.ts';
import { emit, listen } from '../messaging/index.ts';
import { indexedDbKeyStore, openInstallSigner } from '../audit/index.ts';
import { VAULT_SENDER_PAGES, startVaultHost } from '../vault/index.ts';
import { VisitFlow } from '../visit/flow.ts';

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
    // Live drafts and partials from whisper-tiny beside base (fitted context, no prompt) on machines
    // with 4 GB or more: a draft costs ~0.4 s instead of ~0.8-0.9 s, so live text keeps up while
    // the final windows decode (bench/asr --pace realtime, asr.design.md "Live pass and latency").
    // If tiny does not load, live text comes from base (worker.ts).
    liveModel: liveModelFor((navigator as Navigator & { deviceMemory?: number }).deviceMemory),
    // The clinical-vocabulary prompt (a public top-prescribed list, asr.design.md) is ON.
    // Whole dev set (bench/asr --pace fast, whisper-base, same build and day): WER 14.0% → 12.6%,
    // drug names 10 → 14 of 27 mentions, CPU per audio second unchanged (0.952 both). It used to
    // double the decoding work, most likely through the decoder's attention maps over the prompt
    // (not measured apart), which are no longer fetched (sessions.ts). The canary sweep checks that invented names still reach the minimizer.
    prompt: true,
    vad: 'silero',
  };
}

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Wires the offscreen document: capture → ASR worker → transcript events → vault (lib/visit). */
export function startOffscreen(): void {
  // The vault key lives only here, in this document's memory (vault.design.md).
  const vaultHost = startVaultHost({ broadcast: (e) => void emit({ target: 'panel', evt: 'vault.locked', reason: e.reason }) });
  addEventListener('pagehide', () => vaultHost.dispose());
  const flow = new VisitFlow({
    vault: vaultHost.vault,
    fetch: (input, init) => fetch(input, init),
    openSigner: () => openInstallSigner(indexedDbKeyStore(indexedDB)),
    sha256: sha256Hex,
    // finals that cannot be sealed (disk full) stay queued: the clinician is told, live
    onStorageState: () => void emit({ target: 'panel', evt: 'capture.status', status: withFlowErrors(session.status()) }),
  });
  /** capture status plus the flow's own failure (finals not sealed: storage_failed) */
  const withFlowErrors = (s: CaptureStatus): CaptureStatus => {
    const c = flow.storageError;
    return c === null ? s : { ...s, errors: [...s.errors, { code: c, source: null }] };
  };
  /** the visit being captured (or the last one, until the next start) */
  let visit: { id: string; startedAt: number } | null = null;
  const asr = new AsrClient({
    // A dedicated module worker (Vite bundles it): Whisper never runs on the capture thread.
    createWorker: () => new AsrWorker({ name: 'asr' }),
    onStatus: (status) => void emit({ target: 'panel', evt: 'asr.status', status }),
    onSegment: (segment) => {
      flow.onSegment(visit?.id ?? null, segment);
      void emit({ target: 'panel', evt: 'transcript.segment', segment });
    },
  });
  /** 'done' once every final of the stopped visit is out (asr.transcript callers poll for it) */
  let flushState: 'none' | 'pending' | 'done' = 'none';
  const session = new CaptureSession({
    getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
    workletUrl: browser.runtime.getURL('/capture-worklet.js'),
    onStatus: (status) => void emit({ target: 'panel', evt: 'capture.status', status: withFlowErrors(status) }),
    onFrames: (source, samples) => asr.frames(source, samples),
  });
  // A visit being captured or still being transcribed counts as activity for the idle lock (the
  // clinician is in the visit; system idle is handled the same way in the background). Screen lock
  // and a manual lock still lock at once; finals then wait in memory until the next unlock.
  const keepAlive = setInterval(() => {
    const s = session.status().state;
    if (s === 'recording' || s === 'paused' || s === 'starting' || flushState === 'pending') vaultHost.vault.touch();
  }, 15_000);
  addEventListener('pagehide', () => clearInterval(keepAlive));
  const vaultRoute = async (raw: unknown) => {
    // System idle never locks the vault while a visit is being captured (vault.design.md). The
    // service worker's own "recording" flag is lost when the worker is stopped mid-visit: this
    // document, which holds the capture, decides. (Screen lock still locks.)
    const m = raw as { cmd?: unknown; state?: unknown } | null;
    const capturing = session.status().state === 'recording' || session.status().state === 'paused';
    if (m?.cmd === 'vault.systemIdle' && m.state === 'idle' && capturing) return { ok: true as const, value: null };
    const reply = await vaultHost.handle(raw);
    const cmd = (raw as { cmd?: unknown } | null)?.cmd;
    if (typeof cmd === 'string') await flow.afterVaultCommand(cmd, reply.ok, reply.ok ? undefined : reply.code);
    return reply;
  };
  listen('offscreen', {
    'capture.start': async (m) => {
      if (session.status().state === 'recording' || session.status().state === 'paused') throw new CodedError('already_recording');
      const channel = m.tabStreamId !== undefined ? 'telehealth' : 'in_person';
      const visitId = await flow.beginVisit({ consent: m.consent, channel });
      visit = { id: visitId, startedAt: Date.now() };
      flushState = 'none';
      asr.begin(asrConfig(m.tabStreamId !== undefined));
      return session.start({ visitId, mic: m.mic, tabStreamId: m.tabStreamId, playTabAudio: m.playTabAudio });
    },
    'capture.pause': () => session.pause(),
    'capture.resume': () => session.resume(),
    'capture.stop': async () => {
      const status = await session.stop();
      const v = visit;
      if (v !== null) flow.captureStopped(v.id, { durationMs: Date.now() - v.startedAt });
      // The last utterances are decoded after the stop; asr.transcript says when that is done.
      flushState = 'pending';
      void asr.flush(15 * 60_000).then(async (ok) => {
        if (v !== null) await flow.finishVisit(v.id).catch(() => undefined);
        if (flushState === 'pending' && ok) flushState = 'done';
      });
      return status;
    },
    'capture.status': () => withFlowErrors(session.status()),
    'capture.summary': () => session.summary(measureMemory()),
    'asr.status': async () => ({ status: asr.status, stats: await asr.stats() }),
    'asr.transcript': async () => {
      // Non-blocking: `complete` turns true once the stopped visit's last final is out (and sealed).
      // Finals that failed to seal (disk full) are tried again on each poll.
      if (flow.storageError !== null) await flow.retryPending().catch(() => undefined);
      return { complete: flushState === 'done' && flow.pendingCount() === 0, visitId: visit?.id ?? null, status: asr.status, stats: await asr.stats(), segments: asr.transcript() };
    },
    'flow.policy': (m) => flow.applyPolicy(m.policy, m.changed),
    'review.list': () => flow.list(),
    'review.get': (m) => flow.get(m.visitId),
    'review.prepare': (m) => flow.prepare(m.visitId, m.template, m.banner, m.extraIdentifiers),
    'review.generate': (m) => flow.generate(m.visitId, m.previewId, m.mode),
    'review.save': (m) => flow.save(m.visitId, m.note),
    'review.approve': (m) => flow.approve(m.visitId),
    'review.delete': (m) => flow.delete(m.visitId),
    'review.deleteAll': () => flow.deleteAll(),
    'audit.report': (m) => flow.report(m.visitId),
    'audit.export': () => flow.exportAudit(),
    'audit.append': (m) => flow.auditFromBackground(m),
  }, undefined, [{ prefix: 'vault.', handle: vaultRoute, pages: VAULT_SENDER_PAGES }], {
    // Every command here (capture, ASR, review, audit, vault) comes from the side panel or the
    // service worker; the same two pages the vault allows. Our options and permission pages send
    // none, so they are refused too (threat model X1).
    pages: VAULT_SENDER_PAGES,
  });
}
