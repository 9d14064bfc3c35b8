/**
 * The product end to end, headless: one visit through the real extension in Chromium.
 *
 *   npm run demo -- --audio <mic.wav> [--remote <tab.wav>] --out <dir> [--profile <dir>] [--ehr <url>]
 *                   [--policy <values.json>] [--trace <dir>]
 *
 * The mic is Chromium's fake capture device fed --audio; --remote plays in a localhost "call"
 * tab that the extension captures. The visit is driven through the side panel's own buttons
 * (PIN, consent, Start/Stop, Prepare, Send, Approve, Write) and the extension's own messages.
 * Each stage writes its output into --out: capture.json, transcript.json, egress.json (the exact
 * bytes sent, verbatim), note.json, ehr.json, audit.jsonl, summary.json.
 * Headless stand-ins (each documented in README): --auto-accept-camera-and-microphone-capture for
 * the one-time "Allow", --allowlisted-extension-id for the toolbar click that grants tab capture,
 * and a copy of the build whose manifest grants the EHR page's host for the toolbar click that
 * grants activeTab.
 * Any failure: exit 1 with one line naming the stage (never a hang: every stage has a bound).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { activeSpan } from '../extension/lib/audio/stats.ts';
import { launchWithExtension, type Launched } from '../tests/e2e/lib/browser.ts';
import { openPanel, startVisit, stopVisit, waitForSeconds, waitForState } from '../tests/e2e/lib/panel.ts';
import { serveDirs } from '../tests/e2e/lib/serve.ts';
import { openCallTab, restartCall } from '../tests/e2e/lib/call.ts';
import { readWav } from '../tests/e2e/lib/wav.ts';
import { DEV_EXTENSION_ID } from '../extension-id.ts';
import { renderText } from '../shared/notes/render.ts';
import type { Note } from '../shared/api.ts';
import { EXTENSION_DIR } from '../tests/e2e/lib/browser.ts';
import { extensionCopyWithLoopbackGrant } from '../tests/e2e/ehr/drivers.ts';
import { framesOf, readFieldIn } from '../tests/e2e/ehr/insert-harness.ts';
import { startTrace, type Trace } from '../tests/e2e/lib/trace.ts';
import { installManagedPolicy } from '../tests/e2e/lib/policy-file.ts';
import { startApi, type RunningApi } from '../tests/worker/dev-server.ts';

const ROOT = resolve(import.meta.dirname, '..');

class StageError extends Error {
  constructor(readonly stage: string, readonly detail: string) {
    super(`${stage}: ${detail}`);
  }
}

async function bounded<T>(stage: string, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn().catch((e: unknown) => {
        throw e instanceof StageError ? e : new StageError(stage, e instanceof Error ? e.message.split('\n')[0] ?? 'failed' : 'failed');
      }),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new StageError(stage, `timed out after ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface DemoOptions {
  audio: string;
  remote?: string | undefined;
  out: string;
  profile?: string | undefined;
  ehr?: string | undefined;
  /** managed-policy values installed for the run (needs root; removed afterwards) */
  policy?: string | undefined;
  /** save every context's console, the API's log and every HTTP request here */
  trace?: string | undefined;
}

export interface DemoResult {
  ok: boolean;
  stage?: string;
  error?: string;
  outDir: string;
}

