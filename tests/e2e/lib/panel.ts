import type { Page } from 'playwright-core';
import type { CaptureSummary } from '../../../shared/messages.ts';
import type { Launched } from './browser.ts';

/**
 * Drives the side panel the way a clinician does (its real buttons), opened as a tab because
 * the side panel itself is not reachable from Playwright (NOTES.md).
 */
export const TEST_PIN = 'synthetic-test-pin-42';

/**
 * Opens the panel and gets past the vault gate the way a clinician does: on a fresh profile it
 * creates the vault with `pin` (typed twice), on a used one it unlocks with it.
 */
export async function openPanel(l: Launched, pin: string = TEST_PIN): Promise<Page> {
  const page = await l.context.newPage();
  await page.goto(`chrome-extension://${l.extensionId}/sidepanel.html`);
  await unlockPanel(page, pin);
  return page;
}

export async function unlockPanel(page: Page, pin: string = TEST_PIN): Promise<void> {
  const start = page.getByRole('button', { name: 'Start visit' });
  const gate = page.getByTestId('vault-gate');
  await Promise.race([start.waitFor({ timeout: 30_000 }), gate.waitFor({ timeout: 30_000 })]);
  if (await gate.isVisible()) {
    const fresh = (await gate.getAttribute('data-initialized')) === 'false';
    await page.getByLabel(fresh ? 'New PIN' : 'PIN', { exact: true }).fill(pin);
    if (fresh) await page.getByLabel('Repeat the PIN').fill(pin);
    await page.getByRole('button', { name: fresh ? 'Create vault' : 'Unlock' }).click();
  }
  await start.waitFor({ timeout: 60_000 });
}

export async function startVisit(page: Page, opts: { mic: boolean; tabId?: number; consent?: boolean }): Promise<void> {
  const consent = page.getByTestId('consent');
  if ((await consent.isChecked()) !== (opts.consent ?? true)) await consent.click();
  const mic = page.getByRole('checkbox', { name: /Microphone/ });
  if ((await mic.isChecked()) !== opts.mic) await mic.click();
  const select = page.getByLabel('Telehealth call audio');
  if (opts.tabId !== undefined) {
    await select.focus(); // refreshes the list of tabs playing audio
    await page.locator(`#tab-source option[value="${opts.tabId}"]`).waitFor({ state: 'attached', timeout: 15_000 });
    await select.selectOption(String(opts.tabId));
  } else await select.selectOption('none');
  await page.getByRole('button', { name: 'Start visit' }).click();
}

export async function captureState(page: Page): Promise<string> {
  return (await page.getByTestId('capture-state').textContent()) ?? '';
}

export async function waitForState(page: Page, states: string[], timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await captureState(page);
    if (states.includes(s)) return s;
    if (Date.now() > end) throw new Error(`capture state stayed "${s}" (wanted ${states.join('|')}; alerts: ${(await alertCodes(page)).join(', ') || 'none'})`);
    await page.waitForTimeout(50);
  }
}

/** Seconds captured so far for a source, as the panel shows it (0 when the source is absent). */
export async function capturedSeconds(page: Page, source: 'mic' | 'tab'): Promise<number> {
  const el = page.getByTestId(`duration-${source}`);
  if ((await el.count()) === 0) return 0;
  return Number((await el.getAttribute('data-seconds')) ?? 0);
}

export async function waitForSeconds(page: Page, source: 'mic' | 'tab', seconds: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await capturedSeconds(page, source)) < seconds) {
    if (Date.now() > end) throw new Error(`capture of ${source} did not reach ${seconds}s`);
    await page.waitForTimeout(40);
  }
}

export async function stopVisit(page: Page): Promise<CaptureSummary> {
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('capture-summary').waitFor({ timeout: 20_000 });
  return summary(page);
}

/** The capture summary, through the extension's own message (as the panel itself fetches it). */
export async function summary(page: Page): Promise<CaptureSummary> {
  const r = (await page.evaluate(() => chrome.runtime.sendMessage({ target: 'background', cmd: 'visit.summary' }))) as {
    ok: boolean;
    data: CaptureSummary;
  };
  if (!r.ok) throw new Error('visit.summary failed');
  return r.data;
}

export async function alertCodes(page: Page): Promise<string[]> {
  return page.locator('[role="alert"][data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code') ?? ''));
}
