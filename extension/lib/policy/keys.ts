import { z } from 'zod';
import { isValidOriginPattern } from './origins.ts';

/**
 * Every enterprise policy key: its zod type check, its full value check, the value used when the
 * admin sets nothing (`default`), the value used when the admin's value is rejected (`fallback`,
 * the most restrictive sensible value: fail closed), and its fragment of Chrome's managed_schema.
 *
 * managed_schema.json is generated from this table (see buildManagedSchema) and a unit test checks
 * the file in extension/public matches, so the two cannot drift.
 *
 * Bounds (minimum/maximum/enum/pattern) are deliberately NOT put in managed_schema.json: Chromium
 * drops a policy value that fails its schema before the extension can see it, so the extension
 * could not tell the admin which value was wrong. Types stay in the schema (Chrome requires one per
 * property); the bounds live here and a rejected value is reported on the options page.
 */

export const TEMPLATE_IDS = ['soap', 'hp', 'progress', 'telehealth', 'patient_instructions'] as const;
export const TemplateId = z.enum(TEMPLATE_IDS);
export type TemplateId = z.infer<typeof TemplateId>;

export const ProviderMode = z.enum(['cloud', 'offline-only']);
export type ProviderMode = z.infer<typeof ProviderMode>;

export const MinimizerStrictness = z.enum(['standard', 'strict']);
export type MinimizerStrictness = z.infer<typeof MinimizerStrictness>;

/** Reason codes for a rejected managed value: a closed list, safe to log. */
export const REJECT_REASONS = [
  'wrong_type',
  'out_of_range',
  'invalid_format',
  'insecure_url',
  'not_allowed',
  'not_enabled',
  'invalid_entries',
  'too_long',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why an API base URL is unacceptable, or null when it is fine. */
export function apiUrlProblem(raw: string): RejectReason | null {
  if (raw.length > 2048) return 'too_long';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'invalid_format';
  }
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') return 'invalid_format';
  if (u.protocol === 'https:') return u.hostname === '' ? 'invalid_format' : null;
  // Plain http only to this machine, for a local `wrangler dev` worker.
  if (u.protocol === 'http:') return LOOPBACK_HOSTS.has(u.hostname) ? null : 'insecure_url';
  return 'insecure_url';
}

/** Normalised form: no trailing slash, so callers can append `/v1/...`. */
function normaliseApiUrl(raw: string): string {
  const u = new URL(raw);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Plain text an admin may write for a patient-facing notice: printable, newlines allowed, no markup. */
// eslint-disable-next-line no-control-regex -- the point of this pattern is to refuse control characters
const NOTICE_TEXT_RE = /^[^\u0000-\u0009\u000b-\u001f\u007f<>]*$/;

export const DEFAULT_CONSENT_WORDING =
  'I confirm that the patient (and every other person present) was told this visit will be recorded and transcribed to help write the clinical note, and that they agreed.';

export const DEFAULT_TELEHEALTH_NOTICE =
  'To help me write your visit note, this call is being transcribed on my computer. The recording is not shared and is deleted after the note is finished. Please tell me now if you do not want this.';

type Check<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; value?: T };

export interface KeySpec<T> {
  /** JSON type as written in managed_schema.json */
  json: Record<string, unknown>;
  title: string;
  description: string;
  default: T;
  fallback: T;
  /**
   * Default when SOME policy is managed but this key is absent. Chromium silently drops a value
   * whose JSON type does not match managed_schema (a list with one non-string entry is dropped
   * whole), so "absent" may mean "the admin's value was dropped": keys where the product default is
   * wider than an admin would want take their restrictive value in a managed install.
   */
  managedDefault?: T;
  /** a credential: the options page shows only that it is set, never the value */
  secret?: boolean;
  /** Validates an already type-checked value. May return a partial value (e.g. list entries kept). */
  check: (raw: unknown) => Check<T>;
}

function fromZod<T>(type: z.ZodType, full: z.ZodType<T>, rangeReason: RejectReason = 'out_of_range') {
  return (raw: unknown): Check<T> => {
    if (!type.safeParse(raw).success) return { ok: false, reason: 'wrong_type' };
    const r = full.safeParse(raw);
    return r.success ? { ok: true, value: r.data } : { ok: false, reason: rangeReason };
  };
}

