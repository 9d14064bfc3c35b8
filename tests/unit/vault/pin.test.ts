import { describe, expect, it } from 'vitest';
import { Vault } from '../../../extension/lib/vault/vault.ts';
import { backoffDelayMs, VaultConfig } from '../../../extension/lib/vault/config.ts';
import { VaultError } from '../../../extension/lib/vault/errors.ts';
import { ManualClock, PIN, TEST_KDF, codeOf, freshDb, rawDump, seg, unlockedVault } from './helpers.ts';

describe('PIN: wrong PIN, back-off, change, reset', () => {
  it('a wrong PIN unlocks nothing and says WRONG_PIN', async () => {
    const { vault } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.putSegment(id, seg('s', 0, 'text'));
    vault.lock();
    expect(await codeOf(vault.unlock('wrong-pin-1'))).toBe('WRONG_PIN');
    expect(vault.isUnlocked).toBe(false);
    expect(await codeOf(vault.listSegments(id))).toBe('LOCKED');
    await vault.unlock(PIN);
    expect((await vault.listSegments(id))[0]?.text).toBe('text');
    vault.dispose();
  });

  it('back-off grows exponentially, is persisted across restarts, and resets on success', async () => {
    const { vault, db, clock } = await unlockedVault();
    vault.lock();
    const cfg = VaultConfig.parse(TEST_KDF);
    // 3 free attempts (delay 0), then 5 s, 10 s, 20 s ...
    expect([1, 2, 3, 4, 5, 6].map((f) => backoffDelayMs(f, cfg))).toEqual([0, 0, 0, 5_000, 10_000, 20_000]);
    expect(backoffDelayMs(100, cfg)).toBe(cfg.backoffMaxMs);
    for (let i = 0; i < 3; i++) expect(await codeOf(vault.unlock(`bad-${i}xx`))).toBe('WRONG_PIN');
    let err: unknown;
    try {
      await vault.unlock('bad-4xx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VaultError);
    expect((err as VaultError).code).toBe('WRONG_PIN');
    expect((err as VaultError).retryAfterMs).toBe(5_000);
    // Even the right PIN is refused inside the window, without running the KDF.
    clock.advance(4_000);
    expect(await codeOf(vault.unlock(PIN))).toBe('BACKOFF');

    // "Restart": a new Vault instance on the same database sees the same window.
    vault.dispose();
    const again = new Vault(db, clock, TEST_KDF);
    const st = await again.status();
    expect(st).toMatchObject({ initialized: true, unlocked: false, failedAttempts: 4, retryAfterMs: 1_000 });
    try {
      await again.unlock(PIN);
    } catch (e) {
      expect((e as VaultError).code).toBe('BACKOFF');
      expect((e as VaultError).retryAfterMs).toBe(1_000);
    }
    clock.advance(1_000);
    expect(await codeOf(again.unlock('bad-5xx'))).toBe('WRONG_PIN');
    expect((await again.status()).retryAfterMs).toBe(10_000);
    clock.advance(10_000);
    await again.unlock(PIN);
    expect(await again.status()).toMatchObject({ unlocked: true, failedAttempts: 0, retryAfterMs: 0 });
    const audit = await again.listAudit();
    expect(audit.entries.find((e) => e.code === 'vault.unlock')?.n).toBe(5);
    again.dispose();
  });

  it('concurrent wrong guesses cannot slip past the back-off check', async () => {
    const { vault } = await unlockedVault({ backoffFreeAttempts: 0 });
    vault.lock();
    const codes = await Promise.all(Array.from({ length: 5 }, (_, i) => codeOf(vault.unlock(`guess-${i}`))));
    expect(codes.filter((c) => c === 'WRONG_PIN')).toHaveLength(1);
    expect(codes.filter((c) => c === 'BACKOFF')).toHaveLength(4);
    vault.dispose();
  });

  it('PIN change re-wraps the vault key: the old PIN stops working, data stays readable', async () => {
    const { vault, db } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.putNote(id, { text: 'kept' });
    const before = (await db.meta.get('vault')) as { salt: Uint8Array; ct: Uint8Array };
    expect(await codeOf(vault.changePin('not-the-pin', 'new-pin-9876'))).toBe('WRONG_PIN');
    expect(await codeOf(vault.changePin(PIN, '123'))).toBe('PIN_POLICY');
    await vault.changePin(PIN, 'new-pin-9876');
    const after = (await db.meta.get('vault')) as { salt: Uint8Array; ct: Uint8Array };
    expect(Buffer.from(after.salt).equals(Buffer.from(before.salt))).toBe(false);
    expect(Buffer.from(after.ct).equals(Buffer.from(before.ct))).toBe(false);
    vault.lock();
    expect(await codeOf(vault.unlock(PIN))).toBe('WRONG_PIN');
    await vault.unlock('new-pin-9876');
    expect(await vault.getNote(id)).toEqual({ text: 'kept' });
    vault.dispose();
  });

  it('changePin needs an unlocked vault', async () => {
    const { vault } = await unlockedVault();
    vault.lock();
    expect(await codeOf(vault.changePin(PIN, 'new-pin-9876'))).toBe('LOCKED');
    vault.dispose();
  });

  it('forgotten PIN: reset destroys every record and key; a new vault starts empty', async () => {
    const { vault, db } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.putSegment(id, seg('s', 0, 'gone'));
    vault.lock();
    await codeOf(vault.unlock('forgotten'));
    await vault.resetVault();
    expect(await vault.status()).toMatchObject({ initialized: false, unlocked: false, failedAttempts: 0 });
    expect(await rawDump(db)).toEqual([]);
    expect(await codeOf(vault.unlock(PIN))).toBe('NOT_INITIALIZED');
    await vault.setup('a-new-pin-1');
    expect(await vault.listVisits()).toEqual([]);
    vault.dispose();
  });

  it('setup refuses a second vault and short PINs', async () => {
    const { vault } = await unlockedVault();
    expect(await codeOf(vault.setup('another-pin'))).toBe('ALREADY_INITIALIZED');
    const { db } = freshDb();
    const v2 = new Vault(db, new ManualClock(), TEST_KDF);
    expect(await codeOf(v2.setup('12345'))).toBe('PIN_POLICY');
    expect(await codeOf(v2.unlock(PIN))).toBe('NOT_INITIALIZED');
    vault.dispose();
  });

  it('optional policy: wipe after N consecutive wrong PINs', async () => {
    const { vault, db, clock } = await unlockedVault({ wipeAfterFailures: 5, backoffBaseMs: 1 });
    await vault.createVisit();
    vault.lock();
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(await codeOf(vault.unlock(`wrong-${i}`)));
      clock.advance(60_000);
    }
    expect(codes).toEqual(['WRONG_PIN', 'WRONG_PIN', 'WRONG_PIN', 'WRONG_PIN', 'WIPED']);
    expect(await rawDump(db)).toEqual([]);
    // only the wiping call says WIPED; afterwards there is simply no vault
    expect(await codeOf(vault.unlock('wrong-again'))).toBe('NOT_INITIALIZED');
    vault.dispose();
  });
});
