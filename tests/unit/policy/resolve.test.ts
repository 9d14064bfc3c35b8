import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildManagedSchema,
  changedPolicyKeys,
  defaultPolicy,
  EffectivePolicySchema,
  POLICY_KEYS,
  POLICY_SPECS,
  policyLogFields,
  resolvePolicy,
  type PolicyKey,
} from '../../../extension/lib/policy/index.ts';

const entry = (raw: unknown, key: PolicyKey) => {
  const res = resolvePolicy(raw);
  const e = res.entries.find((x) => x.key === key);
  if (!e) throw new Error('missing entry');
  return { res, e };
};

/** Per key: a valid managed value, a wrong-typed one, and an out-of-range/invalid one (with its reason). */
const CASES: Record<PolicyKey, { valid: unknown; expect?: unknown; wrongType: unknown; bad: unknown; badReason: string }> = {
  apiBaseUrl: { valid: 'https://notes.example.org/api/', expect: 'https://notes.example.org/api', wrongType: 42, bad: 'http://notes.example.org', badReason: 'insecure_url' },
  apiToken: { valid: 'clinic-token-0123456789', wrongType: 7, bad: 'has spaces in it', badReason: 'invalid_format' },
  providerMode: { valid: 'offline-only', wrongType: true, bad: 'clowd', badReason: 'invalid_format' },
  draftRetentionHours: { valid: 12, wrongType: '12', bad: 10_000, badReason: 'out_of_range' },
  approvedRetentionHours: { valid: 48, wrongType: null, bad: 0, badReason: 'out_of_range' },
  idleLockMinutes: { valid: 10, wrongType: [10], bad: 2.5, badReason: 'out_of_range' },
  pinRequired: { valid: true, wrongType: 'false', bad: false, badReason: 'not_allowed' },
  pinMinLength: { valid: 8, wrongType: {}, bad: 3, badReason: 'out_of_range' },
  pinWipeAfterFailures: { valid: 10, wrongType: '10', bad: 3, badReason: 'out_of_range' },
  storeAudio: { valid: false, wrongType: 1, bad: true, badReason: 'not_allowed' },
  allowedEhrOrigins: {
    valid: ['https://ehr.example.org', 'https://*.clinic.example', 'http://localhost:8080'],
    wrongType: 'https://ehr.example.org',
    bad: ['https://ehr.example.org', 'http://ehr.example.org', 'javascript:alert(1)'],
    badReason: 'invalid_entries',
  },
  requireReviewBeforeInsert: { valid: true, wrongType: 'true', bad: false, badReason: 'not_allowed' },
  templatesEnabled: { valid: ['soap', 'progress'], wrongType: 'soap', bad: [], badReason: 'out_of_range' },
  defaultTemplate: { valid: 'hp', wrongType: 3, bad: 'freeform', badReason: 'invalid_format' },
  minimizerStrictness: { valid: 'strict', wrongType: false, bad: 'lenient', badReason: 'invalid_format' },
  auditExportAllowed: { valid: false, wrongType: 'yes', bad: null, badReason: 'wrong_type' },
  auditRetentionDays: { valid: 365, wrongType: '365', bad: 5, badReason: 'out_of_range' },
  consentRequired: { valid: false, wrongType: 0, bad: 'no', badReason: 'wrong_type' },
  consentWording: { valid: 'Patient agreed to recording.', wrongType: 12, bad: 'x'.repeat(1001), badReason: 'too_long' },
  telehealthNoticeWording: { valid: 'This call is transcribed.', wrongType: ['a'], bad: '<script>alert(1)</script>', badReason: 'invalid_format' },
};

/** The value an absent key takes when some other key is managed. */
const managedDefault = (k: PolicyKey): unknown => {
  const spec = POLICY_SPECS[k];
  return 'managedDefault' in spec ? spec.managedDefault : spec.default;
};

