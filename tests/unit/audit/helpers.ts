import fc from 'fast-check';
import { AUDIT_ACTIONS, AUDIT_CODES, type AuditEvent } from '../../../extension/lib/audit/index.ts';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);

export const eventArb: fc.Arbitrary<AuditEvent> = fc.record(
  {
    actor: id,
    action: fc.constantFrom(...AUDIT_ACTIONS),
    visitId: id,
    outcome: fc.constantFrom('ok' as const, 'denied' as const, 'error' as const),
    details: fc.record(
      {
        bytes: fc.nat(),
        placeholderCount: fc.nat(1000),
        origin: fc.constantFrom('https://ehr.example.org', 'http://localhost:8080', 'https://a.b.example:8443'),
        code: fc.constantFrom(...AUDIT_CODES),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['actor', 'action', 'outcome'] },
);

/** A deterministic clock that moves forward 1-5 s per call. */
export function steppingClock(start = Date.UTC(2026, 10, 23, 12, 0, 0)): () => Date {
  let t = start;
  return () => {
    t += 1000 + (t % 4000);
    return new Date(t);
  };
}
