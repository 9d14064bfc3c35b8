import browser from 'webextension-polyfill';
import { CodedError, type CommandOf } from '../../../shared/messages.ts';
import { log } from '../log/index.ts';
import { listen, send } from '../messaging/index.ts';
import { VaultClient, installBackgroundVaultHooks, type VaultCommand } from '../vault/index.ts';
import { createInsertHandler } from './ehr.ts';

const OFFSCREEN_PATH = 'offscreen.html';

async function offscreenExists(): Promise<boolean> {
  const url = browser.runtime.getURL(OFFSCREEN_PATH);
  const found = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT], documentUrls: [url] });
  return found.length > 0;
}

/** Create the offscreen document once; it holds capture (and later ASR and the vault key). */
export async function ensureOffscreen(): Promise<void> {
  const url = browser.runtime.getURL(OFFSCREEN_PATH);
  const existing = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT], documentUrls: [url] });
  if (existing.length > 0) return;
  try {
    await chrome.offscreen.createDocument({
      url: OFFSCREEN_PATH,
      reasons: [chrome.offscreen.Reason.USER_MEDIA, chrome.offscreen.Reason.AUDIO_PLAYBACK],
      justification: 'Capture the visit audio and transcribe it on this device.',
    });
  } catch {
    // A concurrent call may have created it between the check and here.
    const again = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT], documentUrls: [url] });
    if (again.length === 0) throw new CodedError('offscreen_failed');
  }
}

function newVisitId(): string {
  return crypto.randomUUID();
}

async function forward(msg: CommandOf<'capture.start' | 'capture.pause' | 'capture.resume' | 'capture.stop' | 'capture.status' | 'capture.summary'>) {
  const reply = await send(msg);
  if (!reply.ok) throw new CodedError(reply.error.code);
  return reply.data;
}

export function startBackground(): void {
  // Vault hooks: screen lock / system idle lock the vault (whose key lives only in the offscreen
  // document); retention purges run on an alarm and at browser start, without any key.
  let recording = false;
  const vault = new VaultClient(async (m: VaultCommand) =>
    // No offscreen document means nothing is unlocked: nothing to lock.
    (await offscreenExists()) ? browser.runtime.sendMessage(m) : { ok: true, value: null },
  );
  installBackgroundVaultHooks({ idle: chrome.idle, alarms: chrome.alarms, runtime: chrome.runtime }, vault, {
    isRecording: () => recording,
    onPurged: (r) => log('info', 'vault.purged', { visits: r.visits, auditEntries: r.auditEntries, corruptRows: r.corruptRows }),
  });

  // The toolbar button opens the side panel (a user gesture, which sidePanel.open requires).
  chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => log('warn', 'sidepanel.behavior_failed'));

  listen('background', {
    'visit.start': async (m) => {
      await ensureOffscreen();
      const r = (await forward({ target: 'offscreen', cmd: 'capture.start', visitId: newVisitId(), mic: m.mic, tabStreamId: m.tabStreamId, playTabAudio: true })) as { state?: string };
      recording = r?.state === 'recording';
      return r;
    },
    'visit.pause': () => forward({ target: 'offscreen', cmd: 'capture.pause' }),
    'visit.resume': () => forward({ target: 'offscreen', cmd: 'capture.resume' }),
    'visit.stop': async () => {
      recording = false;
      return forward({ target: 'offscreen', cmd: 'capture.stop' });
    },
    'visit.status': async () => {
      await ensureOffscreen();
      return forward({ target: 'offscreen', cmd: 'capture.status' });
    },
    'visit.summary': () => forward({ target: 'offscreen', cmd: 'capture.summary' }),
  }, undefined, [createInsertHandler({ vault })]);
}