async function messageFromPanel(panel: Page, msg: object): Promise<{ ok: boolean; data?: unknown; error?: { code: string } }> {
  return panel.evaluate((m) => chrome.runtime.sendMessage(m), msg) as Promise<{ ok: boolean; data?: unknown; error?: { code: string } }>;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const timings: Record<string, number> = {};
  const summary: Record<string, unknown> = {
    command: 'demo',
    startedAt: new Date().toISOString(),
    inputs: { audio: basename(o.audio), remote: o.remote ? basename(o.remote) : null, ehr: o.ehr ? 'custom' : 'built-in demo EHR' },
    versions: { node: process.version },
  };
  const write = (name: string, data: unknown) => writeFileSync(join(outDir, name), JSON.stringify(data, null, 2) + '\n');
  let l: Launched | undefined;
  let server: Awaited<ReturnType<typeof serveDirs>> | undefined;
  let api: RunningApi | undefined;
  let copy: { dir: string; remove(): void } | undefined;
  let policyFile: { remove(): void } | undefined;
  let trace: Trace | undefined;
  const t = async <T>(stage: string, ms: number, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await bounded(stage, ms, fn);
    } finally {
      timings[stage] = Math.round(performance.now() - t0);
    }
  };
  try {
    const mic = await t('inputs', 10_000, async () => readWav(resolve(o.audio)));
    const remote = o.remote ? readWav(resolve(o.remote)) : null;
    const visitS = Math.max(mic.durationS, remote?.durationS ?? 0);

    server = await t('serve', 10_000, () =>
      serveDirs({
        '/remote/': o.remote ? dirname(resolve(o.remote)) : join(ROOT, 'tests/fixtures/pages'),
        '/ehr/': join(ROOT, 'tests/fixtures/demo-ehr'),
        '/': join(ROOT, 'tests/fixtures/pages'),
      }),
    );
    if (o.policy) {
      const file = resolve(o.policy);
      policyFile = await t('policy', 10_000, async () => {
        let values: unknown;
        try {
          values = JSON.parse(readFileSync(file, 'utf8'));
        } catch {
          throw new Error(`cannot read JSON from ${o.policy}`);
        }
        if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error('the policy file must hold one JSON object of policy keys');
        return installManagedPolicy(values as Record<string, unknown>);
      });
    }
    // The note API on its embedded default (http://127.0.0.1:8787), in workerd.
    api = await t('api', 120_000, () => startApi({ port: 8787, vars: { ALLOWED_ORIGINS: `chrome-extension://${DEV_EXTENSION_ID}` } }));
    const ehrUrl = new URL(o.ehr ?? `${server.url}/ehr/index.html`);
    // Stands in for the clinician's toolbar click on the EHR tab (activeTab): the copy's manifest
    // grants that page's host; the files are the build's own.
    copy = extensionCopyWithLoopbackGrant(EXTENSION_DIR, [`${ehrUrl.protocol}//${ehrUrl.hostname}/*`]);
    const extDir = copy.dir;
    l = await t('launch', 60_000, () =>
      launchWithExtension({ micWav: resolve(o.audio), profileDir: o.profile ? resolve(o.profile) : undefined, allowTabCapture: Boolean(o.remote), extensionDir: extDir }),
    );
    if (o.trace) {
      const dir = resolve(o.trace);
      mkdirSync(dir, { recursive: true });
      const launchedNow = l;
      trace = await t('trace', 30_000, () => startTrace(launchedNow, { dir, api }));
    }
    const launched = l;
    const srv = server;
    summary.versions = { ...(summary.versions as object), browser: launched.context.browser()?.version() ?? null, extensionId: launched.extensionId };

    const ehrPage = await t('ehr-open', 30_000, async () => {
      const p = await launched.context.newPage();
      await p.goto(ehrUrl.href);
      return p;
    });

    // The telehealth call tab plays the remote party; it must be audible to be offered for capture.
    let callTabId: number | undefined;
    let callPage: Page | undefined;
    if (o.remote) {
      const rp = resolve(o.remote);
      const opened = await t('call-tab', 40_000, () => openCallTab(launched, `${srv.url}/call.html?src=/remote/${encodeURIComponent(basename(rp))}`, 30_000));
      callPage = opened.call;
      callTabId = opened.tabId;
    }

    const panel = await t('panel', 30_000, () => openPanel(launched));
    // CAPTURE: Start, wait until the whole visit has been captured, Stop.
    const capture = await t('capture', (visitS + 90) * 1000, async () => {
      await startVisit(panel, { mic: true, ...(callTabId !== undefined ? { tabId: callTabId } : {}) });
      const state = await waitForState(panel, ['recording', 'error'], 30_000);
      if (state !== 'recording') {
        const codes = await panel.locator('[role="alert"][data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
        throw new Error(`capture did not start (${codes.join(', ') || 'no code'})`);
      }
      if (callPage) await restartCall(callPage);
      await waitForSeconds(panel, 'mic', visitS + 0.5, (visitS + 60) * 1000);
      return stopVisit(panel);
    });
    write('capture.json', {
      visitId: capture.visitId,
      sources: capture.sources.map((s) => ({
        source: s.source,
        durationS: s.durationS,
        contentDurationS: activeSpan(s.envelope)?.seconds ?? 0,
        frames: s.frames,
        samples: s.samples,
        sampleRate: s.sampleRate,
        inputSampleRate: s.inputSampleRate,
        envelopeHz: 10,
        envelope: s.envelope,
        ended: s.ended,
        frameLatencyMs: s.latencyMs,
        playbackPeak: s.playbackPeak,
      })),
      errors: capture.errors,
      fileDurationS: { mic: mic.durationS, remote: remote?.durationS ?? null },
    });

    // TRANSCRIPT: the on-device ASR finishes the last utterance after Stop.
    const transcript = await t('transcript', (visitS * 2 + 120) * 1000, async () => {
      for (;;) {
        const r = await messageFromPanel(panel, { target: 'offscreen', cmd: 'asr.transcript' });
        if (!r.ok) throw new Error(`asr.transcript failed (${r.error?.code ?? 'no code'})`);
        const d = r.data as { complete: boolean; status: unknown; stats: unknown; segments: unknown[] };
        if (d.complete) return d;
        await panel.waitForTimeout(500);
      }
    });
    const tstats = (transcript.stats ?? {}) as Record<string, unknown>;
    const tstatus = (transcript.status ?? {}) as Record<string, unknown>;
    write('transcript.json', {
      visitId: capture.visitId,
      backend: tstatus.backend ?? null,
      model: tstatus.model ?? null,
      rtf: tstats.rtf ?? null,
      status: transcript.status,
      stats: transcript.stats,
      segments: transcript.segments,
    });
    summary.backend = tstatus.backend ?? null;

    // REVIEW: the panel opens the stopped visit once its transcript is sealed in the vault.
    const ehrTabId = await launched.serviceWorker.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id ?? -1, ehrUrl.href.split('#')[0]!);
    await t('review', (visitS * 3 + 300) * 1000, async () => {
      await panel.locator('[data-testid="stored-transcript"] li').first().waitFor({ timeout: (visitS * 3 + 300) * 1000 });
      if (ehrTabId >= 0) await panel.getByTestId('ehr-tab').selectOption(String(ehrTabId));
    });

    // EGRESS: the preview is exactly what is sent; the clinician sends it (or drafts on the device).
    const egress = await t('egress', 120_000, async () => {
      await panel.getByRole('button', { name: /Prepare note/ }).click();
      const preview = panel.getByTestId('egress-preview');
      await preview.waitFor({ timeout: 60_000 });
      await panel.getByText('Exact request body').click();
      const body = (await panel.getByTestId('egress-body').textContent()) ?? '';
      const mode = (await preview.getAttribute('data-mode')) ?? 'cloud';
      const placeholders = Number(await preview.getAttribute('data-placeholders'));
      return { body, mode, placeholders, bytes: Buffer.byteLength(body, 'utf8') };
    });
    const note = await t('note', 120_000, async () => {
      await panel.getByRole('button', { name: egress.mode === 'cloud' ? 'Send and make note' : 'Draft on this device' }).click();
      await panel.getByTestId('note').waitFor({ timeout: 90_000 });
      const r = await messageFromPanel(panel, { target: 'offscreen', cmd: 'review.get', visitId: capture.visitId });
      if (!r.ok) throw new Error(`review.get failed (${r.error?.code ?? 'no code'})`);
      return (r.data as { note: { note: Note; mode: string; provider: string; template: string } }).note;
    });
    // the exact bytes that left the device (verbatim), or nothing when the note was made here
    if (note.mode === 'cloud') writeFileSync(join(outDir, 'egress.json'), egress.body);
    else write('egress.json', { sent: false, reason: 'the note was made on this device; nothing left it' });
    summary.egress = { sent: note.mode === 'cloud', bytes: note.mode === 'cloud' ? egress.bytes : 0, placeholders: egress.placeholders, origin: note.mode === 'cloud' ? 'http://127.0.0.1:8787' : null };

    // APPROVE and WRITE into the EHR page through the side panel (the background's insert path).
    const ehr = await t('ehr-write', 120_000, async () => {
      await panel.getByRole('button', { name: 'Approve note' }).click();
      await panel.locator('[data-testid="note"][data-approved="true"]').waitFor({ timeout: 30_000 });
      const r = await messageFromPanel(panel, { target: 'offscreen', cmd: 'review.get', visitId: capture.visitId });
      const approved = (r.data as { note: unknown } | undefined)?.note ?? note;
      write('note.json', { ...(approved as object), text: renderText((approved as { note: Note }).note) });
      if (ehrTabId < 0) throw new Error('the EHR tab was not found');
      const scan = (await panel.evaluate((m) => chrome.runtime.sendMessage(m), { target: 'background', cmd: 'insert.scan', tabId: ehrTabId })) as {
        ok: boolean;
        value?: { fields: Array<{ frameId: number; label: string | null; kind: string | null }>; frames: Array<{ frameId: number; origin: string }> };
      };
      const fields = scan.ok ? (scan.value?.fields ?? []) : [];
      const origins = new Map((scan.value?.frames ?? []).map((f) => [f.frameId, f.origin]));
      const read = async () =>
        Promise.all(
          fields.map(async (f) => {
            if (f.label === null || f.kind === null) return null;
            for (const fr of framesOf(ehrPage, origins.get(f.frameId) ?? '')) {
              const v = await readFieldIn(fr, f.label, f.kind).catch(() => null);
              if (v !== null) return v;
            }
            return null;
          }),
        );
      const before = await read();
      await panel.getByTestId('insert-tab').selectOption(String(ehrTabId));
      await panel.getByRole('button', { name: 'Write note' }).click();
      const result = panel.getByTestId('insert-result');
      await result.waitFor({ timeout: 60_000 });
      const verified = (await result.getAttribute('data-verified')) === 'true';
      const code = await result.getAttribute('data-code');
      const after = await read();
      return {
        verified,
        code: code ?? (verified ? 'ok' : 'not_verified'),
        fields: fields.map((f, i) => ({ frameOrigin: origins.get(f.frameId) ?? null, label: f.label, kind: f.kind, written: before[i] !== after[i], finalValue: after[i] ?? null })),
      };
    });
    write('ehr.json', { url: o.ehr ? 'custom' : 'built-in demo EHR', ...ehr });
    summary.ehr = { verified: ehr.verified, code: ehr.code, fieldsWritten: ehr.fields.filter((f) => f.written).length };

    // AUDIT: the signed export of the chain (who did what, no content).
    await t('audit', 30_000, async () => {
      const r = await messageFromPanel(panel, { target: 'offscreen', cmd: 'audit.export' });
      if (!r.ok) throw new Error(`audit.export failed (${r.error?.code ?? 'no code'})`);
      writeFileSync(join(outDir, 'audit.jsonl'), (r.data as { text: string }).text);
    });
    summary.exit = { ok: true };
    return { ok: true, outDir };
  } catch (e) {
    const err = e instanceof StageError ? e : new StageError('demo', e instanceof Error ? (e.message.split('\n')[0] ?? 'failed') : 'failed');
    summary.exit = { ok: false, stage: err.stage, error: err.detail };
    return { ok: false, stage: err.stage, error: err.detail, outDir };
  } finally {
    if (trace) summary.trace = await trace.stop().then((x) => ({ dir: x.dir, contexts: x.contexts.length, consoleLines: x.consoleLines, requests: x.requests, apiLines: x.apiLines }), () => null);
    summary.timingsMs = timings;
    summary.finishedAt = new Date().toISOString();
    write('summary.json', summary);
    await l?.close().catch(() => undefined);
    copy?.remove();
    policyFile?.remove();
    await api?.stop().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      audio: { type: 'string' },
      remote: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      ehr: { type: 'string' },
      policy: { type: 'string' },
      trace: { type: 'string' },
    },
    strict: true,
  });
  if (!values.audio || !values.out) {
    console.error('usage: npm run demo -- --audio <mic.wav> [--remote <tab.wav>] --out <dir> [--profile <dir>] [--ehr <url>] [--policy <values.json>] [--trace <dir>]');
    process.exit(2);
  }
  if (values.profile) rmSync(resolve(values.profile), { recursive: true, force: true });
  const r = await runDemo({ audio: values.audio, remote: values.remote, out: values.out, profile: values.profile, ehr: values.ehr, policy: values.policy, trace: values.trace });
  if (!r.ok) {
    console.error(`demo: stage ${r.stage} failed: ${r.error}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ ok: true, out: r.outDir, files: ['capture.json', 'transcript.json', 'egress.json', 'note.json', 'ehr.json', 'audit.jsonl', 'summary.json'], ...(values.trace ? { trace: resolve(values.trace) } : {}) }));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) void main();