function intKey(title: string, description: string, min: number, max: number, def: number, fallback = def): KeySpec<number> {
  return {
    json: { type: 'integer' },
    title,
    description: `${description} Range ${min}-${max}; default ${def}.`,
    default: def,
    fallback,
    check: fromZod(z.number(), z.number().int().min(min).max(max)),
  };
}

function boolKey(title: string, description: string, def: boolean, fallback = def): KeySpec<boolean> {
  return { json: { type: 'boolean' }, title, description: `${description} Default ${def}.`, default: def, fallback, check: fromZod(z.boolean(), z.boolean()) };
}

/**
 * A boolean the admin may restate but not change: a safety rule (`true`: PIN required, review
 * before insert) or a capability the product does not have (`false`: storing audio). The other
 * value is rejected and shown as a warning.
 */
function fixedBoolKey<T extends boolean>(value: T, title: string, description: string): KeySpec<T> {
  return {
    json: { type: 'boolean' },
    title,
    description: `${description} A ${String(!value)} value is rejected and shown as a warning.`,
    default: value,
    fallback: value,
    check: (raw: unknown): Check<T> => {
      if (typeof raw !== 'boolean') return { ok: false, reason: 'wrong_type' };
      return raw === value ? { ok: true, value } : { ok: false, reason: 'not_allowed' };
    },
  };
}

function enumKey<T extends string>(title: string, description: string, e: z.ZodEnum<Record<T, T>>, def: T, fallback = def): KeySpec<T> {
  return {
    json: { type: 'string' },
    title,
    description: `${description} One of: ${e.options.join(', ')}; default ${def}.`,
    default: def,
    fallback,
    check: fromZod<T>(z.string(), e as unknown as z.ZodType<T>, 'invalid_format'),
  };
}

function textKey(title: string, description: string, def: string, max: number): KeySpec<string> {
  return {
    json: { type: 'string' },
    title,
    description: `${description} Plain text, at most ${max} characters.`,
    default: def,
    fallback: def,
    check: (raw) => {
      if (typeof raw !== 'string') return { ok: false, reason: 'wrong_type' };
      const t = raw.trim();
      if (t.length === 0) return { ok: false, reason: 'out_of_range' };
      if (t.length > max) return { ok: false, reason: 'too_long' };
      if (!NOTICE_TEXT_RE.test(t)) return { ok: false, reason: 'invalid_format' };
      return { ok: true, value: t };
    },
  };
}

/** A list key: wrong type rejects the key; bad entries are dropped (narrows, never widens) and reported. */
function listCheck<T>(entry: (s: string) => T | null, maxEntries: number) {
  return (raw: unknown): Check<T[]> => {
    if (!Array.isArray(raw)) return { ok: false, reason: 'wrong_type' };
    if (raw.length > maxEntries) return { ok: false, reason: 'too_long' };
    const kept: T[] = [];
    let bad = 0;
    for (const item of raw) {
      const v = typeof item === 'string' ? entry(item) : null;
      if (v === null) bad++;
      else if (!kept.includes(v)) kept.push(v);
    }
    return bad === 0 ? { ok: true, value: kept } : { ok: false, reason: 'invalid_entries', value: kept };
  };
}

export const DEFAULT_EHR_ORIGINS: readonly string[] = ['https://*', 'http://localhost:*', 'http://127.0.0.1:*'];