describe('resolvePolicy per key', () => {
  it('covers every key', () => {
    expect(Object.keys(CASES).sort()).toEqual([...POLICY_KEYS].sort());
  });

  for (const key of POLICY_KEYS) {
    const c = CASES[key];
    it(`${key}: a valid managed value is used`, () => {
      const { res, e } = entry({ [key]: c.valid }, key);
      expect(e.source).toBe('managed');
      expect(e.rejected).toBeUndefined();
      expect(res.effective[key]).toEqual(c.expect ?? c.valid);
      expect(res.warningCount).toBe(0);
    });
    it(`${key}: a wrong-typed value falls back and is reported as wrong_type`, () => {
      const { res, e } = entry({ [key]: c.wrongType }, key);
      expect(e.rejected?.reason).toBe('wrong_type');
      expect(e.source).toBe('default');
      expect(res.effective[key]).toEqual(POLICY_SPECS[key].fallback);
      expect(res.warningCount).toBe(1);
      // other keys untouched
      for (const k of POLICY_KEYS) if (k !== key) expect(res.effective[k]).toEqual(managedDefault(k));
    });
    it(`${key}: an out-of-range/invalid value is rejected with ${c.badReason}`, () => {
      const { res, e } = entry({ [key]: c.bad }, key);
      expect(e.rejected?.reason).toBe(c.badReason);
      expect(EffectivePolicySchema.safeParse(res.effective).success).toBe(true);
    });
  }

  it('absent keys take defaults; the default policy is valid', () => {
    const res = resolvePolicy({});
    expect(res.entries.every((e) => e.source === 'default' && !e.rejected)).toBe(true);
    expect(EffectivePolicySchema.safeParse(res.effective).success).toBe(true);
    expect(res.effective.storeAudio).toBe(false);
    expect(res.effective.requireReviewBeforeInsert).toBe(true);
    expect(res.effective.consentRequired).toBe(true);
  });

  it('in a managed install an absent allowedEhrOrigins disables writing (Chromium drops wrong-typed lists silently)', () => {
    expect(resolvePolicy({}).effective.allowedEhrOrigins).toEqual(['https://*', 'http://localhost:*', 'http://127.0.0.1:*']);
    expect(resolvePolicy({}).managed).toBe(false);
    const res = resolvePolicy({ pinMinLength: 8 });
    expect(res.managed).toBe(true);
    expect(res.effective.allowedEhrOrigins).toEqual([]);
    expect(res.effective.storeAudio).toBe(false);
  });

  it('fails closed where it matters: providerMode → offline-only, origins → none, strictness → strict', () => {
    const res = resolvePolicy({ providerMode: 'cloudy', allowedEhrOrigins: 7, minimizerStrictness: 1 });
    expect(res.effective.providerMode).toBe('offline-only');
    expect(res.effective.allowedEhrOrigins).toEqual([]);
    expect(res.effective.minimizerStrictness).toBe('strict');
  });

  it('a list with some bad entries keeps only the good ones (narrower, never wider)', () => {
    const { res, e } = entry({ allowedEhrOrigins: ['https://ehr.example.org', 'http://ehr.example.org', 5] }, 'allowedEhrOrigins');
    expect(res.effective.allowedEhrOrigins).toEqual(['https://ehr.example.org']);
    expect(e.source).toBe('managed');
    expect(e.rejected?.reason).toBe('invalid_entries');
  });

  it('requireReviewBeforeInsert=false is refused and shown', () => {
    const { res, e } = entry({ requireReviewBeforeInsert: false }, 'requireReviewBeforeInsert');
    expect(res.effective.requireReviewBeforeInsert).toBe(true);
    expect(e.rejected).toEqual({ reason: 'not_allowed', received: 'false' });
  });

  it('defaultTemplate must be enabled', () => {
    const a = entry({ templatesEnabled: ['progress', 'hp'], defaultTemplate: 'soap' }, 'defaultTemplate');
    expect(a.res.effective.defaultTemplate).toBe('progress');
    expect(a.e.rejected?.reason).toBe('not_enabled');
    // admin disabled the default template without choosing another: not an admin error
    const b = entry({ templatesEnabled: ['telehealth'] }, 'defaultTemplate');
    expect(b.res.effective.defaultTemplate).toBe('telehealth');
    expect(b.e.rejected).toBeUndefined();
  });

  it('http API URL only for loopback; no credentials or query', () => {
    expect(resolvePolicy({ apiBaseUrl: 'http://127.0.0.1:9000' }).effective.apiBaseUrl).toBe('http://127.0.0.1:9000');
    expect(resolvePolicy({ apiBaseUrl: 'http://localhost:8787/' }).effective.apiBaseUrl).toBe('http://localhost:8787');
    for (const bad of ['https://u:p@x.example', 'https://x.example/?a=1', 'ftp://x.example', 'not a url', 'http://10.0.0.1']) {
      const { e } = entry({ apiBaseUrl: bad }, 'apiBaseUrl');
      expect(e.rejected, bad).toBeDefined();
    }
  });

  it('unknown keys are reported by sanitised name, not applied', () => {
    const res = resolvePolicy({ fooBar: 1, 'weird key with spaces': 2, pinMinLength: 8 });
    expect(res.unknownKeys).toEqual(['fooBar', '(invalid name)']);
    expect(res.effective.pinMinLength).toBe(8);
    expect(res.warningCount).toBe(2);
  });

  it.each([null, undefined])('%s means nothing is managed (not malformed)', (raw) => {
    const res = resolvePolicy(raw);
    expect(res.malformed).toBe(false);
    expect(res.effective).toEqual(defaultPolicy());
  });

  it.each([[[1, 2]], ['{"pinMinLength":8}'], [42], [true], [new Date()], [new Map([['pinMinLength', 8]])]])('malformed whole object %# → defaults + warning', (raw) => {
    const res = resolvePolicy(raw);
    expect(res.malformed).toBe(true);
    expect(res.warningCount).toBe(1);
    expect(res.effective).toEqual(defaultPolicy());
  });

  it('__proto__ and constructor keys cannot pollute or inject values', () => {
    const raw = JSON.parse('{"__proto__": {"storeAudio": true, "pinRequired": false}, "constructor": {"prototype": {"x": 1}}}') as unknown;
    const res = resolvePolicy(raw);
    expect(res.effective.storeAudio).toBe(false);
    expect(res.effective.pinRequired).toBe(true);
    expect([...res.unknownKeys].sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).storeAudio).toBeUndefined();
    // an object whose prototype carries policy values is not a plain object
    const inherited = Object.create({ storeAudio: true }) as Record<string, unknown>;
    expect(resolvePolicy(inherited).effective.storeAudio).toBe(false);
  });

  it('getters are never run', () => {
    let ran = false;
    const raw = {};
    Object.defineProperty(raw, 'pinMinLength', { enumerable: true, get: () => ((ran = true), 8) });
    const { e } = entry(raw, 'pinMinLength');
    expect(ran).toBe(false);
    expect(e.rejected?.reason).toBe('wrong_type');
  });

  it('the effective policy is frozen', () => {
    const res = resolvePolicy({ allowedEhrOrigins: ['https://a.example'] });
    expect(Object.isFrozen(res.effective)).toBe(true);
    expect(Object.isFrozen(res.effective.allowedEhrOrigins)).toBe(true);
  });

  it('log fields are numbers only (no values, no admin-typed names)', () => {
    const f = policyLogFields(resolvePolicy({ consentWording: 'x'.repeat(5000), zzz: 1, pinMinLength: 8 }));
    expect(f).toEqual({ managed: 1, rejected: 1, unknown: 1, malformed: false });
  });

  it('changedPolicyKeys lists differing keys', () => {
    const a = defaultPolicy();
    const b = resolvePolicy({ idleLockMinutes: 9, allowedEhrOrigins: ['https://x.example'] }).effective;
    expect(changedPolicyKeys(a, b).sort()).toEqual(['allowedEhrOrigins', 'idleLockMinutes']);
  });

  it('extension/public/managed_schema.json is generated from the key table', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../../extension/public/managed_schema.json', import.meta.url), 'utf8')) as unknown;
    expect(onDisk).toEqual(buildManagedSchema());
  });

  it('managed_schema.json follows Chrome rules: top-level object, no additionalProperties, one type per schema', () => {
    const s = buildManagedSchema() as { type: string; properties: Record<string, Record<string, unknown>> };
    expect(s.type).toBe('object');
    expect('additionalProperties' in s).toBe(false);
    for (const [k, p] of Object.entries(s.properties)) {
      expect(['string', 'integer', 'boolean', 'array'], k).toContain(p.type);
      if (p.type === 'array') expect(p.items).toEqual({ type: 'string' });
    }
  });
});

