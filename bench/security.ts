/**
 * bench/security — boundary fuzzers in one run (issue #10), printing ONE JSON object.
 *
 *   npm run bench:security [-- --runs 10000]
 *
 * Boundaries, each fed generated malformed input (fast-check, fixed seed unless FC_SEED is set):
 * - messages: for every schema of the Command union (shared/messages.ts) and every vault command
 *   (extension/lib/vault/protocol.ts), `--runs` mutations of a valid message that are invalid by
 *   construction (unknown key, wrong type, missing field, __proto__, non-object, wrong target),
 *   routed through extension/lib/messaging `route` (extension-page sender) and
 *   `handleVaultCommand`; plus the valid message from a content script (must be refused);
 * - policy: `--runs` managed-storage values through extension/lib/policy resolvePolicy; the
 *   effective policy must always pass EffectivePolicySchema, and its log fields carry no content;
 * - api: `--runs` requests (tests/unit/security/api-arbitraries.ts) through the worker app
 *   (createApp, in this Node process: Hono on Fetch-API globals, a stub rate limiter);
 * - injection: the corpus (tests/fixtures/injection) through the app with the extractor, the mock
 *   LLM (echo, obey) and the adversarial model.
 * Counts per boundary: inputs, accepted-invalid, throws, 5xx, echoed content (the sentinel in a
 * reply or a captured log line). Nothing here touches the network.
 */
import fc from 'fast-check';
import { ApiError, NoteRequest, NoteResponse, type TemplateId } from '../shared/api.ts';
import { Command } from '../shared/messages.ts';
import { TEMPLATES } from '../shared/notes/templates.ts';
import { echoes, requestArb, S, toRequest, type FuzzRequest } from '../tests/unit/security/api-arbitraries.ts';
import { adversaryFetch, adversaryReplies, MUST_REFUSE } from '../tests/fixtures/injection/adversary.ts';
import { INJECTION_CORPUS, requestFor } from '../tests/fixtures/injection/corpus.ts';
import { foreignPlaceholders, leaks } from '../tests/fixtures/injection/detect.ts';
import { createMockLlm } from '../tests/fixtures/mock-llm/handler.ts';

const t0 = Date.now();
const argRuns = Number(process.argv[process.argv.indexOf('--runs') + 1]);
const RUNS = process.argv.includes('--runs') && Number.isFinite(argRuns) && argRuns > 0 ? argRuns : 10_000;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261123;

// ---- capture every console line (the extension and worker loggers write there) ----------------
const captured: string[] = [];
const realLog = console.log.bind(console);
for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  console[m] = (...args: unknown[]) => {
    captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
}
const logsEcho = (from: number) => captured.slice(from).some((l) => l.includes(S));

// The messaging module imports webextension-polyfill, which needs an extension runtime to exist.
const SELF = 'benchselfidbenchselfidbenchselfi';
(globalThis as { chrome?: unknown }).chrome = { runtime: { id: SELF, onMessage: { addListener() {}, removeListener() {} }, sendMessage: async () => undefined } };
const { route } = await import('../extension/lib/messaging/index.ts');
const { VAULT_COMMAND_SCHEMAS, handleVaultCommand } = await import('../extension/lib/vault/protocol.ts');
const { resolvePolicy, policyLogFields, EffectivePolicySchema, POLICY_KEYS } = await import('../extension/lib/policy/index.ts');
const { createApp } = await import('../worker/src/app.ts');
const { setLogSink } = await import('../worker/src/log.ts');
setLogSink((line) => captured.push(line));

interface Boundary {
  inputs: number;
  acceptedInvalid: number;
  throws: number;
  echoed: number;
  [k: string]: number | Record<string, number>;
}
const boundary = (): Boundary => ({ inputs: 0, acceptedInvalid: 0, throws: 0, echoed: 0 });

// ---- 1. messages ----------------------------------------------------------------------------------

type Shape = Record<string, { safeParse(v: unknown): { success: boolean } }>;
type ObjSchema = { shape: Shape; safeParse(v: unknown): { success: boolean } };

