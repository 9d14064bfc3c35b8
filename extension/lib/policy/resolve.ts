import { POLICY_KEYS, POLICY_SPECS, type EffectivePolicy, type PolicyKey, type RejectReason, type TemplateId } from './keys.ts';

export type PolicySource = 'managed' | 'default';

export interface PolicyEntry {
  readonly key: PolicyKey;
  /** The value in force (the admin's, or the default/fallback). */
  readonly value: unknown;
  readonly source: PolicySource;
  /**
   * Present when the admin set a value that was not (fully) accepted. `received` is the admin's own
   * value as short display text for the options page; it is never logged (see policyLogFields).
   */
  readonly rejected?: { readonly reason: RejectReason; readonly received: string };
}

export interface PolicyResolution {
  readonly effective: EffectivePolicy;
  readonly entries: readonly PolicyEntry[];
  /** Keys the admin set that this version does not know (display only; names are sanitised). */
  readonly unknownKeys: readonly string[];
  /** The managed value as a whole was not an object (the extension runs on defaults). */
  readonly malformed: boolean;
  /** At least one policy key is set, or the extension was installed by policy. */
  readonly managed: boolean;
  /** Number of things the options page and the side panel should warn about. */
  readonly warningCount: number;
}

const KEY_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function display(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    if (typeof s !== 'string') return String(typeof v);
    return s.length > 200 ? `${s.slice(0, 199)}…` : s;
  } catch {
    return `(${typeof v})`;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Reads an own data property without running getters or touching the prototype chain. */
function ownValue(obj: Record<string, unknown>, key: string): { present: boolean; value?: unknown } {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (d === undefined) return { present: false };
  if (!('value' in d)) return { present: true, value: undefined }; // accessor: treated as wrong type
  return { present: true, value: d.value };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

/**
 * Turns whatever chrome.storage.managed returned into the policy the extension runs on.
 * Pure, total (never throws), per key: a wrong-typed or out-of-range value falls back to that key's
 * fallback value and is reported; other keys are unaffected.
 */
export interface ResolveContext {
  /**
   * The extension was installed by policy (chrome.management.getSelf().installType === 'admin').
   * Such an install counts as managed even when no key arrived (e.g. Chromium dropped them all).
   */
  readonly adminInstalled?: boolean;
}

export function resolvePolicy(rawManaged: unknown, ctx: ResolveContext = {}): PolicyResolution {
  try {
    return resolveUnsafe(rawManaged, ctx.adminInstalled === true);
  } catch {
    // Unreachable by design (every step above is guarded); the boundary still never throws.
    return resolveUnsafe({}, ctx.adminInstalled === true);
  }
}

function resolveUnsafe(rawManaged: unknown, adminInstalled: boolean): PolicyResolution {
  const malformed = rawManaged !== undefined && rawManaged !== null && !isPlainObject(rawManaged);
  const raw: Record<string, unknown> = isPlainObject(rawManaged) ? rawManaged : {};
  const managed = adminInstalled || Object.keys(raw).length > 0;
  const values = new Map<PolicyKey, unknown>();
  const entries = new Map<PolicyKey, PolicyEntry>();

  for (const key of POLICY_KEYS) {
    const spec = POLICY_SPECS[key];
    const got = ownValue(raw, key);
    if (!got.present) {
      const d = managed && 'managedDefault' in spec ? spec.managedDefault : spec.default;
      values.set(key, d);
      entries.set(key, { key, value: d, source: 'default' });
      continue;
    }
    const r = (spec.check as (x: unknown) => { ok: boolean; value?: unknown; reason?: RejectReason })(got.value);
    if (r.ok) {
      values.set(key, r.value);
      entries.set(key, { key, value: r.value, source: 'managed' });
    } else {
      const reason = r.reason ?? 'invalid_format';
      // A list with some bad entries keeps the good ones (narrower, never wider than the admin meant).
      const partial = r.value !== undefined;
      const value = partial ? r.value : spec.fallback;
      values.set(key, value);
      entries.set(key, { key, value, source: partial ? 'managed' : 'default', rejected: { reason, received: display(got.value) } });
    }
  }

  // Cross-key rule: the default template must be one of the enabled ones.
  const enabled = values.get('templatesEnabled') as readonly TemplateId[];
  const def = values.get('defaultTemplate') as TemplateId;
  if (!enabled.includes(def)) {
    const first = enabled[0] ?? 'soap';
    values.set('defaultTemplate', first);
    const prev = entries.get('defaultTemplate');
    const rejected = prev?.source === 'managed' ? { reason: 'not_enabled' as const, received: display(def) } : prev?.rejected;
    entries.set('defaultTemplate', { key: 'defaultTemplate', value: first, source: 'default', ...(rejected ? { rejected } : {}) });
  }

  const unknownKeys: string[] = [];
  for (const k of Object.keys(raw)) {
    if ((POLICY_KEYS as string[]).includes(k)) continue;
    unknownKeys.push(KEY_NAME_RE.test(k) ? k : '(invalid name)');
  }

  const effective = Object.fromEntries(POLICY_KEYS.map((k) => [k, copy(values.get(k))])) as unknown as EffectivePolicy;
  const list = POLICY_KEYS.map((k) => entries.get(k) as PolicyEntry);
  const rejectedCount = list.filter((e) => e.rejected !== undefined).length;
  // Credentials (the API token) are displayed only as set/not set, never the value.
  const masked = (e: PolicyEntry): PolicyEntry => {
    const spec = POLICY_SPECS[e.key] as { secret?: boolean };
    if (spec.secret !== true) return { ...e, value: copy(e.value) };
    const shown = e.source === 'managed' ? '(set by policy, hidden)' : '(development default)';
    return { ...e, value: shown, ...(e.rejected ? { rejected: { reason: e.rejected.reason, received: '(hidden)' } } : {}) };
  };
  return deepFreeze({
    effective,
    entries: list.map(masked),
    unknownKeys,
    malformed,
    managed,
    warningCount: rejectedCount + unknownKeys.length + (malformed ? 1 : 0),
  });
}

function copy<T>(v: T): T {
  return Array.isArray(v) ? ([...v] as T) : v;
}

/** Content-free numbers for the logger: no values, no key names the admin typed. */
export function policyLogFields(res: PolicyResolution): { managed: number; rejected: number; unknown: number; malformed: boolean } {
  return {
    managed: res.entries.filter((e) => e.source === 'managed').length,
    rejected: res.entries.filter((e) => e.rejected !== undefined).length,
    unknown: res.unknownKeys.length,
    malformed: res.malformed,
  };
}

/** Keys whose effective value differs (for the policy_changed audit record: a count, no values). */
export function changedPolicyKeys(a: EffectivePolicy, b: EffectivePolicy): PolicyKey[] {
  return POLICY_KEYS.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** The effective policy when nothing is managed. */
export function defaultPolicy(): EffectivePolicy {
  return resolvePolicy({}).effective;
}
