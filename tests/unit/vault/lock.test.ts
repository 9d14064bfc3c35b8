import { describe, expect, it } from 'vitest';
import { PIN, codeOf, seg, unlockedVault } from './helpers.ts';

describe('lock', () => {
  it('auto-locks after 5 idle minutes by default; activity keeps it open', async () => {
    const { vault, clock } = await unlockedVault();
    const reasons: string[] = [];
    vault.onLock((r) => reasons.push(r));
    const id = await vault.createVisit();
    clock.advance(4 * 60_000);
    await vault.putSegment(id, seg('s', 0, 'x')); // activity
    clock.advance(4 * 60_000);
    expect(vault.isUnlocked).toBe(true);
    clock.advance(60_000 + 1);
    expect(vault.isUnlocked).toBe(false);
    expect(reasons).toEqual(['idle_timeout']);
    expect(await codeOf(vault.listSegments(id))).toBe('LOCKED');
    expect(await codeOf(vault.listVisits())).toBe('LOCKED');
    expect(await codeOf(vault.getNote(id))).toBe('LOCKED');
    expect(await codeOf(vault.putSegment(id, seg('t', 1, 'y')))).toBe('LOCKED');
    await vault.unlock(PIN);
    expect(await vault.listSegments(id)).toHaveLength(1);
    vault.dispose();
    expect(clock.pending).toBe(0);
  });

  it('the idle time is configurable, and is enforced even if the timer never fires', async () => {
    const { vault, clock } = await unlockedVault({ idleLockMs: 30_000 });
    const id = await vault.createVisit();
    clock.skip(31_000); // time passes without timers firing (throttled/suspended timers)
    expect(await codeOf(vault.listSegments(id))).toBe('LOCKED');
    vault.dispose();
  });

  it('idle is measured on the monotonic clock: a wall-clock step back does not keep the vault open, a step forward does not lock it', async () => {
    const { vault, clock } = await unlockedVault({ idleLockMs: 60_000 });
    const id = await vault.createVisit();
    clock.t -= 3 * 86_400_000; // the system clock is set 3 days back
    await vault.putSegment(id, seg('s', 0, 'x')); // activity, stamped on the stepped-back wall clock
    clock.t += 3 * 86_400_000; // and put right again: 3 days "pass" in no time
    expect(await vault.listSegments(id)).toHaveLength(1);
    expect(vault.isUnlocked).toBe(true);
    clock.t -= 3 * 86_400_000; // back again; real idleness still locks after idleLockMs
    clock.advance(60_000 + 1);
    expect(vault.isUnlocked).toBe(false);
    vault.dispose();
  });

  it('chrome.idle "locked" and "idle" lock; "active" does not', async () => {
    const { vault } = await unlockedVault();
    vault.onSystemIdleState('active');
    expect(vault.isUnlocked).toBe(true);
    vault.onSystemIdleState('locked');
    expect(vault.isUnlocked).toBe(false);
    await vault.unlock(PIN);
    vault.onSystemIdleState('idle');
    expect(vault.isUnlocked).toBe(false);
    vault.dispose();
  });

  it('a read in flight when the vault locks returns LOCKED, not content', async () => {
    const { vault } = await unlockedVault();
    const id = await vault.createVisit();
    for (let i = 0; i < 50; i++) await vault.putSegment(id, seg(`s${i}`, i, `text ${i}`));
    const pending = vault.listSegments(id);
    vault.lock();
    expect(await codeOf(pending)).toBe('LOCKED');
    vault.dispose();
  });

  it('lock drops every key reference: even cached visit keys answer LOCKED', async () => {
    const { vault } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.getNote(id);
    vault.lock();
    // Private fields cannot be inspected from outside; the observable contract is that nothing
    // keyed answers, including a visit whose key was cached, until a fresh unlock.
    expect(vault.isUnlocked).toBe(false);
    expect(await codeOf(vault.getVisitMeta(id))).toBe('LOCKED');
    expect(await codeOf(vault.getNote(id))).toBe('LOCKED');
    expect(await codeOf(vault.listAudit())).toBe('LOCKED');
    vault.dispose();
  });

  it('deletion and retention still work while locked', async () => {
    const { vault, db } = await unlockedVault();
    const id = await vault.createVisit();
    vault.lock();
    expect(await vault.deleteVisit(id)).toBe(true);
    expect(await db.visits.count()).toBe(0);
    expect(await db.keys.get(id)).toBeUndefined();
    vault.dispose();
  });
});
