import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditDetails, AuditEvent, AuditRecord, GENESIS_HASH } from '../../../extension/lib/audit/index.ts';

/** No record type can hold free text: every string slot refuses prose, and no extra key is accepted. */

const valid: AuditRecord = {
  v: 1,
  seq: 3,
  ts: '2026-11-23T12:00:00.000Z',
  actor: 'clin-1',
  action: 'note_inserted',
  visitId: 'v-123',
  outcome: 'ok',
  details: { origin: 'https://ehr.example.org', bytes: 10, code: 'user', template: 'soap', channel: 'telehealth', providerMode: 'cloud', sha256: 'a'.repeat(64), keyThumbprint: 'A'.repeat(43) },
  prev: GENESIS_HASH,
  hash: 'b'.repeat(64),
};

const STRING_PATHS: (readonly string[])[] = [
  ['ts'], ['actor'], ['action'], ['visitId'], ['outcome'], ['prev'], ['hash'],
  ['details', 'origin'], ['details', 'code'], ['details', 'template'], ['details', 'channel'], ['details', 'providerMode'], ['details', 'sha256'], ['details', 'keyThumbprint'],
];

function setPath(obj: unknown, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[path[path.length - 1] as string] = value;
  return copy;
}

// Prose: has a space or punctuation that no id/code/origin/hex alphabet allows.
const prose = fc
  .tuple(fc.string({ maxLength: 40 }), fc.constantFrom(' ', ', ', '\n', '!', "'", ' has '), fc.string({ maxLength: 40 }))
  .map(([a, sep, b]) => a + sep + b);

describe('audit records hold no free text', () => {
  it('the sample record is valid', () => {
    expect(AuditRecord.safeParse(valid).success).toBe(true);
  });

  it('every string slot refuses prose (e.g. "Jane Doe, HIV positive")', () => {
    for (const path of STRING_PATHS) {
      expect(AuditRecord.safeParse(setPath(valid, path, 'Jane Doe, HIV positive')).success, path.join('.')).toBe(false);
    }
    fc.assert(
      fc.property(fc.constantFrom(...STRING_PATHS), prose, (path, text) => {
        expect(AuditRecord.safeParse(setPath(valid, path, text)).success).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('no extra field is accepted anywhere (record, details, event)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string(), fc.integer()), (key, value) => {
        fc.pre(!(key in valid) && !['__proto__'].includes(key));
        expect(AuditRecord.safeParse({ ...valid, [key]: value }).success).toBe(false);
        fc.pre(!(key in AuditDetails.shape));
        expect(AuditRecord.safeParse({ ...valid, details: { ...valid.details, [key]: value } }).success).toBe(false);
        expect(AuditEvent.safeParse({ actor: 'a', action: 'visit_created', outcome: 'ok', [key]: value }).success).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('numbers are integers, not strings smuggled as numbers', () => {
    expect(AuditRecord.safeParse({ ...valid, details: { bytes: '12' } }).success).toBe(false);
    expect(AuditRecord.safeParse({ ...valid, details: { bytes: 1.5 } }).success).toBe(false);
    expect(AuditRecord.safeParse({ ...valid, seq: -1 }).success).toBe(false);
  });

  it('schema shape: only these top-level and details fields exist', () => {
    expect(Object.keys(AuditRecord.shape).sort()).toEqual(['action', 'actor', 'details', 'hash', 'outcome', 'prev', 'seq', 'ts', 'v', 'visitId']);
    expect(Object.keys(AuditDetails.shape).sort()).toEqual(
      ['bytes', 'channel', 'code', 'count', 'durationMs', 'fromSeq', 'keyThumbprint', 'origin', 'placeholderCount', 'providerMode', 'segmentCount', 'sha256', 'template', 'toSeq'],
    );
  });

  it('an origin is scheme://host[:port] only (no path or query to hide text in)', () => {
    for (const o of ['https://ehr.example.org/patient/jane-doe', 'https://ehr.example.org?name=jane', 'https://user@ehr.example.org', 'javascript:alert(1)']) {
      expect(AuditRecord.safeParse({ ...valid, details: { origin: o } }).success, o).toBe(false);
    }
  });
});
