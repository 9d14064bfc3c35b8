import { resolvePolicy, type PolicyResolution } from './resolve.ts';

/**
 * The only place that touches chrome.storage.managed. Structural types so that `chrome.storage`,
 * `browser.storage` (webextension-polyfill) and a test fake all fit.
 */
export interface ManagedStorageLike {
  managed: { get(keys?: null): Promise<Record<string, unknown>> };
  onChanged: {
    addListener(cb: (changes: Record<string, unknown>, areaName: string) => void): void;
    removeListener(cb: (changes: Record<string, unknown>, areaName: string) => void): void;
  };
}

export interface PolicyUpdate {
  readonly resolution: PolicyResolution;
  readonly cause: 'initial' | 'changed';
  /** storage.managed could not be read (no schema, not supported): running on defaults. */
  readonly readError: boolean;
}

export interface PolicyWatch {
  /** Resolves with the first resolution (never rejects). */
  readonly ready: Promise<PolicyResolution>;
  current(): PolicyResolution | undefined;
  stop(): void;
}

/**
 * Reads the managed policy now and again whenever it changes (storage.onChanged, areaName
 * 'managed' — Chrome fires it when the admin's policy changes, no browser restart needed).
 * The whole area is re-read on each change rather than applying the diff, and a slower earlier
 * read never overwrites a newer one.
 */
export interface WatchOptions {
  /**
   * Was the extension installed by policy? Pass
   * `() => chrome.management.getSelf().then((s) => s.installType === 'admin')` (no permission needed).
   * A policy-installed extension is treated as managed even when no key arrived.
   */
  adminInstalled?: () => Promise<boolean>;
}

export function watchPolicy(storage: ManagedStorageLike, onChange: (u: PolicyUpdate) => void, opts: WatchOptions = {}): PolicyWatch {
  let latest: PolicyResolution | undefined;
  let admin: Promise<boolean> | undefined;
  const adminInstalled = (): Promise<boolean> => {
    admin ??= (opts.adminInstalled ?? (() => Promise.resolve(false)))().then(
      (v) => v === true,
      () => false,
    );
    return admin;
  };
  let generation = 0;
  let stopped = false;
  let resolveReady: (r: PolicyResolution) => void = () => {};
  const ready = new Promise<PolicyResolution>((r) => (resolveReady = r));

  const load = async (cause: PolicyUpdate['cause']): Promise<void> => {
    const mine = ++generation;
    let raw: unknown = {};
    let readError = false;
    try {
      raw = await storage.managed.get(null);
    } catch {
      readError = true;
    }
    const isAdmin = await adminInstalled();
    if (stopped || mine !== generation) return;
    latest = resolvePolicy(raw, { adminInstalled: isAdmin });
    resolveReady(latest);
    try {
      onChange({ resolution: latest, cause, readError });
    } catch {
      // A listener's failure must not stop later updates.
    }
  };

  const listener = (_changes: Record<string, unknown>, areaName: string): void => {
    if (areaName === 'managed' && !stopped) void load('changed');
  };
  storage.onChanged.addListener(listener);
  void load('initial');

  return {
    ready,
    current: () => latest,
    stop: () => {
      stopped = true;
      storage.onChanged.removeListener(listener);
    },
  };
}
