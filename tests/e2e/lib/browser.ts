import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { DEV_EXTENSION_ID } from '../../../extension-id.ts';

/** The built extension (npm run build). */
export const EXTENSION_DIR = resolve(import.meta.dirname, '../../..', process.env.SCRIBE_OUT_DIR ?? '.output', 'chrome-mv3');

/** Chrome, Chromium or Edge already on the machine; never a downloaded browser. */
export function findBrowser(): string {
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/microsoft-edge',
    '/opt/google/chrome/chrome',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('No Chrome/Chromium/Edge found: run `npm run setup` (installs Debian chromium) or set CHROME_PATH.');
}

export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchOptions {
  /** keep the profile here (inspection after the run); default a temp dir removed on close */
  profileDir?: string | undefined;
  /** feed this WAV to the fake microphone; `null` = no fake device at all */
  micWav?: string | null | undefined;
  /**
   * accept the microphone request (default true), standing in for the clinician's one-time
   * "Allow", with --auto-accept-camera-and-microphone-capture; false leaves the request
   * unanswered, so capture is refused. (--use-fake-ui-for-media-stream is not used: it makes tab
   * capture fail with NotFoundError; CDP permission grants stop working once the allowlist flag
   * below is on.)
   */
  autoGrantMedia?: boolean;
  /**
   * let tabCapture target any tab without a toolbar click on it (--allowlisted-extension-id with
   * the pinned id; NOTES.md), as a clinician's click on the call tab would.
   */
  allowTabCapture?: boolean;
  headless?: boolean;
  args?: string[];
  extensionDir?: string;
}

export interface Launched {
  context: BrowserContext;
  extensionId: string;
  serviceWorker: Worker;
  profileDir: string;
  close: () => Promise<void>;
}

export async function launchWithExtension(opts: LaunchOptions = {}): Promise<Launched> {
  const ext = opts.extensionDir ?? EXTENSION_DIR;
  if (!existsSync(join(ext, 'manifest.json'))) throw new Error(`extension not built at ${ext}: run \`npm run build\``);
  const tempProfile = !opts.profileDir;
  const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), 'scribe-profile-'));
  const media: string[] = [];
  if (opts.micWav !== null) {
    media.push('--use-fake-device-for-media-stream');
    if (opts.micWav) media.push(`--use-file-for-fake-audio-capture=${resolve(opts.micWav)}%noloop`);
  }
  if (opts.autoGrantMedia !== false) media.push('--auto-accept-camera-and-microphone-capture');
  if (opts.allowTabCapture) media.push(`--allowlisted-extension-id=${DEV_EXTENSION_ID}`);
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: findBrowser(),
    headless: opts.headless ?? true,
    // Playwright mutes audio by default, which zeroes captured tab audio (NOTES.md).
    ignoreDefaultArgs: ['--mute-audio'],
    args: [...BASE_ARGS, `--disable-extensions-except=${ext}`, `--load-extension=${ext}`, ...media, ...(opts.args ?? [])],
  });
  let sw = context.serviceWorkers()[0];
  sw ??= await context.waitForEvent('serviceworker', { timeout: 15_000 });
  const extensionId = new URL(sw.url()).host;
  return {
    context,
    extensionId,
    serviceWorker: sw,
    profileDir,
    close: async () => {
      await context.close().catch(() => undefined);
      if (tempProfile) rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
