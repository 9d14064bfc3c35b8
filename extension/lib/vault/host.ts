/**
 * The vault's chrome.* edges, one function per context. Each takes the browser APIs it uses as
 * parameters (structural types), so entry points stay one line and the logic stays testable
 * with fakes. See vault.design.md for why the key lives in the offscreen document.
 */
import { VaultDb } from '../db/schema.ts';
import type { VaultConfigInput } from './config.ts';
import { VaultConfig } from './config.ts';
import { handleVaultCommand, type VaultClient, type VaultLockedEvent, type VaultReply } from './protocol.ts';
import { purgeExpiredRows, type PurgeResult, type RetentionPolicy } from './retention.ts';
import { Vault, systemClock, type Clock } from './vault.ts';

// ── offscreen document ───────────────────────────────────────────────────────────────────────

export interface VaultHost {
  readonly vault: Vault;
  /** Route every `vault.*` command here (after the messaging layer has classified the sender). */
  handle(raw: unknown): Promise<VaultReply>;
  /** Locks and stops timers (call on pagehide). */
  dispose(): void;
}

/**
 * Creates the one unlocked-capable Vault, in the offscreen document. `broadcast` receives a
 * content-free event on every lock so the side panel and service worker drop what they show.
 */
export function startVaultHost(opts: {
  config?: VaultConfigInput;
  broadcast: (event: VaultLockedEvent) => void;
  clock?: Clock;
  db?: VaultDb;
}): VaultHost {
  const vault = new Vault(opts.db ?? new VaultDb(), opts.clock ?? systemClock, opts.config ?? {});
  vault.onLock((reason) => {
    try {
      opts.broadcast({ cmd: 'vault.locked', reason });
    } catch {
      // a closed panel is not an error
    }
  });
  return { vault, handle: (raw) => handleVaultCommand(vault, raw), dispose: () => vault.dispose() };
}

// ── service worker ───────────────────────────────────────────────────────────────────────────

/** The parts of chrome.idle / chrome.alarms / chrome.runtime the background hooks use. */
export interface IdleApi {
  setDetectionInterval(seconds: number): void;
  onStateChanged: { addListener(cb: (state: 'active' | 'idle' | 'locked') => void): void; removeListener(cb: (state: 'active' | 'idle' | 'locked') => void): void };
}
export interface AlarmsApi {
  create(name: string, info: { periodInMinutes: number; delayInMinutes?: number }): Promise<void> | void;
  onAlarm: { addListener(cb: (alarm: { name: string }) => void): void; removeListener(cb: (alarm: { name: string }) => void): void };
}
export interface StartupApi {
  onStartup: { addListener(cb: () => void): void; removeListener(cb: () => void): void };
}

export const PURGE_ALARM = 'scribe-vault-purge';
/** chrome.idle's smallest detection interval is 15 s. */
export const MIN_IDLE_DETECTION_S = 15;

export interface BackgroundVaultHooks {
  /** Runs a purge now (the alarm calls it; browser start calls it with sweep = true). */
  purgeNow(sweep?: boolean): Promise<PurgeResult | null>;
  dispose(): void;
}

/**
 * Service-worker wiring: chrome.idle → lock (screen lock always; system idle unless a visit is
 * being recorded, see vault.design.md), chrome.alarms + browser start → purge. Purging uses the
 * worker's own Dexie connection: it needs no key, so it runs even while the vault is locked and
 * without waking the offscreen document.
 */
export function installBackgroundVaultHooks(
  apis: { idle: IdleApi; alarms: AlarmsApi; runtime: StartupApi },
  client: Pick<VaultClient, 'systemIdle'>,
  opts: {
    config?: VaultConfigInput;
    /** True while a visit is being captured: system 'idle' then does not lock (screen lock does). */
    isRecording?: () => boolean;
    purgeEveryMinutes?: number;
    db?: VaultDb;
    clock?: Pick<Clock, 'now'>;
    /** Told the counts after each purge (for the content-free logger). */
    onPurged?: (r: PurgeResult) => void;
  } = {},
): BackgroundVaultHooks {
  const parsed = VaultConfig.safeParse(opts.config ?? {});
  const config = parsed.success ? parsed.data : VaultConfig.parse({});
  const policy: RetentionPolicy = config;
  const db = opts.db ?? new VaultDb();
  const clock = opts.clock ?? systemClock;

  apis.idle.setDetectionInterval(Math.max(MIN_IDLE_DETECTION_S, Math.round(config.idleLockMs / 1000)));
  const onIdle = (state: 'active' | 'idle' | 'locked'): void => {
    if (state === 'active') return;
    if (state === 'idle' && opts.isRecording?.()) return;
    // The offscreen document may be closed (then nothing is unlocked): a failure here is fine.
    void client.systemIdle(state).catch(() => undefined);
  };
  apis.idle.onStateChanged.addListener(onIdle);

  const purgeNow = async (sweep = false): Promise<PurgeResult | null> => {
    try {
      const r = await purgeExpiredRows(db, clock.now(), policy, { sweep });
      opts.onPurged?.(r);
      return r;
    } catch {
      return null;
    }
  };
  const onAlarm = (a: { name: string }): void => {
    if (a.name === PURGE_ALARM) void purgeNow();
  };
  // Browser start also sweeps orphans and unparseable rows (a full scan, once per session).
  const onStartup = (): void => void purgeNow(true);
  apis.alarms.onAlarm.addListener(onAlarm);
  apis.runtime.onStartup.addListener(onStartup);
  // chrome.alarms keeps alarms across service-worker restarts; create() with the same name
  // replaces it, so calling this on every worker start is idempotent.
  void Promise.resolve(
    apis.alarms.create(PURGE_ALARM, { periodInMinutes: Math.max(1, opts.purgeEveryMinutes ?? 15), delayInMinutes: 1 }),
  ).catch(() => undefined);

  return {
    purgeNow,
    dispose: () => {
      apis.idle.onStateChanged.removeListener(onIdle);
      apis.alarms.onAlarm.removeListener(onAlarm);
      apis.runtime.onStartup.removeListener(onStartup);
    },
  };
}