export const POLICY_SPECS = {
  apiBaseUrl: {
    json: { type: 'string' },
    title: 'Note API base URL',
    description:
      'Base URL of the note-generation API (the Scribe worker). https only; plain http is accepted for 127.0.0.1/localhost (development). Default http://127.0.0.1:8787.',
    default: 'http://127.0.0.1:8787',
    fallback: 'http://127.0.0.1:8787',
    check: (raw: unknown): Check<string> => {
      if (typeof raw !== 'string') return { ok: false, reason: 'wrong_type' };
      const p = apiUrlProblem(raw);
      return p === null ? { ok: true, value: normaliseApiUrl(raw) } : { ok: false, reason: p };
    },
  } satisfies KeySpec<string>,
  apiToken: {
    json: { type: 'string' },
    title: 'Note API token',
    description:
      'Bearer token the extension presents to the note API (the worker stores only its SHA-256). Set it per clinic; it is never shown in full in the options page. The default is the local development token, accepted only by a `wrangler dev --env dev` worker.',
    default: 'dev-local-token-not-secret',
    fallback: 'dev-local-token-not-secret',
    secret: true,
    check: (raw: unknown): Check<string> => {
      if (typeof raw !== 'string') return { ok: false, reason: 'wrong_type' };
      // the worker's bearer syntax (RFC 6750 b64token), 8-512 characters
      return /^[A-Za-z0-9\-._~+/]{8,512}=*$/.test(raw) ? { ok: true, value: raw } : { ok: false, reason: 'invalid_format' };
    },
  } satisfies KeySpec<string>,
  providerMode: enumKey(
    'Provider mode',
    'cloud: the minimized transcript is sent to the note API. offline-only: nothing is sent; notes are drafted on the device. A rejected value falls back to offline-only.',
    ProviderMode,
    'cloud',
    'offline-only',
  ),
  draftRetentionHours: intKey('Draft retention (hours)', 'How long an unapproved visit (audio, transcript, draft) is kept before it is deleted.', 1, 168, 24),
  approvedRetentionHours: intKey('Approved note retention (hours)', 'How long a visit is kept on the device after its note is approved.', 1, 720, 72),
  idleLockMinutes: intKey('Idle lock (minutes)', 'The vault locks after this many minutes without input.', 1, 60, 5),
  pinRequired: fixedBoolKey(
    true,
    'PIN required',
    "Always true: the vault key is wrapped under the clinician's PIN, so without one the key would sit beside the data it protects and encryption at rest would be void.",
  ),
  pinMinLength: intKey('PIN minimum length', 'Minimum number of characters in the vault PIN.', 4, 32, 6),
  pinWipeAfterFailures: {
    json: { type: 'integer' },
    title: 'Wipe the vault after wrong PINs',
    description:
      'After this many wrong PINs in a row the vault is destroyed: every visit, draft and note on this computer, and its audit trail, are gone and a new PIN must be set. 0 = never (the back-off between attempts still applies). 0 or 5-50; default 0.',
    default: 0,
    fallback: 0,
    check: fromZod(z.number(), z.number().int().refine((n) => n === 0 || (n >= 5 && n <= 50))),
  } satisfies KeySpec<number>,
  storeAudio: fixedBoolKey(
    false,
    'Store audio',
    'Always false: audio is never written to storage. It is held in memory only until it is transcribed; the encrypted transcript is what the visit keeps.',
  ),
  allowedEhrOrigins: {
    json: { type: 'array', items: { type: 'string' } },
    title: 'Allowed EHR origins',
    description:
      'Origins into which an approved note may be written, e.g. https://ehr.example.org, https://*.example.org, https://ehr.example.org:8443. http is accepted only for localhost/127.0.0.1. An empty list disables writing. When any Scribe policy is set or the extension is force-installed, this one must be set too (absent = writing disabled); with no policy at all, any https origin plus localhost is allowed. Invalid entries are ignored.',
    default: DEFAULT_EHR_ORIGINS,
    fallback: [] as readonly string[],
    managedDefault: [] as readonly string[],
    check: listCheck((s) => (isValidOriginPattern(s) ? s.toLowerCase() : null), 200) as (raw: unknown) => Check<readonly string[]>,
  } satisfies KeySpec<readonly string[]>,
  requireReviewBeforeInsert: fixedBoolKey(
    true,
    'Require review before insert',
    'Always true: a note is written into the EHR only after the clinician has reviewed and approved it.',
  ),
  templatesEnabled: {
    json: { type: 'array', items: { type: 'string' } },
    title: 'Note templates enabled',
    description: `Templates offered to the clinician. Any of: ${TEMPLATE_IDS.join(', ')}. Default: all.`,
    default: TEMPLATE_IDS as readonly TemplateId[],
    fallback: TEMPLATE_IDS as readonly TemplateId[],
    check: (raw: unknown): Check<readonly TemplateId[]> => {
      const r = listCheck((s) => (TemplateId.safeParse(s).success ? (s as TemplateId) : null), 20)(raw);
      // An empty list would leave no way to write a note: reject it rather than break the product.
      if (r.ok && r.value.length === 0) return { ok: false, reason: 'out_of_range' };
      if (!r.ok && r.value !== undefined && r.value.length === 0) return { ok: false, reason: r.reason };
      return r;
    },
  } satisfies KeySpec<readonly TemplateId[]>,
  defaultTemplate: enumKey('Default template', 'Template selected for a new visit; must be one of the enabled templates.', TemplateId, 'soap'),
  minimizerStrictness: enumKey(
    'Minimizer strictness',
    'standard: Safe Harbor identifiers are replaced. strict: also ages, rare conditions and free-text locations. A rejected value falls back to strict.',
    MinimizerStrictness,
    'standard',
    'strict',
  ),
  auditExportAllowed: boolKey('Audit export allowed', 'The clinician may export the signed audit trail.', true),
  auditRetentionDays: intKey(
    'Audit retention (days)',
    'How long audit records (which hold no PHI) are kept. Separate from visit retention. 2190 days = 6 years (HIPAA documentation retention).',
    30,
    3650,
    2190,
  ),
  consentRequired: boolKey('Recording consent required', 'Capture cannot start until the clinician attests that the patient consented.', true),
  consentWording: textKey('Consent attestation wording', 'The statement the clinician attests to before capture starts.', DEFAULT_CONSENT_WORDING, 1000),
  telehealthNoticeWording: textKey(
    'Telehealth notice wording',
    'A short notice the clinician can read out or paste into the call chat at the start of a telehealth visit.',
    DEFAULT_TELEHEALTH_NOTICE,
    1000,
  ),
} as const;

