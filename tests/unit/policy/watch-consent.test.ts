import { describe, expect, it } from 'vitest';
import { attestConsent, captureGate, defaultPolicy, resolvePolicy, telehealthNotice, watchPolicy, type ManagedStorageLike, type PolicyUpdate } from '../../../extension/lib/policy/index.ts';
import { sha256Hex } from '../../../extension/lib/audit/chain.ts';
import { AuditEvent } from '../../../extension/lib/audit/record.ts';

type Listener = (changes: Record<string, unknown>, areaName: string) => void;

function fakeStorage(initial: Record<string, unknown>, opts: { fail?: boolean } = {}) {
  let data = initial;
  const listeners = new Set<Listener>();
  const storage: ManagedStorageLike = {
    managed: { get: () => (opts.fail ? Promise.reject(new Error('Managed storage manifest not found')) : Promise.resolve(structuredClone(data))) },
    onChanged: { addListener: (l) => listeners.add(l), removeListener: (l) => listeners.delete(l) },
  };
  return {
    storage,
    listeners,
    set(next: Record<string, unknown>, area = 'managed') {
      data = next;
      for (const l of listeners) l({}, area);
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('watchPolicy', () => {
  it('reads once, then re-reads on managed changes only; stop() unsubscribes', async () => {
    const f = fakeStorage({ idleLockMinutes: 7 });
    const updates: PolicyUpdate[] = [];
    const w = watchPolicy(f.storage, (u) => updates.push(u));
    expect((await w.ready).effective.idleLockMinutes).toBe(7);
    f.set({ idleLockMinutes: 9 }, 'local');
    await tick();
    expect(updates).toHaveLength(1);
    f.set({ idleLockMinutes: 9 });
    await tick();
    expect(updates.map((u) => [u.cause, u.resolution.effective.idleLockMinutes])).toEqual([
      ['initial', 7],
      ['changed', 9],
    ]);
    expect(w.current()?.effective.idleLockMinutes).toBe(9);
    w.stop();
    expect(f.listeners.size).toBe(0);
  });

  it('a policy-installed extension with no keys (all dropped by Chromium) counts as managed', async () => {
    const f = fakeStorage({});
    const w = watchPolicy(f.storage, () => {}, { adminInstalled: () => Promise.resolve(true) });
    const res = await w.ready;
    expect(res.managed).toBe(true);
    expect(res.effective.allowedEhrOrigins).toEqual([]);
    const w2 = watchPolicy(f.storage, () => {}, { adminInstalled: () => Promise.reject(new Error('no management api')) });
    expect((await w2.ready).managed).toBe(false);
  });

  it('an unreadable managed area runs on defaults and says so', async () => {
    const f = fakeStorage({}, { fail: true });
    let got: PolicyUpdate | undefined;
    const w = watchPolicy(f.storage, (u) => (got = u));
    await w.ready;
    expect(got?.readError).toBe(true);
    expect(got?.resolution.effective).toEqual(defaultPolicy());
  });

  it('a throwing listener does not stop later updates', async () => {
    const f = fakeStorage({});
    let calls = 0;
    watchPolicy(f.storage, () => {
      calls++;
      throw new Error('listener bug');
    });
    await tick();
    f.set({ pinMinLength: 8 });
    await tick();
    expect(calls).toBe(2);
  });
});

describe('recording consent', () => {
  it('capture is refused without an attestation when required, allowed when not required', async () => {
    const p = defaultPolicy();
    expect(captureGate(p, 'v1', undefined)).toEqual({ allowed: false, code: 'consent_required' });
    const { attestation, audit } = await attestConsent(p, { visitId: 'v1', actor: 'clin-1', channel: 'telehealth', now: new Date(Date.UTC(2026, 0, 1)) });
    expect(captureGate(p, 'v1', attestation)).toEqual({ allowed: true });
    expect(captureGate(p, 'v2', attestation)).toEqual({ allowed: false, code: 'consent_required' });
    expect(captureGate(resolvePolicy({ consentRequired: false }).effective, 'v1', undefined)).toEqual({ allowed: true });
    expect(AuditEvent.safeParse(audit).success).toBe(true);
    expect(audit).toMatchObject({ action: 'consent_attested', visitId: 'v1', details: { channel: 'telehealth', sha256: await sha256Hex(p.consentWording) } });
  });

  it('the telehealth notice uses the admin wording', () => {
    expect(telehealthNotice(resolvePolicy({ telehealthNoticeWording: 'Clinic X transcribes this call.' }).effective)).toBe('Clinic X transcribes this call.');
    expect(telehealthNotice(defaultPolicy()).length).toBeGreaterThan(20);
  });
});