/** A valid value for one field, by name (the protocols use few field names). */
const VALID_FIELD: Record<string, unknown> = {
  mic: true,
  visitId: 'visit_abcdef12',
  tabStreamId: 'abcdefgh12345678',
  tabId: 7,
  playTabAudio: true,
  pin: '123456',
  oldPin: '123456',
  newPin: '654321',
  state: 'idle',
  meta: { k: 1 },
  segment: { id: 's1', source: 'mic', speaker: 'clinician', t0: 0, t1: 1, text: 'hello', final: true },
  note: { sections: [] },
  map: { '[NAME_1]': 'x' },
  event: { code: 'visit.created' },
  policy: {},
  changed: [],
  template: 'soap',
  previewId: '0'.repeat(64),
  mode: 'device',
  action: 'note_inserted',
  outcome: 'ok',
};

function validFor(schema: ObjSchema): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema.shape)) {
    const lit = (f as unknown as { def?: { type?: string; values?: unknown[] } }).def;
    if (lit?.type === 'literal' && lit.values) out[k] = lit.values[0];
    else if (k in VALID_FIELD) out[k] = VALID_FIELD[k];
    else if (k === 'confirm') out[k] = undefined;
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  if (schema.safeParse(out).success) return out;
  // confirm literals and the like: try the literal of the field
  return null;
}

const sentinelValue = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => `${S}${s}`),
  fc.integer().map((n) => [S, n]),
  fc.constant({ [S]: S }),
  fc.constant(null),
  fc.double(),
  fc.boolean().map((b) => (b ? [S] : { s: S })),
);

/** Mutations of a valid message, each invalid by construction. */
function invalidMessages(base: Record<string, unknown>, schema: ObjSchema, otherTarget: string): fc.Arbitrary<unknown> {
  // JSON-content fields (meta, note, map) accept any JSON value, so a type change is not invalid there.
  const fields = Object.keys(base).filter((k) => k !== 'target' && k !== 'cmd' && !['meta', 'note', 'map'].includes(k));
  const required = Object.keys(schema.shape).filter((k) => !schema.shape[k]!.safeParse(undefined).success && k !== 'target' && k !== 'cmd');
  const arbs: fc.Arbitrary<unknown>[] = [
    // unknown key (strict objects)
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), sentinelValue).map(([k, v]) => ({ ...base, [`${S}${k}`]: v })),
    // __proto__ as an own key, as JSON.parse makes it
    sentinelValue.map((v) => JSON.parse(`{"__proto__":${JSON.stringify(v ?? null)},${JSON.stringify(base).slice(1)}`) as unknown),
    // cmd replaced by an unknown name
    fc.string({ maxLength: 12 }).map((s) => ({ ...base, cmd: `${String(base.cmd)}.${S}${s}` })),
    // whole message replaced by a non-object that still looks addressed
    sentinelValue.map((v) => [base, v]),
  ];
  if (fields.length > 0) {
    // a field of a different JS type than the valid one (never valid for these schemas)
    arbs.push(
      fc.tuple(fc.constantFrom(...fields), sentinelValue).filter(([k, v]) => typeof v !== typeof base[k] || Array.isArray(v) !== Array.isArray(base[k]) || (v === null) !== (base[k] === null)).map(([k, v]) => ({ ...base, [k]: v })),
    );
  }
  if (required.length > 0) arbs.push(fc.constantFrom(...required).map((k) => Object.fromEntries(Object.entries(base).filter(([x]) => x !== k))));
  void otherTarget;
  return fc.oneof(...arbs);
}

