import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuditTrail,
  hashRecord,
  MemoryAuditStore,
  memoryKeyStore,
  openInstallSigner,
  verifyExport,
  type AuditRecord,
  type AuditSigner,
  type BreakReason,
} from '../../../extension/lib/audit/index.ts';
import { b64url } from '../../../extension/lib/audit/signer.ts';
import { eventArb, steppingClock } from './helpers.ts';

/**
 * The verifier must name the first broken link — index and reason — for 100% of single tamperings
 * (modify, delete, reorder, insert one record) of a signed export.
 */

interface Base {
  header: string;
  records: AuditRecord[];
  sigLine: string;
}

let signer: AuditSigner;
const bases: Base[] = [];

beforeAll(async () => {
  signer = await openInstallSigner(memoryKeyStore());
  const sample = fc.sample(fc.array(eventArb, { minLength: 3, maxLength: 60 }), { numRuns: 6, seed: 42 });
  for (const [i, events] of sample.entries()) {
    const store = new MemoryAuditStore();
    const trail = await AuditTrail.open(store, { now: steppingClock(Date.UTC(2026, 0, 1 + i)) });
    for (const e of events) await trail.append(e);
    // one export starts mid-chain (as after retention pruning)
    const out = await trail.export(signer, { allowed: true, actor: 'clin-1', ...(i === 5 ? { fromSeq: 2 } : {}) });
    if (!out.ok) throw new Error(out.code);
    const lines = out.text.trimEnd().split('\n');
    bases.push({ header: lines[0] ?? '', records: lines.slice(1, -1).map((l) => JSON.parse(l) as AuditRecord), sigLine: lines.at(-1) ?? '' });
  }
});

const text = (b: Base, recs: readonly unknown[], sigLine = b.sigLine) => [b.header, ...recs.map((r) => JSON.stringify(r)), sigLine].join('\n') + '\n';

type Tamper =
  | { op: 'modify'; at: number; field: number; rehash: boolean }
  | { op: 'delete'; at: number }
  | { op: 'move'; from: number; to: number }
  | { op: 'swap'; a: number; b: number }
  | { op: 'insert'; at: number; kind: 'fitting' | 'copy' | 'random'; src: number; seq: number };

const tamperArb: fc.Arbitrary<[number, Tamper]> = fc.nat(bases.length || 5).chain((bi) =>
  fc.tuple(
    fc.constant(bi),
    fc.oneof(
      fc.record({ op: fc.constant('modify' as const), at: fc.nat(1e6), field: fc.nat(5), rehash: fc.boolean() }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(1e6) }),
      fc.record({ op: fc.constant('move' as const), from: fc.nat(1e6), to: fc.nat(1e6) }),
      fc.record({ op: fc.constant('swap' as const), a: fc.nat(1e6), b: fc.nat(1e6) }),
      fc.record({
        op: fc.constant('insert' as const),
        at: fc.nat(1e6),
        kind: fc.constantFrom('fitting' as const, 'copy' as const, 'random' as const),
        src: fc.nat(1e6),
        seq: fc.nat(80),
      }),
    ),
  ),
);

async function rehashed(r: AuditRecord): Promise<AuditRecord> {
  const { hash: _h, ...rest } = r;
  return { ...rest, hash: await hashRecord(rest) };
}

/** Applies one tampering; returns the tampered list and the break the verifier must report (or null if a no-op). */
async function apply(b: Base, t: Tamper): Promise<{ recs: AuditRecord[]; expect: { index: number; reason: BreakReason } } | null> {
  const recs = b.records.map((r) => structuredClone(r));
  const n = recs.length;
  switch (t.op) {
    case 'modify': {
      const at = t.at % n;
      const r = recs[at] as AuditRecord;
      const m: AuditRecord = structuredClone(r);
      const f = t.field;
      if (f === 0) m.action = r.action === 'note_inserted' ? 'note_approved' : 'note_inserted';
      else if (f === 1) m.outcome = r.outcome === 'ok' ? 'denied' : 'ok';
      else if (f === 2) m.actor = r.actor + 'x';
      else if (f === 3) m.visitId = (r.visitId ?? '') + 'y';
      else if (f === 4) m.ts = new Date(Date.parse(r.ts) - 3_600_000).toISOString();
      else m.details = { ...r.details, bytes: (r.details.bytes ?? 0) + 1 };
      recs[at] = t.rehash ? await rehashed(m) : m;
      return { recs, expect: { index: at, reason: 'modified' } };
    }
    case 'delete': {
      const at = t.at % n;
      recs.splice(at, 1);
      return { recs, expect: { index: at, reason: 'deleted' } };
    }
    case 'move': {
      const from = t.from % n;
      const to = t.to % n;
      if (from === to) return null;
      const [r] = recs.splice(from, 1);
      recs.splice(to, 0, r as AuditRecord);
      return { recs, expect: { index: Math.min(from, to), reason: 'reordered' } };
    }
    case 'swap': {
      const a = t.a % n;
      const c = t.b % n;
      if (a === c) return null;
      [recs[a], recs[c]] = [recs[c] as AuditRecord, recs[a] as AuditRecord];
      return { recs, expect: { index: Math.min(a, c), reason: 'reordered' } };
    }
    case 'insert': {
      const at = t.at % (n + 1);
      let forged: AuditRecord;
      let index = at;
      if (t.kind === 'copy') {
        const src = t.src % n;
        forged = structuredClone(recs[src] as AuditRecord);
        // a byte-identical copy placed right before its original is indistinguishable from placing
        // it right after: the verifier names the second of the two identical lines
        if (at === src) index = at + 1;
      } else {
        const before = at > 0 ? (recs[at - 1] as AuditRecord) : null;
        const template = structuredClone(recs[t.src % n] as AuditRecord);
        const fitting = t.kind === 'fitting';
        const base = {
          ...template,
          action: 'vault_unlocked' as const,
          actor: 'intruder',
          seq: fitting ? (before ? before.seq + 1 : (recs[0] as AuditRecord).seq) : t.seq,
          prev: fitting ? (before ? before.hash : (recs[0] as AuditRecord).prev) : 'ab'.repeat(32),
        };
        forged = await rehashed(base);
      }
      recs.splice(at, 0, forged);
      return { recs, expect: { index, reason: 'inserted' } };
    }
  }
}

