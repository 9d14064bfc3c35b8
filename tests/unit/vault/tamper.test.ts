import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, seg, unlockedVault } from './helpers.ts';

type Row = { iv: Uint8Array; ct: Uint8Array } & Record<string, unknown>;

function flip(b: Uint8Array, i: number, mask = 0x01): Uint8Array {
  const c = new Uint8Array(b);
  c[i % c.length] = (c[i % c.length] ?? 0) ^ mask;
  return c;
}

describe('tampering is an INTEGRITY error and the rest of the vault still opens', () => {
  it('a flipped ciphertext byte, a flipped IV byte, a moved ciphertext', async () => {
    const { vault, db } = await unlockedVault();
    const a = await vault.createVisit();
    const b = await vault.createVisit();
    await vault.putSegment(a, seg('s1', 0, 'one'));
    await vault.putSegment(a, seg('s2', 1, 'two'));
    await vault.putSegment(b, seg('s1', 0, 'other visit'));
    await vault.putNote(a, { text: 'note a' });
    await vault.putPhiMap(a, { '[NAME_1]': 'x' });

    const orig = (await db.segments.get([a, 's1'])) as Row;

    await db.segments.put({ ...orig, ct: flip(orig.ct, 3) });
    expect(await codeOf(vault.listSegments(a))).toBe('INTEGRITY');
    await db.segments.put({ ...orig, iv: flip(orig.iv, 0) });
    expect(await codeOf(vault.listSegments(a))).toBe('INTEGRITY');
    // Truncated tag
    await db.segments.put({ ...orig, ct: orig.ct.subarray(0, orig.ct.length - 1) });
    expect(await codeOf(vault.listSegments(a))).toBe('INTEGRITY');

    // s1's ciphertext copied onto s2's row (same visit, same key, different id)
    await db.segments.put(orig);
    const s2 = (await db.segments.get([a, 's2'])) as Row;
    await db.segments.put({ ...s2, iv: orig.iv, ct: orig.ct });
    expect(await codeOf(vault.listSegments(a))).toBe('INTEGRITY');
    await db.segments.put(s2);
    expect((await vault.listSegments(a)).map((s) => s.text)).toEqual(['one', 'two']);

    // The note's ciphertext moved into the phiMap table (same visit, same key, other table)
    const note = (await db.notes.get(a)) as Row;
    const phi = (await db.phiMap.get(a)) as Row;
    await db.phiMap.put({ ...phi, iv: note.iv, ct: note.ct });
    expect(await codeOf(vault.getPhiMap(a))).toBe('INTEGRITY');
    expect(await vault.getNote(a)).toEqual({ text: 'note a' });

    // Visit a's segment moved into visit b (other key, other id binding)
    await db.segments.put({ ...orig, visitId: b, id: 's9', t0: 5 });
    expect(await codeOf(vault.listSegments(b))).toBe('INTEGRITY');

    // A tampered wrapped visit key
    const keyRow = (await db.keys.get(a)) as Row;
    await db.keys.put({ ...keyRow, ct: flip(keyRow.ct, 7) });
    vault.lock();
    await vault.unlock('correct horse 42');
    expect(await codeOf(vault.getNote(a))).toBe('INTEGRITY');
    // Everything else still opens
    expect(await vault.listVisits()).toHaveLength(2);
    await db.segments.delete([b, 's9']);
    expect((await vault.listSegments(b))[0]?.text).toBe('other visit');
    vault.dispose();
  });

  it('property: any single-bit flip anywhere in IV or ciphertext is detected', async () => {
    const { vault, db } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.putNote(id, { text: 'a note long enough to have a few blocks of ciphertext in it' });
    const orig = (await db.notes.get(id)) as Row;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(10_000), fc.integer({ min: 0, max: 7 }), async (inIv, pos, bit) => {
        const row = inIv ? { ...orig, iv: flip(orig.iv, pos, 1 << bit) } : { ...orig, ct: flip(orig.ct, pos, 1 << bit) };
        await db.notes.put(row);
        expect(await codeOf(vault.getNote(id))).toBe('INTEGRITY');
      }),
      { numRuns: 60 },
    );
    await db.notes.put(orig);
    expect(await vault.getNote(id)).toEqual({ text: 'a note long enough to have a few blocks of ciphertext in it' });
    vault.dispose();
  });

  it('a row that fails its schema is CORRUPT, not a crash', async () => {
    const { vault, db } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.putSegment(id, seg('s1', 0, 'x'));
    const row = (await db.segments.get([id, 's1'])) as Row;
    await db.segments.put({ ...row, ct: 'not bytes' });
    expect(await codeOf(vault.listSegments(id))).toBe('CORRUPT');
    await db.segments.put({ ...row, __proto__: { polluted: true }, extra: 1 });
    expect(await codeOf(vault.listSegments(id))).toBe('CORRUPT');
    vault.dispose();
  });
});
