import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuditRecord,
  AuditTrail,
  GENESIS_HASH,
  hashRecord,
  MemoryAuditStore,
  memoryKeyStore,
  openInstallSigner,
  verifyChain,
  verifyExport,
  type AuditEvent,
} from '../../../extension/lib/audit/index.ts';
import { eventArb, steppingClock } from './helpers.ts';

const ev = (action: AuditEvent['action'], extra: Partial<AuditEvent> = {}): AuditEvent => ({ actor: 'clin-1', action, outcome: 'ok', ...extra });

describe('AuditTrail', () => {
  it('chains from genesis, seq from 0, UTC timestamps, verifies', async () => {
    const store = new MemoryAuditStore();
    const trail = await AuditTrail.open(store, { now: steppingClock() });
    const a = await trail.append(ev('vault_unlocked'));
    const b = await trail.append(ev('visit_created', { visitId: 'v1' }));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.record.seq).toBe(0);
    expect(a.record.prev).toBe(GENESIS_HASH);
    expect(b.record.prev).toBe(a.record.hash);
    expect(a.record.ts).toMatch(/Z$/);
    expect(await trail.verify()).toMatchObject({ ok: true, checked: 2 });
  });

  it('continues the chain after reopening the store', async () => {
    const store = new MemoryAuditStore();
    const t1 = await AuditTrail.open(store, { now: steppingClock() });
    await t1.append(ev('vault_unlocked'));
    const t2 = await AuditTrail.open(store, { now: steppingClock(Date.UTC(2026, 10, 24)) });
    const r = await t2.append(ev('vault_locked', { details: { code: 'idle' } }));
    expect(r.ok && r.record.seq).toBe(1);
    expect((await t2.verify()).ok).toBe(true);
  });

  it('serialises concurrent appends into one chain', async () => {
    const trail = await AuditTrail.open(new MemoryAuditStore(), { now: steppingClock() });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => trail.append(ev('transcript_viewed', { visitId: `v${i}` }))));
    expect(results.map((r) => (r.ok ? r.record.seq : -1))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await trail.verify()).ok).toBe(true);
  });

  it('rejects events outside the closed vocabulary without throwing', async () => {
    const trail = await AuditTrail.open(new MemoryAuditStore());
    const bad = [
      { actor: 'clin 1', action: 'visit_created', outcome: 'ok' },
      { actor: 'c', action: 'read_everything', outcome: 'ok' },
      { actor: 'c', action: 'visit_created', outcome: 'ok', details: { note: 'Jane Doe' } },
      { actor: 'c', action: 'visit_created', outcome: 'ok', text: 'hello' },
    ];
    for (const b of bad) expect(await trail.append(b as unknown as AuditEvent)).toEqual({ ok: false, code: 'invalid_event' });
    expect(await trail.list()).toHaveLength(0);
  });

  it('timestamps never go backwards when the clock steps back', async () => {
    const times = [Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 3)];
    let i = 0;
    const trail = await AuditTrail.open(new MemoryAuditStore(), { now: () => new Date(times[i++] ?? 0) });
    for (let k = 0; k < 3; k++) await trail.append(ev('vault_unlocked'));
    const ts = (await trail.list()).map((r) => r.ts);
    expect(ts).toEqual([...ts].sort());
  });

  it('a store failure is a code, and the head does not advance', async () => {
    const store = new MemoryAuditStore();
    const trail = await AuditTrail.open(store, { now: steppingClock() });
    await trail.append(ev('vault_unlocked'));
    const orig = store.append.bind(store);
    store.append = () => Promise.reject(new Error('disk'));
    expect(await trail.append(ev('vault_locked'))).toEqual({ ok: false, code: 'store_error' });
    store.append = orig;
    await trail.append(ev('vault_locked'));
    expect((await trail.verify()).ok).toBe(true);
  });

  it('retention prunes a prefix, records it, and the remaining chain verifies', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = new MemoryAuditStore();
    const trail = await AuditTrail.open(store, { now: () => new Date(now) });
    for (let d = 0; d < 10; d++) {
      now = Date.UTC(2026, 0, 1 + d * 10);
      await trail.append(ev('vault_unlocked'));
    }
    now = Date.UTC(2026, 3, 1); // day 90
    const res = await trail.prune(30);
    expect(res).toEqual({ ok: true, removed: 6 }); // days 0..50 go; day 60 is exactly the cutoff and stays
    const recs = await trail.list();
    expect(recs[0]?.seq).toBe(6);
    expect(recs.at(-1)).toMatchObject({ action: 'audit_pruned', details: { count: 6, fromSeq: 0, toSeq: 5, code: 'retention' } });
    expect((await trail.verify()).ok).toBe(true);
  });

  it('detects tampering at rest (store-level verify)', async () => {
    const store = new MemoryAuditStore();
    const trail = await AuditTrail.open(store, { now: steppingClock() });
    for (let i = 0; i < 10; i++) await trail.append(ev('transcript_viewed', { visitId: `v${i}` }));
    const rows = store.unsafeRecords();
    (rows[4] as { action: string }).action = 'note_viewed';
    expect((await trail.verify()).firstBreak).toEqual({ index: 4, seq: 4, reason: 'modified' });
  });

  it('export: signed, self-audited, verifiable; refused by policy', async () => {
    const signer = await openInstallSigner(memoryKeyStore());
    const trail = await AuditTrail.open(new MemoryAuditStore(), { now: steppingClock() });
    await trail.append(ev('visit_created', { visitId: 'v1' }));
    await trail.append(ev('egress_sent', { visitId: 'v1', details: { bytes: 1234, placeholderCount: 7, origin: 'https://api.example.org' } }));
    const denied = await trail.export(signer, { allowed: false, actor: 'clin-1' });
    expect(denied).toEqual({ ok: false, code: 'export_not_allowed' });
    const out = await trail.export(signer, { allowed: true, actor: 'clin-1' });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.count).toBe(4);
    const v = await verifyExport(out.text, { expectKeyThumbprint: signer.thumbprint });
    expect(v).toMatchObject({ ok: true, code: 'ok', records: 4, signature: 'valid', chain: 'valid' });
    const actions = out.text.trim().split('\n').slice(1, -1).map((l) => (JSON.parse(l) as { action: string }).action);
    expect(actions).toEqual(['visit_created', 'egress_sent', 'audit_exported', 'audit_exported']);
  });

  it('refuses to sign a chain that no longer verifies, and records the refusal', async () => {
    const store = new MemoryAuditStore();
    const signer = await openInstallSigner(memoryKeyStore());
    const trail = await AuditTrail.open(store, { now: steppingClock() });
    for (let i = 0; i < 5; i++) await trail.append(ev('transcript_viewed', { visitId: `v${i}` }));
    store.unsafeRecords().splice(2, 1);
    expect(await trail.export(signer, { allowed: true, actor: 'clin-1' })).toEqual({ ok: false, code: 'chain_broken' });
    expect((await trail.list()).at(-1)).toMatchObject({ action: 'audit_exported', outcome: 'error', details: { code: 'chain_broken' } });
  });

  it('the install key is created once, non-extractable, and reused', async () => {
    const ks = memoryKeyStore();
    const s1 = await openInstallSigner(ks);
    const s2 = await openInstallSigner(ks);
    expect(s2.thumbprint).toBe(s1.thumbprint);
    const pair = await ks.load();
    expect(pair?.privateKey.extractable).toBe(false);
  });

  it('property: any sequence of valid events yields a verifying chain of parseable records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { maxLength: 40 }), async (events) => {
        const trail = await AuditTrail.open(new MemoryAuditStore(), { now: steppingClock() });
        for (const e of events) expect((await trail.append(e)).ok).toBe(true);
        const recs = await trail.list();
        expect(recs).toHaveLength(events.length);
        for (const r of recs) {
          expect(AuditRecord.safeParse(r).success).toBe(true);
          const { hash, ...rest } = r;
          expect(await hashRecord(rest)).toBe(hash);
        }
        expect((await verifyChain(recs)).ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
