import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialog, Page } from 'playwright-core';
import { join } from 'node:path';
import { DEV_EXTENSION_ID } from '../../extension-id.ts';
import { verifyExport } from '../../extension/lib/audit/index.ts';
import { startApi, type RunningApi } from '../worker/dev-server.ts';
import { EXTENSION_DIR, launchWithExtension, type Launched } from './lib/browser.ts';
import { makeClip } from './lib/clip.ts';
import { openPanel, startVisit, stopVisit, waitForSeconds, waitForState } from './lib/panel.ts';
import { serveDirs } from './lib/serve.ts';
import { extensionCopyWithLoopbackGrant } from './ehr/drivers.ts';

/**
 * One whole visit through the product, the way a clinician does it, in real Chromium with the
 * built extension and the note API in workerd (wrangler dev on its default 127.0.0.1:8787):
 * PIN → consent → capture (fake mic fed a synthetic dev visit) → on-device transcript sealed in
 * the vault → egress preview (minimized, highlighted) → send → note with evidence → edit →
 * approve → write into the demo EHR → read back → audit chain with the expected actions.
 *
 * The extension copy grants the loopback EHR origin: a stand-in for the toolbar click that grants
 * activeTab, which headless Chromium cannot make (tests/e2e/ehr/drivers.ts).
 */
const ROOT = join(import.meta.dirname, '../..');
const PATIENT = ['nair', 'walter', 'katarina'];

