/**
 * Shared helpers for the workerd tests. Everything here is synthetic: segment texts carry
 * sentinel words (ZQX…) that exist only to be searched for in logs and error bodies.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { createApp } from '../../worker/src/index.ts';
import type { Env } from '../../worker/src/env.ts';
import type { Deps } from '../../worker/src/types.ts';

export const TOKEN = 'test-token-alpha';
export const RATE_TOKEN = 'test-token-ratelimit';
export const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
export const URL_NOTES = 'https://api.test/v1/notes';

export type TestEnv = Env & { RATE_LIMITER_TIGHT?: RateLimit };
export const baseEnv = env as unknown as TestEnv;

/** A small synthetic visit (placeholders instead of identifiers) with sentinel words in each segment. */
export function visit(extra: Partial<{ template: string; segments: unknown[]; options: unknown; visitId: string }> = {}): Record<string, unknown> {
  return {
    visitId: 'visit-test-1',
    template: 'soap',
    segments: [
      { id: 's1', speaker: 'clinician', t0: 0, t1: 4, text: 'Good morning [NAME_1], what brings you in today? ZQXalpha' },
      { id: 's2', speaker: 'patient', t0: 4, t1: 10, text: 'I have had a dry cough for two weeks and a mild fever. ZQXbravo' },
      { id: 's3', speaker: 'clinician', t0: 10, t1: 15, text: 'Are you taking any medications? ZQXcharlie' },
      { id: 's4', speaker: 'patient', t0: 15, t1: 20, text: 'Lisinopril 10 mg once daily. I am allergic to penicillin. ZQXdelta' },
      { id: 's5', speaker: 'clinician', t0: 20, t1: 30, text: 'Your blood pressure is 128 over 82. This looks like acute bronchitis. Plan: rest, fluids, and follow up in two weeks. ZQXecho' },
    ],
    ...extra,
  };
}

/** Every console method, captured as text, for the no-content assertions. */
export interface LogCapture {
  lines: string[];
  text(): string;
}

export function captureConsole(): LogCapture {
  const cap: LogCapture = { lines: [], text: () => cap.lines.join('\n') };
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  beforeEach(() => {
    cap.lines.length = 0;
    for (const m of methods) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        cap.lines.push(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return cap;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Parsed JSON log records from a capture. */
export function records(cap: LogCapture): Array<Record<string, unknown>> {
  return cap.lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Assert no sentinel or other content string appears in logs (and optionally a response body). */
export function expectNoContent(haystacks: string[], needles: string[]): void {
  for (const h of haystacks) {
    for (const n of needles) {
      if (n.length >= 4) expect(h.includes(n), `content leaked: ${n.slice(0, 12)}…`).toBe(false);
    }
  }
}

export const SENTINELS = ['ZQXalpha', 'ZQXbravo', 'ZQXcharlie', 'ZQXdelta', 'ZQXecho', 'ZQX'];

export interface CallOpts {
  token?: string | null;
  headers?: Record<string, string>;
  env?: { [K in keyof TestEnv]?: TestEnv[K] | undefined };
  deps?: Partial<Deps>;
  method?: string;
  url?: string;
}

/** Send a request through the app inside workerd (same isolate as the test). */
export async function call(body: unknown, opts: CallOpts = {}): Promise<{ res: Response; text: string; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method: opts.method ?? 'POST', headers };
  if (init.method !== 'GET' && init.method !== 'HEAD' && body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const req = new Request(opts.url ?? URL_NOTES, init);
  const app = createApp(opts.deps ?? {});
  const ctx = createExecutionContext();
  const res = await app.fetch(req, { ...baseEnv, ...opts.env }, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { res, text, json };
}

export function errorCode(json: unknown): string | undefined {
  const e = (json as { error?: { code?: string } } | null)?.error;
  return e?.code;
}

/** Deps for retry tests: no real back-off sleeping. */
export const fastDeps: Partial<Deps> = { sleep: async () => {} };

export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}
