import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type Launched } from './lib/browser.ts';
import { installManagedPolicy, isRoot, waitForOtherBrowsers, type InstalledPolicy } from './lib/policy-file.ts';

/**
 * Managed policy in real Chromium: a policy file (lib/policy-file.ts: /etc/chromium/policies/managed
 * for Debian chromium) for the pinned extension id (needs root; the file applies to every Chromium
 * on the machine, so the test waits for other extension test browsers to finish and removes the
 * file when it ends). Checks what the clinician and the admin see, and that a change applies live
 * without restarting the browser. What each key DOES is in policy-effects.e2e.ts.
 */
describe.skipIf(!isRoot())('managed policy (policy file, real Chromium)', () => {
  let l: Launched;
  let policy: InstalledPolicy | undefined;
  beforeAll(async () => {
    await waitForOtherBrowsers({ timeoutMs: 15 * 60_000 });
    policy = installManagedPolicy({
      idleLockMinutes: 15, // valid
      draftRetentionHours: 99_999, // out of range → safe default, shown
      requireReviewBeforeInsert: false, // never allowed → rejected, shown
      providerMode: 'offline-only',
    }, { name: `scribe-e2e-${process.pid}` });
    l = await launchWithExtension({ micWav: null });
  }, 16 * 60_000);
  afterAll(async () => {
    policy?.remove();
    await l?.close();
  });

  it('options page shows each key, its source, and the rejected values with safe defaults', async () => {
    const page = await l.context.newPage();
    await page.goto(`chrome-extension://${l.extensionId}/options.html`);
    const row = (k: string) => page.locator(`tr[data-key="${k}"]`);
    await row('idleLockMinutes').waitFor();
    await expect.poll(() => row('idleLockMinutes').getAttribute('data-source'), { timeout: 15_000 }).toBe('managed');
    expect(await page.getByTestId('value-idleLockMinutes').textContent()).toBe('15');
    expect(await page.getByTestId('value-providerMode').textContent()).toBe('offline-only');
    expect(await row('draftRetentionHours').getAttribute('data-rejected')).toBe('out_of_range');
    expect(Number(await page.getByTestId('value-draftRetentionHours').textContent())).toBeLessThanOrEqual(24 * 30);
    expect(await row('requireReviewBeforeInsert').getAttribute('data-rejected')).toBe('not_allowed');
    expect(await page.getByTestId('value-requireReviewBeforeInsert').textContent()).toBe('true');
    await expect.poll(() => page.getByTestId('policy-warning').count()).toBe(1);
    // the clinician sees it in the side panel too
    const panel = await l.context.newPage();
    await panel.goto(`chrome-extension://${l.extensionId}/sidepanel.html`);
    await panel.getByTestId('policy-warning').waitFor({ timeout: 15_000 });
  });

  it('a policy change applies live (storage.onChanged), without a browser restart', async () => {
    const page = await l.context.newPage();
    await page.goto(`chrome-extension://${l.extensionId}/options.html`);
    await page.getByTestId('value-idleLockMinutes').waitFor();
    policy!.update({ idleLockMinutes: 7, providerMode: 'cloud' });
    await expect.poll(() => page.getByTestId('value-idleLockMinutes').textContent(), { timeout: 40_000, interval: 500 }).toBe('7');
    await expect.poll(() => page.getByTestId('policy-warning').count(), { timeout: 10_000 }).toBe(0);
  });
});
