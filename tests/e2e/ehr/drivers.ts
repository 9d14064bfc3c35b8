/**
 * Two ways to reach the EHR agent in a fixture page, one interface:
 * - `page-script`: lib/ehr bundled and evaluated in each frame (main world) — the library alone;
 * - `extension`: the built extension's content script injected by the service worker with
 *   chrome.scripting.executeScript(allFrames) and addressed with chrome.tabs.sendMessage(frameId)
 *   — the same path the side panel uses.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Frame, Page, Worker } from 'playwright-core';
import { AGENT_BUNDLE, ROOT } from './fixtures.ts';
import { EHR_SCRIPT } from '../../../extension/lib/ehr/client.ts';

export interface FrameRef {
  frame: Frame;
  /** chrome frame id (extension driver) */
  frameId: number;
  url: string;
}

export interface Driver {
  name: 'page-script' | 'extension';
  /** inject into every frame of the page; returns the frames that answer */
  inject(page: Page): Promise<FrameRef[]>;
  send(page: Page, f: FrameRef, msg: unknown): Promise<unknown>;
}

export function pageScriptDriver(): Driver {
  const src = readFileSync(AGENT_BUNDLE, 'utf8');
  return {
    name: 'page-script',
    async inject(page) {
      const out: FrameRef[] = [];
      for (const [i, frame] of page.frames().entries()) {
        await frame.evaluate(src);
        out.push({ frame, frameId: i, url: frame.url() });
      }
      return out;
    },
    send: (_page, f, msg) => f.frame.evaluate((m) => (window as unknown as { __ehr: { handle(x: unknown): Promise<unknown> } }).__ehr.handle(m), msg),
  };
}

/** The extension build to test: EHR_EXT_DIR, else $SCRIBE_OUT_DIR/chrome-mv3, else .output/chrome-mv3 when it has the script, else the private build (wxt.ehr.config.ts). */
export function builtExtensionDir(): string {
  const candidates = [
    process.env.EHR_EXT_DIR,
    process.env.SCRIBE_OUT_DIR ? resolve(ROOT, process.env.SCRIBE_OUT_DIR, 'chrome-mv3') : undefined,
    join(ROOT, '.output/chrome-mv3'),
    '/tmp/scribe-ehr-build/chrome-mv3',
  ];
  for (const c of candidates) {
    if (!c || !existsSync(join(c, EHR_SCRIPT)) || !existsSync(join(c, 'manifest.json'))) continue;
    const built = statSync(join(c, EHR_SCRIPT)).mtimeMs;
    const src = [join(ROOT, 'extension/entrypoints/ehr.content.ts'), ...readdirSync(join(ROOT, 'extension/lib/ehr')).map((f) => join(ROOT, 'extension/lib/ehr', f))];
    if (src.some((f) => statSync(f).mtimeMs > built)) console.warn(`[ehr e2e] ${c} is older than extension/lib/ehr: rebuild to test the current code`);
    return resolve(c);
  }
  throw new Error(`no extension build with ${EHR_SCRIPT}: run \`npx wxt build\` (or \`npx wxt build -c tests/e2e/ehr/wxt.ehr.config.ts\`)`);
}

/**
 * activeTab is granted by a click on the toolbar action, which headless Chromium cannot do. The
 * test loads a copy of the built extension whose manifest also grants the two loopback fixture
 * origins — the same files and the same content script, only the grant differs. Large asset
 * folders are symlinked, not copied. `extraHosts`: more match patterns to grant (the insert CLI
 * grants the --ehr page's host; the insert e2e a second loopback address that policy refuses).
 */
export function extensionCopyWithLoopbackGrant(src: string, extraHosts: readonly string[] = []): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'scribe-ehr-ext-'));
  for (const name of readdirSync(src)) {
    if (name === 'models' || name === 'ort') symlinkSync(join(src, name), join(dir, name));
    else cpSync(join(src, name), join(dir, name), { recursive: true });
  }
  const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as { host_permissions?: string[] };
  manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), 'http://127.0.0.1/*', ...extraHosts])];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function extensionDriver(sw: Worker): Driver {
  return {
    name: 'extension',
    async inject(page) {
      const url = page.url();
      const results = await sw.evaluate(
        async ([u, file]) => {
          const [tab] = await chrome.tabs.query({ url: u });
          if (tab?.id === undefined) throw new Error('tab not found');
          const tabId = tab.id;
          const injected = await chrome.scripting.executeScript({ target: { tabId, allFrames: true }, files: [file] });
          // map frame ids to URLs (the test needs to read each frame's app state)
          const hrefs = await chrome.scripting.executeScript({ target: { tabId, allFrames: true }, func: () => location.href });
          return { tabId, frames: injected.map((r) => ({ frameId: r.frameId, href: hrefs.find((h) => h.frameId === r.frameId)?.result ?? '' })) };
        },
        [url.split('#')[0]!, EHR_SCRIPT] as const,
      );
      (page as unknown as { __tabId: number }).__tabId = results.tabId;
      const out: FrameRef[] = [];
      for (const f of results.frames) {
        const frame = page.frames().find((fr) => fr.url() === f.href && !out.some((o) => o.frame === fr));
        if (frame !== undefined) out.push({ frame, frameId: f.frameId, url: f.href });
      }
      return out;
    },
    send(page, f, msg) {
      const tabId = (page as unknown as { __tabId: number }).__tabId;
      return sw.evaluate(([t, id, m]) => chrome.tabs.sendMessage(t, m, { frameId: id }), [tabId, f.frameId, msg] as const);
    },
  };
}