export type PolicyKey = keyof typeof POLICY_SPECS;
export const POLICY_KEYS = Object.keys(POLICY_SPECS) as PolicyKey[];

type SpecValue<S> = S extends KeySpec<infer T> ? T : never;

/** The policy the extension runs on: every key present, every value valid. */
export type EffectivePolicy = { readonly [K in PolicyKey]: SpecValue<(typeof POLICY_SPECS)[K]> };

/** zod schema of a valid effective policy (used by tests and by anyone receiving one in a message). */
export const EffectivePolicySchema = z
  .object({
    apiBaseUrl: z.string().refine((s) => apiUrlProblem(s) === null),
    apiToken: z.string().regex(/^[A-Za-z0-9\-._~+/]{8,512}=*$/),
    providerMode: ProviderMode,
    draftRetentionHours: z.number().int().min(1).max(168),
    approvedRetentionHours: z.number().int().min(1).max(720),
    idleLockMinutes: z.number().int().min(1).max(60),
    pinRequired: z.literal(true),
    pinMinLength: z.number().int().min(4).max(32),
    pinWipeAfterFailures: z.number().int().refine((n) => n === 0 || (n >= 5 && n <= 50)),
    storeAudio: z.literal(false),
    allowedEhrOrigins: z.array(z.string().refine(isValidOriginPattern)).max(200),
    requireReviewBeforeInsert: z.literal(true),
    templatesEnabled: z.array(TemplateId).min(1),
    defaultTemplate: TemplateId,
    minimizerStrictness: MinimizerStrictness,
    auditExportAllowed: z.boolean(),
    auditRetentionDays: z.number().int().min(30).max(3650),
    consentRequired: z.boolean(),
    consentWording: z.string().min(1).max(1000).regex(NOTICE_TEXT_RE),
    telehealthNoticeWording: z.string().min(1).max(1000).regex(NOTICE_TEXT_RE),
  })
  .strict()
  .refine((p) => p.templatesEnabled.includes(p.defaultTemplate));

/** Chrome's storage.managed_schema document, generated from POLICY_SPECS. */
export function buildManagedSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const key of POLICY_KEYS) {
    const s = POLICY_SPECS[key];
    properties[key] = { title: s.title, description: s.description, ...s.json };
  }
  return { type: 'object', properties };
}
