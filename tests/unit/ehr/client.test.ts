import { describe, expect, it } from 'vitest';
import { buildSectionWrites, buildWholeWrite, focusedField, injectEhr, mapSections, scanFrames, wholeNoteField, type ChromeLike, type FrameScan } from '../../../extension/lib/ehr/client.ts';
import type { ScanTarget } from '../../../extension/lib/ehr/messages.ts';

const T = (id: string, label: string, section: string | null, score: number, extra: Partial<ScanTarget> = {}): ScanTarget => ({
  id,
  kind: 'textarea',
  label,
  section,
  score,
  wholeNote: false,
  focused: false,
  multiline: true,
  ...extra,
});
const scan = (frameId: number, targets: ScanTarget[], focusInChildFrame = false): FrameScan => ({ frameId, reply: { code: 'ok', origin: 'https://a.org', top: frameId === 0, focusInChildFrame, targets, refused: 0 } });

const note = {
  sections: [
    { key: 'subjective', title: 'Subjective', statements: [{ text: 'a' }] },
    { key: 'assessment', title: 'Assessment', statements: [{ text: 'b' }] },
    { key: 'plan', title: 'Plan', statements: [{ text: 'c' }, { text: 'd' }] },
    { key: 'objective', title: 'Objective', statements: [] },
  ],
};

describe('ehr client', () => {
  it('maps each section to its best field across frames, one section per field', () => {
    const scans = [scan(0, [T('t1', 'Subjective', 'subjective', 100), T('t2', 'Assessment', 'assessment', 50)]), scan(7, [T('t1', 'Assessment / impression', 'assessment', 80)])];
    const m = mapSections(note, scans);
    expect(m.map((x) => [x.key, x.field?.frameId ?? null, x.field?.target.id ?? null])).toEqual([
      ['subjective', 0, 't1'],
      ['assessment', 7, 't1'],
      ['plan', null, null],
    ]);
    const writes = buildSectionWrites(note, m, ['https://a.org']);
    expect(writes.map((w) => [w.frameId, w.cmd.writes.map((x) => x.blocks)])).toEqual([
      [0, [[{ type: 'paragraph', text: 'a' }]]],
      [7, [[{ type: 'paragraph', text: 'b' }]]],
    ]);
  });

  it('focused field: top frame first, else the single child frame when the top focus is a frame', () => {
    expect(focusedField([scan(0, [T('t1', 'x', null, 0, { focused: true })]), scan(3, [T('t1', 'y', null, 0, { focused: true })])])?.frameId).toBe(0);
    expect(focusedField([scan(0, [], true), scan(3, [T('t1', 'y', null, 0, { focused: true })])])?.frameId).toBe(3);
    expect(focusedField([scan(0, [], false), scan(3, [T('t1', 'y', null, 0, { focused: true })])])).toBeNull();
    expect(focusedField([scan(0, [], true), scan(3, [T('t1', 'y', null, 0, { focused: true })]), scan(4, [T('t1', 'z', null, 0, { focused: true })])])).toBeNull();
  });

  it('whole-note field and write include section headings', () => {
    const f = wholeNoteField([scan(0, [T('t1', 'Email', null, 0, { multiline: false }), T('t2', 'Clinical note', null, 180, { wholeNote: true })])]);
    expect(f?.target.id).toBe('t2');
    const w = buildWholeWrite(note, f!, ['https://a.org']);
    expect(w.cmd.writes[0]?.blocks[0]).toEqual({ type: 'heading', text: 'Subjective' });
    expect(buildWholeWrite(note, f!, ['https://a.org'], ['plan']).cmd.writes[0]?.blocks).toEqual([{ type: 'list', items: ['c', 'd'] }]);
  });

  it('injects into all frames and drops frames whose replies do not parse', async () => {
    const calls: unknown[] = [];
    const api: ChromeLike = {
      scripting: { executeScript: async (inj) => (calls.push(inj), [{ frameId: 0 }, { frameId: 5 }, { frameId: 6 }]) },
      tabs: {
        sendMessage: async (_tab, _msg, { frameId }) => {
          if (frameId === 0) return { code: 'ok', origin: 'https://a.org', top: true, focusInChildFrame: false, targets: [], refused: 0 };
          if (frameId === 5) return { code: 'ok', evil: true };
          throw new Error('no receiver');
        },
      },
    };
    const ids = await injectEhr(api, 9);
    expect(calls).toEqual([{ target: { tabId: 9, allFrames: true }, files: ['content-scripts/ehr.js'] }]);
    const scans = await scanFrames(api, 9, ids, ['https://a.org']);
    expect(scans.map((s) => s.frameId)).toEqual([0]);
  });
});
