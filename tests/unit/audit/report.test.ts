import { describe, expect, it } from 'vitest';
import { AuditTrail, MemoryAuditStore, privacyReport, type AuditEvent } from '../../../extension/lib/audit/index.ts';

describe('privacyReport', () => {
  it('derives egress, inserts, accesses and retention from the visit audit records', async () => {
    let t = Date.UTC(2026, 10, 23, 9, 0, 0);
    const trail = await AuditTrail.open(new MemoryAuditStore(), { now: () => new Date((t += 60_000)) });
    const ev = (action: AuditEvent['action'], details: AuditEvent['details'] = {}, visitId = 'v1'): AuditEvent => ({ actor: 'clin-1', action, visitId, outcome: 'ok', details });
    await trail.append(ev('visit_created'));
    await trail.append(ev('consent_attested', { channel: 'in_person' }));
    await trail.append(ev('egress_sent', { bytes: 2048, placeholderCount: 5, origin: 'https://api.example.org' }));
    await trail.append(ev('visit_created', {}, 'v2'));
    await trail.append(ev('note_approved'));
    await trail.append(ev('note_inserted', { origin: 'https://ehr.example.org' }));
    const r = privacyReport(await trail.forVisit('v1'), 'v1', { draftRetentionHours: 24, approvedRetentionHours: 48 });
    expect(r.egress).toEqual([{ ts: '2026-11-23T09:03:00.000Z', origin: 'https://api.example.org', bytes: 2048, placeholderCount: 5, outcome: 'ok' }]);
    expect(r.inserts).toEqual([{ ts: '2026-11-23T09:06:00.000Z', origin: 'https://ehr.example.org', outcome: 'ok' }]);
    expect(r.accesses.map((a) => a.action)).toEqual(['visit_created', 'consent_attested', 'egress_sent', 'note_approved', 'note_inserted']);
    expect(r.approvedAt).toBe('2026-11-23T09:05:00.000Z');
    expect(r.storedUntil).toBe('2026-11-25T09:05:00.000Z');
    expect(r.totalBytesSent).toBe(2048);
    expect(r.consentAttested).toBe(true);
    await trail.append(ev('visit_deleted'));
    const after = privacyReport(await trail.forVisit('v1'), 'v1', { draftRetentionHours: 24, approvedRetentionHours: 48 });
    expect(after.removedBy).toBe('deleted');
    expect(after.storedUntil).toBeNull();
  });

  it('buffered events keep their own time but never go backwards', async () => {
    let t = Date.UTC(2026, 0, 1, 12);
    const trail = await AuditTrail.open(new MemoryAuditStore(), { now: () => new Date(t) });
    await trail.append({ actor: 'clin-1', action: 'vault_unlock_failed', outcome: 'denied', details: { code: 'bad_pin' } }, { at: new Date(Date.UTC(2026, 0, 1, 11, 59)) });
    t += 1000;
    await trail.append({ actor: 'clin-1', action: 'vault_unlocked', outcome: 'ok' });
    await trail.append({ actor: 'clin-1', action: 'vault_unlock_failed', outcome: 'denied' }, { at: new Date(Date.UTC(2025, 0, 1)) });
    expect((await trail.list()).map((r) => r.ts)).toEqual(['2026-01-01T11:59:00.000Z', '2026-01-01T12:00:01.000Z', '2026-01-01T12:00:01.000Z']);
  });
});