describe('a visit end to end (capture → vault → minimize → API → review → EHR → audit)', () => {
  let api: RunningApi;
  let server: Awaited<ReturnType<typeof serveDirs>>;
  let ext: { dir: string; remove(): void };
  let l: Launched;
  let panel: Page;
  let ehr: Page;
  let ehrTabId = -1;

  beforeAll(async () => {
    api = await startApi({ port: 8787, vars: { ALLOWED_ORIGINS: `chrome-extension://${DEV_EXTENSION_ID}` } });
    server = await serveDirs({ '/ehr/': join(ROOT, 'tests/fixtures/demo-ehr') });
    ext = extensionCopyWithLoopbackGrant(EXTENSION_DIR);
    // the first 29.2 s of an in-room visit: the patient's name, birthday, a relative's name and
    // the chief complaint are in it (it ends in the pause after the sixth turn)
    const clip = makeClip('a1-001.wav', 0, 29.2);
    l = await launchWithExtension({ micWav: clip.path, extensionDir: ext.dir });
    ehr = await l.context.newPage();
    await ehr.goto(`${server.url}/ehr/index.html`);
    ehrTabId = await l.serviceWorker.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id ?? -1, `${server.url}/ehr/index.html`);
    panel = await openPanel(l);
    await startVisit(panel, { mic: true });
    expect(await waitForState(panel, ['recording', 'error'], 30_000)).toBe('recording');
    await waitForSeconds(panel, 'mic', clip.durationS + 0.5, (clip.durationS + 60) * 1000);
    await stopVisit(panel);
  });
  afterAll(async () => {
    await l?.close();
    ext?.remove();
    await server?.close();
    await api?.stop();
  });

  it('stores the transcript in the vault and opens the visit for review', async () => {
    const items = panel.locator('[data-testid="stored-transcript"] li');
    // the ASR finishes the last utterances after Stop (slow on a loaded 2-core machine)
    await items.first().waitFor({ timeout: 600_000 });
    expect(await items.count()).toBeGreaterThan(1);
    expect(await panel.getByTestId('review').getAttribute('data-state')).toBe('draft');
  }, 620_000);

  it('previews exactly what would be sent: minimized, identifiers highlighted, no patient name', async () => {
    await panel.getByTestId('ehr-tab').selectOption(String(ehrTabId));
    await panel.getByRole('button', { name: /Prepare note/ }).click();
    const preview = panel.getByTestId('egress-preview');
    await preview.waitFor({ timeout: 30_000 });
    expect(await preview.getAttribute('data-mode')).toBe('cloud');
    expect(Number(await preview.getAttribute('data-placeholders'))).toBeGreaterThan(0);
    expect(await preview.locator('mark[data-placeholder]').count()).toBeGreaterThan(0);
    await panel.getByText('Exact request body').click();
    const body = (await panel.getByTestId('egress-body').textContent()) ?? '';
    const req = JSON.parse(body) as { segments: { text: string }[] };
    expect(req.segments.length).toBeGreaterThan(1);
    for (const name of PATIENT) expect(body.toLowerCase()).not.toContain(name);
    expect(body).toMatch(/\[NAME_\d+\]/);
  });

  it('sends the previewed bytes once and shows the note with its evidence', async () => {
    await panel.getByRole('button', { name: 'Send and make note' }).click();
    const note = panel.getByTestId('note');
    await note.waitFor({ timeout: 60_000 });
    expect(await note.getAttribute('data-mode')).toBe('cloud');
    const notes = api.records().filter((r) => r.route === '/v1/notes' || String(r.path ?? '').includes('/v1/notes'));
    expect(notes.filter((r) => r.status === 200).length).toBe(1);
    // every statement carries evidence, and clicking one highlights its segments
    const stmts = note.locator('li[data-evidence]');
    expect(await stmts.count()).toBeGreaterThan(0);
    const first = stmts.first();
    expect(((await first.getAttribute('data-evidence')) ?? '').length).toBeGreaterThan(0);
    await first.locator('button.stmt').click();
    expect(await panel.locator('[data-testid="stored-transcript"] li.hl').count()).toBeGreaterThan(0);
  });

  it('an edit is kept, approval is explicit, and the approved note lands in the EHR field', async () => {
    const note = panel.getByTestId('note');
    await note.getByRole('button', { name: 'Edit statement' }).first().click();
    const box = note.locator('textarea').first();
    await box.fill('Edited by the clinician during review.');
    await note.getByRole('button', { name: 'Done' }).click();
    await note.getByRole('button', { name: 'Approve note' }).click();
    await panel.locator('[data-testid="note"][data-approved="true"]').waitFor({ timeout: 30_000 });

    await panel.getByTestId('insert-tab').selectOption(String(ehrTabId));
    await panel.getByRole('button', { name: 'Write note' }).click();
    const result = panel.getByTestId('insert-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.getAttribute('data-verified')).toBe('true');
    const value = await ehr.locator('#full-note').inputValue();
    expect(value).toContain('Edited by the clinician during review.');
  });

  it('wrong patient: a chart whose banner differs asks before writing; a re-formatted banner of the same patient does not', async () => {
    const dialogs: string[] = [];
    let answer = false;
    const onDialog = (d: Dialog) => {
      dialogs.push(d.message());
      void (answer ? d.accept() : d.dismiss());
    };
    panel.on('dialog', onDialog);
    try {
      const setBanner = (name: string, mrn: string) =>
        ehr.evaluate(
          ([n, m]) => {
            document.querySelector('[data-field="patient-name"]')!.textContent = n!;
            document.querySelector('[data-field="mrn"]')!.textContent = m!;
          },
          [name, mrn],
        );
      const original = { name: (await ehr.locator('[data-field="patient-name"]').textContent()) ?? '', mrn: (await ehr.locator('[data-field="mrn"]').textContent()) ?? '' };
      const write = async () => {
        await ehr.locator('#full-note').fill('');
        await panel.getByRole('button', { name: 'Write note' }).click();
      };
      // another patient's chart: asked, declined → nothing written
      await setBanner('Okafor, Grace', 'MRN-9900112');
      await write();
      await expect.poll(() => dialogs.length, { timeout: 30_000 }).toBe(1);
      expect(dialogs[0]).toMatch(/not the patient/);
      await panel.waitForTimeout(1_000);
      expect(await ehr.locator('#full-note').inputValue()).toBe('');
      // the same patient written differently ("WALTER NAIR" for "Nair, Walter"): no question, written
      const [last, first] = original.name.split(',').map((x) => x.trim());
      await setBanner(`${first} ${last}`.toUpperCase(), ` ${original.mrn} `);
      await write();
      await expect.poll(async () => (await ehr.locator('#full-note').inputValue()).length, { timeout: 30_000 }).toBeGreaterThan(0);
      expect(dialogs.length).toBe(1);
      // another patient again, and the clinician says write anyway: written
      answer = true;
      await setBanner('Okafor, Grace', 'MRN-9900112');
      await write();
      await expect.poll(async () => (await ehr.locator('#full-note').inputValue()).length, { timeout: 30_000 }).toBeGreaterThan(0);
      expect(dialogs.length).toBe(2);
      await setBanner(original.name, original.mrn);
    } finally {
      panel.off('dialog', onDialog);
    }
  });

  it('the audit chain holds the visit in order, verifies, and carries no content', async () => {
    const r = (await panel.evaluate(() => chrome.runtime.sendMessage({ target: 'offscreen', cmd: 'audit.export' }))) as { ok: boolean; data: { text: string } };
    expect(r.ok).toBe(true);
    const v = await verifyExport(r.data.text);
    expect(v.code).toBe('ok');
    const records = r.data.text.split('\n').filter(Boolean).map((x) => JSON.parse(x) as { action?: string; visitId?: string });
    const actions = records.map((x) => x.action).filter(Boolean);
    const order = ['vault_unlocked', 'visit_created', 'consent_attested', 'capture_started', 'capture_stopped', 'transcript_viewed', 'egress_sent', 'note_generated', 'note_edited', 'note_approved', 'note_inserted'];
    let at = -1;
    for (const a of order) {
      const i = actions.indexOf(a, at + 1);
      expect(i, `audit action ${a} after position ${at}`).toBeGreaterThan(at);
      at = i;
    }
    const text = r.data.text.toLowerCase();
    for (const name of PATIENT) expect(text).not.toContain(name);
  });
});