async function fuzzMessages(): Promise<{ commands: Boundary; vault: Boundary; schemas: number; contentScriptAccepted: number; validAccepted: number; validTotal: number; unbuildable: string[] }> {
  const commands = boundary();
  const vault = boundary();
  let contentScriptAccepted = 0;
  let validAccepted = 0;
  let validTotal = 0;
  const unbuildable: string[] = [];
  const page = { id: SELF, url: `chrome-extension://${SELF}/sidepanel.html` };
  const contentScript = { id: SELF, url: 'https://ehr.example/chart', tab: { id: 3 } };

  // Command union: every handler records that it ran.
  let ran = 0;
  const names = (Command.options as unknown as ObjSchema[]).map((o) => (o.shape.cmd as unknown as { def: { values: string[] } }).def.values[0]!);
  const handlers = Object.fromEntries(names.map((n) => [n, () => (ran++, null)]));
  for (const schema of Command.options as unknown as ObjSchema[]) {
    const base = validFor(schema);
    const name = (schema.shape.cmd as unknown as { def: { values: string[] } }).def.values[0]!;
    if (!base) {
      unbuildable.push(name);
      continue;
    }
    const target = String(base.target);
    validTotal++;
    ran = 0;
    const okReply = await route(target as 'background', handlers, base, page, SELF);
    if (okReply?.ok && ran === 1) validAccepted++;
    const csReply = await route(target as 'background', handlers, base, contentScript, SELF);
    if (csReply?.ok) contentScriptAccepted++;
    for (const raw of fc.sample(invalidMessages(base, schema, target), { numRuns: RUNS, seed: SEED })) {
      commands.inputs++;
      const before = captured.length;
      ran = 0;
      try {
        const r = await route(target as 'background', handlers, raw, page, SELF);
        if (ran > 0 || r?.ok) commands.acceptedInvalid++;
        if (r !== undefined && JSON.stringify(r).includes(S)) commands.echoed++;
      } catch {
        commands.throws++;
      }
      if (logsEcho(before)) commands.echoed++;
    }
  }

  // Vault commands: a fake vault whose every method records that it ran.
  let vaultRan = 0;
  const fakeVault = new Proxy({}, { get: () => async () => (vaultRan++, null) }) as Parameters<typeof handleVaultCommand>[0];
  for (const schema of VAULT_COMMAND_SCHEMAS as unknown as ObjSchema[]) {
    let base = validFor(schema);
    const name = (schema.shape.cmd as unknown as { def: { values: string[] } }).def.values[0]!;
    if (!base && 'confirm' in schema.shape) {
      const lit = (schema.shape.confirm as unknown as { def: { values: string[] } }).def.values[0];
      const b = { ...(validFor({ ...schema, shape: Object.fromEntries(Object.entries(schema.shape).filter(([k]) => k !== 'confirm')) } as ObjSchema) ?? { target: 'offscreen', cmd: name }), confirm: lit };
      base = schema.safeParse(b).success ? b : null;
    }
    if (!base) {
      unbuildable.push(name);
      continue;
    }
    validTotal++;
    vaultRan = 0;
    const ok = await handleVaultCommand(fakeVault, base);
    if (ok.ok && vaultRan === 1) validAccepted++;
    for (const raw of fc.sample(invalidMessages(base, schema, 'background'), { numRuns: RUNS, seed: SEED })) {
      vault.inputs++;
      const before = captured.length;
      vaultRan = 0;
      try {
        const r = await handleVaultCommand(fakeVault, raw);
        if (vaultRan > 0 || r.ok) vault.acceptedInvalid++;
        if (JSON.stringify(r).includes(S)) vault.echoed++;
      } catch {
        vault.throws++;
      }
      if (logsEcho(before)) vault.echoed++;
    }
  }
  return { commands, vault, schemas: validTotal, contentScriptAccepted, validAccepted, validTotal, unbuildable };
}

/**
 * Negative control: the same generators against a router that does not parse (calls the handler
 * for anything with a known cmd). The count must be high, or the fuzzer could not see a failure.
 */
function selfCheck(): number {
  const schema = (Command.options as unknown as ObjSchema[]).find((o) => validFor(o) && Object.keys(o.shape).length > 2);
  const base = schema ? validFor(schema) : null;
  if (!schema || !base) return -1;
  let accepted = 0;
  for (const raw of fc.sample(invalidMessages(base, schema, 'background'), { numRuns: 1_000, seed: SEED })) {
    const cmd = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { cmd?: unknown }).cmd : undefined;
    if (cmd === base.cmd) accepted++;
  }
  return accepted;
}