describe('resolvePolicy properties', () => {
  const anyValue = fc.oneof(
    fc.anything(),
    fc.constantFrom('https://x.example', 'http://localhost:1', 'soap', 'strict', 'cloud', 'offline-only', true, false, 0, 1, 6, 24, 2190),
    fc.array(fc.constantFrom('soap', 'hp', 'x', 'https://*.example.org', 'http://evil.example', 'https://*')),
  );
  const keyArb = fc.oneof(fc.constantFrom(...POLICY_KEYS, '__proto__', 'constructor', 'toString'), fc.string());

  it('never throws and always yields a valid effective policy', () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(keyArb, anyValue), fc.anything()), (raw) => {
        const res = resolvePolicy(raw);
        expect(EffectivePolicySchema.safeParse(res.effective).success).toBe(true);
        expect(res.entries.map((e) => e.key)).toEqual(POLICY_KEYS);
        for (const e of res.entries) if (e.rejected) expect(e.rejected.received.length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 600 },
    );
  });

  it('a key is managed-and-accepted exactly when its own check accepts it (per-key independence)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...POLICY_KEYS), anyValue), (raw) => {
        const res = resolvePolicy(raw);
        for (const e of res.entries) {
          if (!(e.key in raw)) expect(e.source).toBe('default');
          if (e.key === 'defaultTemplate') continue; // cross-key rule
          const ok = (POLICY_SPECS[e.key].check as (v: unknown) => { ok: boolean })(raw[e.key]).ok;
          if (e.key in raw) expect(e.rejected === undefined).toBe(ok);
        }
      }),
      { numRuns: 400 },
    );
  });
});
