import type { Page } from 'playwright-core';
import type { Launched } from './browser.ts';

/**
 * The telehealth "video call": a localhost page (tests/fixtures/pages/call.html) playing `clipUrl`
 * in a loop until `restartCall` plays it once from the top. A tab is offered for capture only
 * while it is audible, which headless Chromium reports a few seconds after playback starts.
 */
export async function openCallTab(l: Launched, pageUrl: string, timeoutMs = 25_000): Promise<{ call: Page; tabId: number }> {
  const call = await l.context.newPage();
  await call.goto(pageUrl);
  const tabId = (await l.serviceWorker.evaluate(async (ms) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      const [t] = await chrome.tabs.query({ audible: true });
      if (t?.id !== undefined) return t.id;
      await new Promise((r) => setTimeout(r, 100));
    }
    return -1;
  }, timeoutMs)) as number;
  if (tabId < 0) throw new Error('the call tab never became audible');
  return { call, tabId };
}

/** Play the call's clip once from the top (at the visit's start). */
export async function restartCall(call: Page): Promise<void> {
  await call.evaluate(() => (window as unknown as { restartCall: () => Promise<boolean> }).restartCall());
}
