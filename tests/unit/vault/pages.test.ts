import { describe, expect, it } from 'vitest';
import { SEGMENTS_PER_PAGE as PRODUCTION_PAGE } from '../../../extension/lib/db/schema.ts';

/** A small page keeps these tests fast; the production size is checked separately below. */
const SEGMENTS_PER_PAGE = 8;
const small = { segmentsPerPage: SEGMENTS_PER_PAGE };
import { codeOf, findCanary, rawDump, seg, unlockedVault } from './helpers.ts';

type Row = { iv: Uint8Array; ct: Uint8Array } & Record<string, unknown>;

describe('segment pages (compaction)', () => {
  it('packs segments into pages; reads are identical before and after; later writes win', async () => {
    const { vault, db } = await unlockedVault(small);
    const id = await vault.createVisit();
    const n = SEGMENTS_PER_PAGE * 2 + 5;
    // written out of order, with one partial later finalised
    for (let i = n - 1; i >= 0; i--) await vault.putSegment(id, seg(`s${i}`, i * 2, `text ${i}`));
    await vault.putSegment(id, { ...seg('s7', 14, 'partial'), final: false });
    const before = await vault.listSegments(id);
    expect(before).toHaveLength(n);
    expect(before[7]).toMatchObject({ text: 'partial', final: false });

    expect(await vault.compactSegments(id)).toBe(3);
    expect(await db.segments.count()).toBe(0);
    expect(await db.segmentPages.count()).toBe(3);
    expect(await vault.listSegments(id)).toEqual(before);

    // A correction after compaction is loose and overrides the paged copy; a new segment appears.
    await vault.putSegment(id, seg('s7', 14, 'final text'));
    await vault.putSegment(id, seg('extra', 1, 'between'));
    const after = await vault.listSegments(id);
    expect(after).toHaveLength(n + 1);
    expect(after.find((s) => s.id === 's7')).toMatchObject({ text: 'final text', final: true });
    expect(after[1]?.id).toBe('extra');
    // Re-compaction folds them in.
    await vault.compactSegments(id);
    expect(await db.segments.count()).toBe(0);
    expect(await vault.listSegments(id)).toEqual(after);
    vault.dispose();
  });

  it('approval compacts; pages are shredded with the visit; no canary in pages', async () => {
    const { vault, db } = await unlockedVault(small);
    const id = await vault.createVisit();
    for (let i = 0; i < 10; i++) await vault.putSegment(id, seg(`s${i}`, i, `PAGE-CANARY-${i}`));
    await vault.approveVisit(id);
    expect(await db.segmentPages.count()).toBe(Math.ceil(10 / SEGMENTS_PER_PAGE));
    expect(await db.segments.count()).toBe(0);
    expect(findCanary(await rawDump(db), 'PAGE-CANARY')).toEqual([]);
    await vault.deleteVisit(id);
    expect(await db.segmentPages.count()).toBe(0);
    vault.dispose();
  });

  it('a tampered or moved page is INTEGRITY', async () => {
    const { vault, db } = await unlockedVault(small);
    const id = await vault.createVisit();
    for (let i = 0; i < SEGMENTS_PER_PAGE + 1; i++) await vault.putSegment(id, seg(`s${i}`, i, `t${i}`));
    await vault.compactSegments(id);
    const p0 = (await db.segmentPages.get([id, 0])) as Row;
    const p1 = (await db.segmentPages.get([id, 1])) as Row;
    const ct = new Uint8Array(p0.ct);
    ct[10] = (ct[10] ?? 0) ^ 0x80;
    await db.segmentPages.put({ ...p0, ct });
    expect(await codeOf(vault.listSegments(id))).toBe('INTEGRITY');
    // page 1's ciphertext under page 0's index
    await db.segmentPages.put({ ...p0, iv: p1.iv, ct: p1.ct, count: p1.count });
    expect(await codeOf(vault.listSegments(id))).toBe('INTEGRITY');
    await db.segmentPages.put(p0);
    expect(await vault.listSegments(id)).toHaveLength(SEGMENTS_PER_PAGE + 1);
    vault.dispose();
  });

  it('a write racing a compaction is never lost, whichever order they run in', async () => {
    const { vault } = await unlockedVault(small);
    const id = await vault.createVisit();
    for (let i = 0; i < 40; i++) await vault.putSegment(id, seg(`s${i}`, i, `old ${i}`));
    for (let round = 0; round < 5; round++) {
      const text = `new ${round}`;
      await Promise.all([vault.compactSegments(id), vault.putSegment(id, seg(`s${round}`, round, text))]);
      const segs = await vault.listSegments(id);
      expect(segs).toHaveLength(40);
      expect(segs[round]?.text).toBe(text);
    }
    vault.dispose();
  });
});

describe('automatic page append while recording', () => {
  it('a long visit never keeps more than one page of loose rows, and reads stay exact', async () => {
    const { vault, db } = await unlockedVault(small);
    const id = await vault.createVisit();
    const n = SEGMENTS_PER_PAGE * 3 + SEGMENTS_PER_PAGE / 2;
    for (let i = 0; i < n; i++) {
      await vault.putSegment(id, seg(`s${i}`, i, `t${i}`));
      if (i % 4 === 3) expect(await db.segments.count()).toBeLessThan(SEGMENTS_PER_PAGE);
    }
    expect(await db.segmentPages.count()).toBe(3);
    // Corrections of segments that are already paged land in a later page or loose, and win.
    for (let i = 0; i < SEGMENTS_PER_PAGE; i++) await vault.putSegment(id, seg(`s${i}`, i, `fixed ${i}`));
    const segs = await vault.listSegments(id);
    expect(segs).toHaveLength(n);
    expect(segs.slice(0, SEGMENTS_PER_PAGE).every((s) => s.text.startsWith('fixed'))).toBe(true);
    expect(segs[n - 1]?.text).toBe(`t${n - 1}`);
    // Full compaction drops the superseded copies.
    await vault.compactSegments(id);
    expect(await db.segmentPages.count()).toBe(Math.ceil(n / SEGMENTS_PER_PAGE));
    expect(await vault.listSegments(id)).toEqual(segs);
    vault.dispose();
  });
});

describe('page size', () => {
  it('defaults to 128 segments per page in production', async () => {
    const { vault } = await unlockedVault();
    expect(PRODUCTION_PAGE).toBe(128);
    expect(vault.config.segmentsPerPage).toBe(128);
    vault.dispose();
  });
});
