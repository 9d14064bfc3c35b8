import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VaultClient, handleVaultCommand, vaultCommandAllowedFrom, type VaultCommand } from '../../../extension/lib/vault/protocol.ts';
import { installBackgroundVaultHooks, startVaultHost, PURGE_ALARM } from '../../../extension/lib/vault/host.ts';
import { VaultError } from '../../../extension/lib/vault/errors.ts';
import { ManualClock, PIN, TEST_KDF, codeOf, freshDb, seg } from './helpers.ts';
import { HOOK_POLICY_KEYS, vaultSettingsFromPolicy } from '../../../extension/lib/vault/policy-settings.ts';
import { defaultPolicy } from '../../../extension/lib/policy/index.ts';

/** An in-memory transport that, like chrome.runtime messaging, structured-clones both ways. */
function transport(handle: (raw: unknown) => Promise<unknown>): (m: VaultCommand) => Promise<unknown> {
  return async (m) => structuredClone(await handle(structuredClone(m)));
}

describe('vault protocol', () => {
  it('a client drives the hosted vault end to end; lock is broadcast', async () => {
    const { db } = freshDb();
    const clock = new ManualClock();
    const events: unknown[] = [];
    const host = startVaultHost({ db, clock, config: TEST_KDF, broadcast: (e) => events.push(e) });
    const client = new VaultClient(transport(host.handle));
    expect(await client.status()).toMatchObject({ initialized: false, unlocked: false });
    await client.setup(PIN);
    const id = await client.createVisit({ label: 'x' });
    await client.putSegment(id, seg('s1', 0, 'hello'));
    expect(await client.listSegments(id)).toEqual([seg('s1', 0, 'hello')]);
    await client.putNote(id, { text: 'n' });
    expect(await client.getNote(id)).toEqual({ text: 'n' });
    await client.putPhiMap(id, { '[NAME_1]': 'y' });
    expect(await client.getPhiMap(id)).toEqual({ '[NAME_1]': 'y' });
    expect((await client.approveVisit(id)).state).toBe('approved');
    expect((await client.listVisits()).map((v) => v.id)).toEqual([id]);
    await client.lock();
    expect(events).toEqual([{ cmd: 'vault.locked', reason: 'manual' }]);
    expect(await codeOf(client.getNote(id))).toBe('LOCKED');
    expect(await codeOf(client.unlock('wrong-pin'))).toBe('WRONG_PIN');
    await client.unlock(PIN);
    expect(await client.deleteVisit(id)).toBe(true);
    expect(await client.deleteAll()).toBe(0);
    expect((await client.listAudit()).entries.length).toBeGreaterThan(3);
    await client.reset();
    expect((await client.status()).initialized).toBe(false);
    host.dispose();
  });

  it('BACKOFF reaches the client with retryAfterMs', async () => {
    const { db } = freshDb();
    const host = startVaultHost({ db, clock: new ManualClock(), config: { ...TEST_KDF, backoffFreeAttempts: 0 }, broadcast: () => undefined });
    const client = new VaultClient(transport(host.handle));
    await client.setup(PIN);
    await client.lock();
    await codeOf(client.unlock('wrong-pin'));
    try {
      await client.unlock(PIN);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VaultError);
      expect((e as VaultError).code).toBe('BACKOFF');
      expect((e as VaultError).retryAfterMs).toBe(5_000);
    }
    host.dispose();
  });

  it('malformed commands get INVALID_INPUT and the reply never echoes the input', async () => {
    const { db } = freshDb();
    const host = startVaultHost({ db, clock: new ManualClock(), config: TEST_KDF, broadcast: () => undefined });
    const secret = 'SECRET-PIN-CANARY';
    for (const bad of [
      null,
      'vault.unlock',
      { target: 'offscreen', cmd: 'vault.unlock' },
      { target: 'offscreen', cmd: 'vault.unlock', pin: secret, extra: 1 },
      { target: 'background', cmd: 'vault.unlock', pin: secret },
      { target: 'offscreen', cmd: 'vault.nope', pin: secret },
      { target: 'offscreen', cmd: 'vault.reset', confirm: 'yes' },
      { target: 'offscreen', cmd: 'vault.deleteAll' },
      JSON.parse(`{"target":"offscreen","cmd":"vault.unlock","pin":"${secret}","__proto__":{"x":1}}`),
    ]) {
      const r = await handleVaultCommand(host.vault, bad);
      expect(r).toEqual({ ok: false, code: 'INVALID_INPUT' });
      expect(JSON.stringify(r)).not.toContain(secret);
    }
    host.dispose();
  });

  it('property: no input, however odd, makes the handler throw', async () => {
    const { db } = freshDb();
    const host = startVaultHost({ db, clock: new ManualClock(), config: TEST_KDF, broadcast: () => undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({ target: fc.constant('offscreen'), cmd: fc.constantFrom('vault.getNote', 'vault.putSegment', 'vault.unlock'), visitId: fc.string(), pin: fc.string() }),
        ),
        async (raw) => {
          const r = await handleVaultCommand(host.vault, raw);
          expect(r.ok === true || typeof r.code === 'string').toBe(true);
        },
      ),
      { numRuns: 100 },
    );
    host.dispose();
  });

  it('content scripts may not send vault commands', () => {
    expect(vaultCommandAllowedFrom('panel')).toBe(true);
    expect(vaultCommandAllowedFrom('background')).toBe(true);
    expect(vaultCommandAllowedFrom('content')).toBe(false);
    expect(vaultCommandAllowedFrom('offscreen')).toBe(false);
  });

  it('a transport failure or a forged reply is a closed code, not a crash', async () => {
    expect(await codeOf(new VaultClient(() => Promise.reject(new Error('no receiver'))).status())).toBe('STORAGE');
    expect(await codeOf(new VaultClient(async () => ({ ok: true, value: { unlocked: 'yes' } })).status())).toBe('CORRUPT');
    expect(await codeOf(new VaultClient(async () => ({ ok: false, code: 'MADE_UP' })).status())).toBe('STORAGE');
  });
});