describe('tamper detection on signed exports', () => {
  it('an untampered export verifies', async () => {
    for (const b of bases) expect(await verifyExport(text(b, b.records), { expectKeyThumbprint: signer.thumbprint })).toMatchObject({ ok: true, code: 'ok' });
  });

  it('1,000 random single tamperings: the first broken link is named 100% (index and reason)', async () => {
    let runs = 0;
    const misses: string[] = [];
    await fc.assert(
      fc.asyncProperty(tamperArb, async ([bi, t]) => {
        const b = bases[bi % bases.length] as Base;
        const res = await apply(b, t);
        if (res === null) return;
        runs++;
        const v = await verifyExport(text(b, res.recs));
        if (v.code !== 'chain_broken' || v.firstBreak?.index !== res.expect.index || v.firstBreak.reason !== res.expect.reason) {
          misses.push(JSON.stringify({ t, expected: res.expect, got: v.firstBreak ?? v.code }));
        }
        expect(v.ok).toBe(false);
        expect(v.signature).toBe('invalid');
      }),
      { numRuns: 1100 },
    );
    expect(runs).toBeGreaterThanOrEqual(1000);
    expect(misses.slice(0, 5)).toEqual([]);
  });

  it('signature tampering is detected', async () => {
    const b = bases[0] as Base;
    const good = text(b, b.records);
    const sig = JSON.parse(b.sigLine) as { sig: string };
    const flipped = sig.sig.startsWith('A') ? 'B' + sig.sig.slice(1) : 'A' + sig.sig.slice(1);
    expect(await verifyExport(text(b, b.records, JSON.stringify({ ...sig, sig: flipped })))).toMatchObject({ ok: false, code: 'bad_signature', chain: 'valid' });
    expect(await verifyExport(text(b, b.records, ''))).toMatchObject({ ok: false, signature: 'missing' });
    // header edited (e.g. exportedAt), signature kept
    const h = JSON.parse(b.header) as Record<string, unknown>;
    const edited = good.replace(b.header, JSON.stringify({ ...h, exportedAt: '2020-01-01T00:00:00.000Z' }));
    expect(await verifyExport(edited)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await verifyExport('garbage')).toMatchObject({ ok: false, code: 'malformed_export' });
    expect(await verifyExport('')).toMatchObject({ ok: false, code: 'malformed_export' });
  });

  it('re-signing with another key is caught when the auditor pins the install key', async () => {
    const b = bases[1] as Base;
    const other = await openInstallSigner(memoryKeyStore());
    const h = { ...(JSON.parse(b.header) as Record<string, unknown>), publicKeyJwk: other.publicJwk, keyThumbprint: other.thumbprint };
    let body = JSON.stringify(h) + '\n' + b.records.map((r) => JSON.stringify(r) + '\n').join('');
    body += JSON.stringify({ type: 'signature', alg: 'ES256', sig: b64url(await other.sign(new TextEncoder().encode(body))) }) + '\n';
    expect(await verifyExport(body)).toMatchObject({ ok: true }); // self-consistent…
    expect(await verifyExport(body, { expectKeyThumbprint: signer.thumbprint })).toMatchObject({ ok: false, code: 'unexpected_key' }); // …but not ours
  });

  it('a full re-chain after an edit is caught by the signed head and the signature', async () => {
    const b = bases[2] as Base;
    const recs = b.records.map((r) => structuredClone(r));
    (recs[1] as AuditRecord).outcome = 'denied';
    for (let i = 1; i < recs.length; i++) {
      const prevHash = (recs[i - 1] as AuditRecord).hash;
      recs[i] = await rehashed({ ...(recs[i] as AuditRecord), prev: prevHash });
    }
    const v = await verifyExport(text(b, recs));
    expect(v.ok).toBe(false);
    expect(v.signature).toBe('invalid');
    expect(v.firstBreak?.reason).toBe('modified');
  });
});