// ---- 2. policy ------------------------------------------------------------------------------------

function fuzzPolicy(): Boundary {
  const b = boundary();
  const keyed = fc.dictionary(fc.constantFrom(...POLICY_KEYS, '__proto__', `${S}key`), fc.oneof(fc.anything(), fc.string().map((s) => `${S}${s}`)), { maxKeys: 8 });
  const arb = fc.oneof({ weight: 3, arbitrary: keyed }, { weight: 1, arbitrary: fc.anything() });
  for (const raw of fc.sample(arb, { numRuns: RUNS, seed: SEED })) {
    b.inputs++;
    const before = captured.length;
    try {
      const res = resolvePolicy(raw);
      if (!EffectivePolicySchema.safeParse(res.effective).success) b.acceptedInvalid++;
      if (JSON.stringify(policyLogFields(res)).includes(S)) b.echoed++;
    } catch {
      b.throws++;
    }
    if (logsEcho(before)) b.echoed++;
  }
  return b;
}

// ---- 3. api ----------------------------------------------------------------------------------------

const TOKEN = 'bench-token-alpha';
const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const sha = async (s: string) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)))].map((x) => x.toString(16).padStart(2, '0')).join('');
const env = {
  PROVIDER: 'extractor',
  API_TOKEN_HASHES: await sha(TOKEN),
  ALLOWED_ORIGINS: ORIGIN,
  RATE_LIMITER: { limit: async () => ({ success: true }) },
};
type Ctx = Parameters<ReturnType<typeof createApp>['fetch']>[2];
const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} } as unknown as Ctx;