describe('background hooks', () => {
  function fakes() {
    const idleL: Array<(s: 'active' | 'idle' | 'locked') => void> = [];
    const alarmL: Array<(a: { name: string }) => void> = [];
    const startL: Array<() => void> = [];
    const created: Array<{ name: string; periodInMinutes: number }> = [];
    let interval = 0;
    const apis = {
      idle: {
        setDetectionInterval: (s: number) => void (interval = s),
        onStateChanged: { addListener: (cb: (s: 'active' | 'idle' | 'locked') => void) => idleL.push(cb), removeListener: () => undefined },
      },
      alarms: {
        create: (name: string, info: { periodInMinutes: number }) => void created.push({ name, ...info }),
        onAlarm: { addListener: (cb: (a: { name: string }) => void) => alarmL.push(cb), removeListener: () => undefined },
      },
      runtime: { onStartup: { addListener: (cb: () => void) => startL.push(cb), removeListener: () => undefined } },
    };
    return { apis, idleL, alarmL, startL, created, interval: () => interval };
  }

  it('screen lock always locks; system idle locks unless a visit is recording', async () => {
    const f = fakes();
    const sent: string[] = [];
    let recording = true;
    installBackgroundVaultHooks(f.apis, { systemIdle: async (s) => { sent.push(s); return null; } }, { config: TEST_KDF, isRecording: () => recording, db: freshDb().db });
    expect(f.interval()).toBe(300);
    f.idleL[0]?.('idle');
    f.idleL[0]?.('locked');
    recording = false;
    f.idleL[0]?.('idle');
    f.idleL[0]?.('active');
    expect(sent).toEqual(['locked', 'idle']);
    expect(f.created).toEqual([{ name: PURGE_ALARM, periodInMinutes: 15, delayInMinutes: 1 }]);
  });

  it('the purge alarm and browser start purge expired visits without a key', async () => {
    const f = fakes();
    const { db } = freshDb();
    const clock = new ManualClock();
    const host = startVaultHost({ db, clock, config: TEST_KDF, broadcast: () => undefined });
    await host.vault.setup(PIN);
    await host.vault.createVisit();
    host.vault.lock();
    const hooks = installBackgroundVaultHooks(f.apis, { systemIdle: async () => null }, { config: TEST_KDF, db, clock });
    expect((await hooks.purgeNow())?.visits).toBe(0);
    clock.t += 24 * 3600_000;
    const purged: number[] = [];
    const hooks2 = installBackgroundVaultHooks(f.apis, { systemIdle: async () => null }, { config: TEST_KDF, db, clock, onPurged: (r) => purged.push(r.visits) });
    f.alarmL[1]?.({ name: PURGE_ALARM });
    await new Promise((r) => setTimeout(r, 200));
    expect(purged).toEqual([1]);
    expect(await db.visits.count()).toBe(0);
    hooks.dispose();
    hooks2.dispose();
    host.dispose();
  });

  // the service worker's purge runs on the policy (background/index.ts hands it these settings)
  it('auditRetentionDays sets the purge hooks\' audit TTL: 30 days prunes a 31-day-old entry, the default keeps it', async () => {
    const f = fakes();
    const { db } = freshDb();
    const clock = new ManualClock();
    const host = startVaultHost({ db, clock, config: TEST_KDF, broadcast: () => undefined });
    await host.vault.setup(PIN);
    await host.vault.appendAudit({ code: 'test.old' });
    host.vault.lock();
    clock.t += 31 * 86_400_000;
    const run = async (p: ReturnType<typeof defaultPolicy>) => {
      const hooks = installBackgroundVaultHooks(f.apis, { systemIdle: async () => null }, { config: { ...TEST_KDF, ...vaultSettingsFromPolicy(p) }, db, clock });
      const r = await hooks.purgeNow();
      hooks.dispose();
      return r?.auditEntries;
    };
    expect(await run(defaultPolicy())).toBe(0); // default: 6 years
    expect(await run({ ...defaultPolicy(), auditRetentionDays: 30 })).toBeGreaterThan(0);
    await host.vault.unlock(PIN);
    expect((await host.vault.listAudit()).entries.map((e) => e.code)).not.toContain('test.old');
    host.dispose();
  });

  it('the policy keys that reinstall the hooks are exactly those the hooks read', () => {
    const base = vaultSettingsFromPolicy(defaultPolicy());
    const moved = { idleLockMinutes: 9, draftRetentionHours: 9, approvedRetentionHours: 9, auditRetentionDays: 99 } as const;
    for (const k of HOOK_POLICY_KEYS) expect(vaultSettingsFromPolicy({ ...defaultPolicy(), [k]: moved[k as keyof typeof moved] })).not.toEqual(base);
    expect([...HOOK_POLICY_KEYS].sort()).toEqual(Object.keys(moved).sort());
  });
});
