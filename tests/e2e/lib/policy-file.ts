/**
 * The browser's managed-policy file for the pinned extension id (NOTES.md "Managed policy"): what
 * an admin's deployment writes, for the e2e tests and the demo's `--policy <values.json>`.
 *
 *   const p = installManagedPolicy({ providerMode: 'offline-only' });
 *   try { ...launch the browser, run... } finally { p.remove(); }
 *
 * The folder applies to EVERY browser of that kind on the machine and Chromium re-reads it live,
 * so callers keep the file for as short as possible and always remove it. Writing it needs root.
 */
import { basename } from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { DEV_EXTENSION_ID } from '../../../extension-id.ts';
import { findBrowser } from './browser.ts';

/** The managed-policy folder of the browser findBrowser() picks (Linux paths). */
export function managedPolicyDir(browserPath: string = findBrowser()): string {
  const name = basename(browserPath).toLowerCase();
  const path = browserPath.toLowerCase();
  if (name.includes('edge') || path.includes('/microsoft/')) return '/etc/opt/edge/policies/managed';
  if (path.includes('chromium')) return '/etc/chromium/policies/managed';
  if (name.includes('chrome') || path.includes('/google/')) return '/etc/opt/chrome/policies/managed';
  return '/etc/chromium/policies/managed';
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The file's JSON: `{"3rdparty": {"extensions": {"<id>": values}}}`. */
export function policyFileText(values: object, extensionId: string = DEV_EXTENSION_ID): string {
  return JSON.stringify({ '3rdparty': { extensions: { [extensionId]: values } } }, null, 2);
}

export interface InstalledPolicy {
  file: string;
  /** Replace the values (Chromium applies the change live, a few seconds later). */
  update(values: object): void;
  /** Replace the whole file with raw text (e.g. not JSON, to test a malformed file). */
  writeRaw(text: string): void;
  /** Remove the file (idempotent, never throws). */
  remove(): void;
}

/**
 * Writes the managed-policy file for the pinned extension id. `opts.name` names the file (without
 * .json; default `scribe-policy-<pid>`) so several runs do not overwrite each other.
 */
export function installManagedPolicy(values: object, opts: { name?: string; browserPath?: string } = {}): InstalledPolicy {
  const dir = managedPolicyDir(opts.browserPath);
  if (!isRoot()) throw new Error(`the demo --policy option needs root to write ${dir}`);
  const name = (opts.name ?? `scribe-policy-${process.pid}`).replace(/[^A-Za-z0-9._-]/g, '_');
  const file = `${dir}/${name}.json`;
  mkdirSync(dir, { recursive: true });
  // write-then-rename: Chromium's file watcher never sees a half-written file
  const write = (text: string): void => {
    const tmp = `${dir}/../.${name}.tmp`;
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  };
  write(policyFileText(values));
  let removed = false;
  const remove = (): void => {
    removed = true;
    try {
      rmSync(file, { force: true });
      rmSync(`${dir}/../.${name}.tmp`, { force: true });
    } catch {
      // nothing to do
    }
  };
  // a crash or Ctrl-C must not leave the file applying to every browser on the machine
  process.once('exit', remove);
  return {
    file,
    update: (v) => {
      if (!removed) write(policyFileText(v));
    },
    writeRaw: (text) => {
      if (!removed) write(text);
    },
    remove: () => {
      remove();
      process.removeListener('exit', remove);
    },
  };
}

/** True while the file is on disk (for tests that check their own cleanup). */
export function policyFilePresent(file: string): boolean {
  return existsSync(file);
}

function isDescendantOf(pid: number, ancestor: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 64; i++) {
    if (p === ancestor) return true;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/** Pids of Chromium processes with an unpacked extension loaded (other test runs), not ours. */
export function otherExtensionBrowsers(): number[] {
  const r = spawnSync('pgrep', ['-f', 'chromium.*--load-extension'], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid && !isDescendantOf(pid, process.pid));
}

/**
 * A managed-policy file applies to every browser on the machine: wait (polling) until no other
 * extension test browser runs, up to `timeoutMs`. Resolves with what it saw, never rejects.
 */
export async function waitForOtherBrowsers(opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<{ waitedMs: number; stillRunning: number }> {
  const start = Date.now();
  const timeout = opts.timeoutMs ?? 15 * 60_000;
  for (;;) {
    const n = otherExtensionBrowsers().length;
    if (n === 0 || Date.now() - start >= timeout) return { waitedMs: Date.now() - start, stillRunning: n };
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 10_000));
  }
}
