/**
 * Drives the product's insert path the way the side panel does: from an extension page
 * (sidepanel.html opened as a tab, since Playwright cannot reach the real side panel) with the
 * extension's own messages — vault.* to the offscreen document, insert.* to the background.
 * Shared by tests/e2e/insert.e2e.ts and scripts/insert.ts. Reading a field's final value
 * (`readFieldIn`) is harness code: it runs lib/ehr's field discovery as a page script in the
 * frame's main world, so it names fields exactly as the content script does.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { Launched } from '../lib/browser.ts';
import { ROOT } from './fixtures.ts';

export interface VaultAnswer {
  ok: boolean;
  value?: unknown;
  code?: string;
}

export async function vaultCall(panel: Page, cmd: string, body: Record<string, unknown> = {}): Promise<VaultAnswer> {
  return (await panel.evaluate((m) => chrome.runtime.sendMessage(m), { target: 'offscreen', cmd, ...body })) as VaultAnswer;
}

export type InsertAnswer = { ok: true; value: unknown } | { ok: false; code: string };

/** Exactly what the panel sends: `{target: 'background', cmd: 'insert.*', ...}` via runtime.sendMessage. */
export async function insertCall(panel: Page, cmd: string, body: Record<string, unknown>): Promise<InsertAnswer> {
  return (await panel.evaluate((m) => chrome.runtime.sendMessage(m), { target: 'background', cmd, ...body })) as InsertAnswer;
}

/** The extension page, once the background has created the offscreen document (the vault's host). */
export async function openExtensionPage(l: Launched): Promise<Page> {
  const page = await l.context.newPage();
  await page.goto(`chrome-extension://${l.extensionId}/sidepanel.html`);
  for (let i = 0; i < 150; i++) {
    const r = (await page.evaluate(() => chrome.runtime.sendMessage({ target: 'background', cmd: 'visit.status' }))) as { ok?: boolean } | undefined;
    if (r?.ok) {
      const s = await vaultCall(page, 'vault.status');
      if (s.ok) return page;
    }
    await page.waitForTimeout(100);
  }
  throw new Error('the offscreen document (vault host) never answered');
}

/** Set the vault up with `pin` (a fresh profile) or unlock it. */
export async function openVault(panel: Page, pin: string): Promise<void> {
  const s = await vaultCall(panel, 'vault.status');
  const st = s.value as { initialized?: boolean; unlocked?: boolean } | undefined;
  if (!s.ok || st === undefined) throw new Error(`vault.status answered ${s.code ?? 'nothing'}`);
  if (st.unlocked === true) return;
  const r = await vaultCall(panel, st.initialized === true ? 'vault.unlock' : 'vault.setup', { pin });
  if (!r.ok) throw new Error(`vault ${st.initialized === true ? 'unlock' : 'setup'} answered ${r.code ?? '?'}`);
}

/**
 * A visit holding `stored` (a StoredNote). `approve`: approve the visit in the vault first, then
 * store the note with approvedAt set — the order the panel uses.
 */
export async function storeVisit(panel: Page, stored: Record<string, unknown>, approve: boolean): Promise<string> {
  const created = await vaultCall(panel, 'vault.createVisit', { meta: { template: String(stored.template ?? 'soap') } });
  if (!created.ok) throw new Error(`vault.createVisit answered ${created.code ?? '?'}`);
  const visitId = String(created.value);
  if (approve) {
    const a = await vaultCall(panel, 'vault.approveVisit', { visitId });
    if (!a.ok) throw new Error(`vault.approveVisit answered ${a.code ?? '?'}`);
  }
  const p = await vaultCall(panel, 'vault.putNote', { visitId, note: approve ? { ...stored, approvedAt: (stored.approvedAt as number | null) ?? Date.now() } : stored });
  if (!p.ok) throw new Error(`vault.putNote answered ${p.code ?? '?'}`);
  return visitId;
}

/** The Chrome tab id of a page (chrome.tabs.query by URL needs host access: the loopback grant). */
export async function tabIdOf(panel: Page, url: string): Promise<number> {
  const id = await panel.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id ?? null, url.split('#')[0]!);
  if (id === null) throw new Error('tab not found');
  return id;
}

let reader: string | undefined;
/** lib/ehr's discovery as a page script: window.__ehrRead(label, kind) → the field's text. */
async function readerBundle(): Promise<string> {
  if (reader !== undefined) return reader;
  const out = await build({
    stdin: {
      contents: `import { discover } from './extension/lib/ehr/targets.ts';
import { labelsFor } from './extension/lib/ehr/labels.ts';
import { readBack } from './extension/lib/ehr/writers.ts';
window.__ehrRead = (label, kind) => {
  const c = discover(document).find((x) => x.kind === kind && labelsFor(x.el).label === label);
  return c === undefined ? null : readBack(c);
};`,
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'ehr-read.ts',
    },
    bundle: true,
    format: 'iife',
    write: false,
    target: 'chrome116',
    logLevel: 'error',
    absWorkingDir: join(ROOT),
  });
  reader = out.outputFiles[0]!.text;
  return reader;
}

/** The final value of the field the content script named `label` (of `kind`) in `frame`. */
export async function readFieldIn(frame: Frame, label: string, kind: string): Promise<string | null> {
  await frame.evaluate(await readerBundle());
  return frame.evaluate(([l, k]) => (window as unknown as { __ehrRead(a: string, b: string): string | null }).__ehrRead(l, k), [label, kind] as const);
}

/** Frames of `page` whose origin is `origin` (a frame's URL origin, as insert.write reports it). */
export function framesOf(page: Page, origin: string): Frame[] {
  return page.frames().filter((f) => {
    try {
      return new URL(f.url()).origin === origin;
    } catch {
      return false;
    }
  });
}
