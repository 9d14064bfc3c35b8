import browser from 'webextension-polyfill';
import { CodedError, type CommandOf } from '../../../shared/messages.ts';
import { log } from '../log/index.ts';
import { listen, send } from '../messaging/index.ts';
import { changedPolicyKeys, watchPolicy, type EffectivePolicy, type PolicyResolution } from '../policy/index.ts';
import { VaultClient, installBackgroundVaultHooks, type BackgroundVaultHooks, type VaultCommand } from '../vault/index.ts';
import { createInsertHandler } from './ehr.ts';
import { HOOK_POLICY_KEYS, vaultSettingsFromPolicy } from '../vault/policy-settings.ts';

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

async function forward(msg: CommandOf<'audit.append' | 'flow.policy' | 'capture.start' | 'capture.pause' | 'capture.resume' | 'capture.stop' | 'capture.status' | 'capture.summary'>) {
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
  /** Audit records the background causes go to the offscreen trail (buffered there while locked). */
  const audit = (m: Omit<CommandOf<'audit.append'>, 'target' | 'cmd'>): void => {
    void (async () => {
      if (!(await offscreenExists())) await ensureOffscreen();
      await send({ target: 'offscreen', cmd: 'audit.append', ...m });
    })().catch(() => log('warn', 'background.audit_failed'));
  };

  // Policy: the service worker reads chrome.storage.managed (live) and hands the effective policy
  // to the offscreen document, which cannot read chrome.storage itself.
  let policy: EffectivePolicy | null = null;
  let hooks: BackgroundVaultHooks | null = null;
  const pushPolicy = async (changed: readonly string[]): Promise<void> => {
    if (policy === null || !(await offscreenExists())) return;
    await send({ target: 'offscreen', cmd: 'flow.policy', policy: { ...policy } as Record<string, unknown>, changed: [...changed] });
  };
  const installHooks = (p: EffectivePolicy): void => {
    hooks?.dispose();
    hooks = installBackgroundVaultHooks({ idle: chrome.idle, alarms: chrome.alarms, runtime: chrome.runtime }, vault, {
      config: vaultSettingsFromPolicy(p),
      isRecording: () => recording,
      onPurged: (r) => {
        log('info', 'vault.purged', { visits: r.visits, auditEntries: r.auditEntries, corruptRows: r.corruptRows });
        if (r.visits > 0) audit({ action: 'visit_expired', outcome: 'ok', code: 'retention', count: r.visits });
      },
    });
  };
  const policyWatch = watchPolicy(chrome.storage as unknown as Parameters<typeof watchPolicy>[0], (u: { resolution: PolicyResolution }) => {
    const prev = policy;
    policy = u.resolution.effective;
    const changed = prev === null ? [] : changedPolicyKeys(prev, policy);
    if (prev === null || changed.some((k) => (HOOK_POLICY_KEYS as readonly string[]).includes(k))) installHooks(policy);
    void pushPolicy(changed).catch(() => log('warn', 'background.policy_push_failed'));
    if (changed.length > 0) log('info', 'policy.changed', { keys: changed.length });
  }, { adminInstalled: async () => (await browser.management?.getSelf?.())?.installType === 'admin' });
  const ready = async (): Promise<EffectivePolicy> => {
    const r = await policyWatch.ready;
    policy ??= r.effective;
    return policy;
  };
  /** The offscreen document, created if needed, always holding the current policy. */
  const offscreen = async (): Promise<void> => {
    const existed = await offscreenExists();
    if (!existed) await ensureOffscreen();
    await ready();
    if (!existed) await pushPolicy([]);
  };

  // The toolbar button opens the side panel (a user gesture, which sidePanel.open requires).
  chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => log('warn', 'sidepanel.behavior_failed'));

  listen('background', {
    'visit.start': async (m) => {
      await offscreen();
      // The offscreen flow creates the visit in the vault (and checks consent against policy).
      const r = (await forward({ target: 'offscreen', cmd: 'capture.start', mic: m.mic, consent: m.consent, ...(m.tabStreamId !== undefined ? { tabStreamId: m.tabStreamId } : {}), playTabAudio: true })) as { state?: string };
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
      await offscreen();
      return forward({ target: 'offscreen', cmd: 'capture.status' });
    },
    'visit.summary': () => forward({ target: 'offscreen', cmd: 'capture.summary' }),
  }, undefined, [
    createInsertHandler({
      vault,
      onAudit: (e) =>
        audit({ action: e.action, outcome: e.outcome, ...(e.visitId ? { visitId: e.visitId } : {}), ...(e.code ? { code: e.code } : {}), ...(e.origin ? { origin: e.origin } : {}) }),
    }),
  ]);
}
