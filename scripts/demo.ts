/**
 * The product end to end, headless: one visit through the real extension in Chromium.
 *
 *   npm run demo -- --audio <mic.wav> [--remote <tab.wav>] --out <dir> [--profile <dir>] [--ehr <url>]
 *
 * The mic is Chromium's fake capture device fed --audio; --remote plays in a localhost "call"
 * tab that the extension captures. The visit is driven through the side panel's own buttons
 * and the extension's own messages. Each stage writes its output into --out as JSON.
 * Any failure: exit 1 with one line naming the stage (never a hang: every stage has a bound).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { activeSpan } from '../extension/lib/audio/stats.ts';
import { launchWithExtension, type Launched } from '../tests/e2e/lib/browser.ts';
import { openPanel, startVisit, stopVisit, waitForSeconds, waitForState } from '../tests/e2e/lib/panel.ts';
import { serveDirs } from '../tests/e2e/lib/serve.ts';
import { openCallTab, restartCall } from '../tests/e2e/lib/call.ts';
import { readWav } from '../tests/e2e/lib/wav.ts';

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
    l = await t('launch', 60_000, () =>
      launchWithExtension({ micWav: resolve(o.audio), profileDir: o.profile ? resolve(o.profile) : undefined, allowTabCapture: Boolean(o.remote) }),
    );
    const launched = l;
    const srv = server;
    summary.versions = { ...(summary.versions as object), browser: launched.context.browser()?.version() ?? null, extensionId: launched.extensionId };

    const ehrPage = await t('ehr-open', 30_000, async () => {
      const p = await launched.context.newPage();
      await p.goto(o.ehr ?? `${srv.url}/ehr/index.html`);
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
    void ehrPage;
    summary.exit = { ok: true };
    return { ok: true, outDir };
  } catch (e) {
    const err = e instanceof StageError ? e : new StageError('demo', e instanceof Error ? (e.message.split('\n')[0] ?? 'failed') : 'failed');
    summary.exit = { ok: false, stage: err.stage, error: err.detail };
    return { ok: false, stage: err.stage, error: err.detail, outDir };
  } finally {
    summary.timingsMs = timings;
    summary.finishedAt = new Date().toISOString();
    write('summary.json', summary);
    await l?.close().catch(() => undefined);
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
    },
    strict: true,
  });
  if (!values.audio || !values.out) {
    console.error('usage: npm run demo -- --audio <mic.wav> [--remote <tab.wav>] --out <dir> [--profile <dir>] [--ehr <url>]');
    process.exit(2);
  }
  if (values.profile) rmSync(resolve(values.profile), { recursive: true, force: true });
  const r = await runDemo({ audio: values.audio, remote: values.remote, out: values.out, profile: values.profile, ehr: values.ehr });
  if (!r.ok) {
    console.error(`demo: stage ${r.stage} failed: ${r.error}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ ok: true, out: r.outDir, files: ['capture.json', 'transcript.json', 'summary.json'] }));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) void main();