function shouldBeRefused(c: FuzzRequest): boolean {
  if (c.target.method !== 'POST' || c.target.path.replace(/[?#].*$/, '') !== '/v1/notes') return true;
  if (c.headers.auth !== 'ok' || !/^application\/json\s*(;|$)/i.test(c.headers.contentType) || c.headers.origin === 'foreign') return true;
  const text = c.body.kind === 'raw' ? c.body.body : (JSON.stringify(c.body.body) ?? 'null');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return true;
  }
  const p = NoteRequest.safeParse(v);
  return !p.success || p.data.segments.some((s) => !s.text.isWellFormed());
}

async function fuzzApi(): Promise<Boundary> {
  const b = { ...boundary(), http5xx: 0, byStatus: {} as Record<string, number> };
  const app = createApp();
  for (const c of fc.sample(requestArb, { numRuns: RUNS, seed: SEED })) {
    b.inputs++;
    const before = captured.length;
    try {
      const res = await app.fetch(toRequest(c, 'https://api.test', { ok: TOKEN }, ORIGIN), env, ctx);
      const text = await res.text();
      b.byStatus[res.status] = (b.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500) b.http5xx++;
      if (res.status === 200 && c.target.method === 'POST') {
        if (shouldBeRefused(c) || !NoteResponse.safeParse(JSON.parse(text)).success) b.acceptedInvalid++;
      } else if (res.status !== 204 && !(res.status === 200 && c.target.method === 'GET')) {
        if (echoes(res, text)) b.echoed++;
        if (!ApiError.safeParse(JSON.parse(text)).success) b.acceptedInvalid++;
      }
    } catch {
      b.throws++;
    }
    if (logsEcho(before)) b.echoed++;
  }
  return b;
}

// ---- 4. injection -----------------------------------------------------------------------------------

async function fuzzInjection(): Promise<Record<string, unknown>> {
  const mock = createMockLlm();
  const out = { cases: INJECTION_CORPUS.length, requests: 0, schemaViolationsAccepted: 0, promptLeaks: 0, foreignPlaceholders: 0, http5xxOther: 0, logLeaks: 0, harmfulRepliesReturned: 0, byModel: {} as Record<string, number> };
  const llm = { ...env, PROVIDER: 'openai-compatible', OPENAI_BASE_URL: 'https://llm.invalid/v1', OPENAI_MAX_RETRIES: '0' };
  const runOne = async (caseText: string, req: ReturnType<typeof requestFor>, e: Record<string, unknown>, fetchFn: typeof fetch | undefined, model: string, canaries: string[] = []) => {
    const app = createApp(fetchFn ? { fetch: fetchFn } : {});
    const before = captured.length;
    const res = await app.fetch(new Request('https://api.test/v1/notes', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(req) }), e, ctx);
    const text = await res.text();
    out.requests++;
    out.byModel[model] = (out.byModel[model] ?? 0) + 1;
    if (res.status === 200) {
      const p = NoteResponse.safeParse(JSON.parse(text));
      const layout = TEMPLATES[req.template as TemplateId].map((s) => s.key).join();
      if (!p.success || p.data.note.sections.map((s) => s.key).join() !== layout) out.schemaViolationsAccepted++;
    }
    if (res.status >= 500 && res.status !== 502) out.http5xxOther++;
    if (leaks(text, req, canaries).length > 0) out.promptLeaks++;
    if (foreignPlaceholders(text, req).length > 0) out.foreignPlaceholders++;
    const logText = captured.slice(before).join('\n');
    if ((caseText.length >= 24 && logText.includes(caseText.slice(0, 24))) || leaks(logText, req, canaries).length > 0) out.logLeaks++;
    return res.status;
  };
  for (const c of INJECTION_CORPUS) {
    const req = requestFor(c);
    await runOne(c.text, req, env, undefined, 'extractor');
    await runOne(c.text, req, { ...llm, OPENAI_MODEL: 'mock:echo' }, (i, init) => mock.fetch(new Request(i, init)), 'mock-echo');
    await runOne(c.text, req, { ...llm, OPENAI_MODEL: 'mock:obey' }, (i, init) => mock.fetch(new Request(i, init)), 'mock-obey');
    for (const { name } of adversaryReplies(c.goal, 'x', ['s1'], ['subjective'])) {
      const seen = { canaries: [] as string[] };
      const f = adversaryFetch((system, ids, keys) => adversaryReplies(c.goal, system, ids, keys).find((r) => r.name === name)?.content ?? '', seen);
      const status = await runOne(c.text, req, { ...llm, OPENAI_MODEL: 'adversary' }, f, 'adversary', seen.canaries);
      if (MUST_REFUSE(name) && status === 200) out.harmfulRepliesReturned++;
    }
  }
  return out;
}

// ---- run -----------------------------------------------------------------------------------------

const tm = Date.now();
const messages = await fuzzMessages();
const msgMs = Date.now() - tm;
const tp = Date.now();
const policy = fuzzPolicy();
const polMs = Date.now() - tp;
const ta = Date.now();
const api = await fuzzApi();
const apiMs = Date.now() - ta;
const ti = Date.now();
const injection = await fuzzInjection();
const injMs = Date.now() - ti;

realLog(
  JSON.stringify({
    bench: 'security',
    seed: SEED,
    runsPerBoundary: RUNS,
    messages: {
      schemas: messages.schemas,
      unbuildable: messages.unbuildable,
      validAccepted: `${messages.validAccepted}/${messages.validTotal}`,
      contentScriptAccepted: messages.contentScriptAccepted,
      negativeControlAcceptedOf1000: selfCheck(),
      commands: messages.commands,
      vault: messages.vault,
      ms: msgMs,
    },
    policy: { ...policy, ms: polMs },
    api: { ...api, ms: apiMs },
    injection: { ...injection, ms: injMs },
    totals: {
      inputs: messages.commands.inputs + messages.vault.inputs + policy.inputs + api.inputs + (injection.requests as number),
      acceptedInvalid: messages.commands.acceptedInvalid + messages.vault.acceptedInvalid + policy.acceptedInvalid + api.acceptedInvalid,
      throws: messages.commands.throws + messages.vault.throws + policy.throws + api.throws,
      http5xx: api.http5xx as number,
      echoed: messages.commands.echoed + messages.vault.echoed + policy.echoed + api.echoed,
      injectionCases: injection.cases,
      injectionLeaks: (injection.promptLeaks as number) + (injection.logLeaks as number),
    },
    totalMs: Date.now() - t0,
  }),
);
