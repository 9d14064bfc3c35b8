import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blocksToHtml, blocksToLine, blocksToText, blocksToVisibleText, escapeHtml, normalizeForCompare, noteToBlocks } from '../../../extension/lib/ehr/render.ts';

const note = {
  sections: [
    { key: 'subjective', title: 'Subjective', statements: [{ text: 'Knee pain.' }, { text: 'Worse on stairs.' }] },
    { key: 'objective', title: 'Objective', statements: [] },
    { key: 'plan', title: 'Plan', statements: [{ text: 'Ibuprofen.' }, { text: 'Follow up.' }] },
  ],
};

describe('ehr render', () => {
  it('renders headings, one paragraph per statement, lists for plan-like sections, skips empty sections', () => {
    const b = noteToBlocks(note);
    expect(b).toEqual([
      { type: 'heading', text: 'Subjective' },
      { type: 'paragraph', text: 'Knee pain.' },
      { type: 'paragraph', text: 'Worse on stairs.' },
      { type: 'heading', text: 'Plan' },
      { type: 'list', items: ['Ibuprofen.', 'Follow up.'] },
    ]);
    expect(blocksToText(b)).toBe('Subjective:\nKnee pain.\nWorse on stairs.\n\nPlan:\n- Ibuprofen.\n- Follow up.');
    expect(blocksToLine(b)).toBe('Subjective: Knee pain. Worse on stairs. Plan: Ibuprofen.; Follow up.');
    expect(blocksToHtml(b)).toBe('<h3>Subjective</h3><p>Knee pain.</p><p>Worse on stairs.</p><h3>Plan</h3><ul><li>Ibuprofen.</li><li>Follow up.</li></ul>');
  });

  it('a single section has no heading by default; `only` selects sections', () => {
    expect(noteToBlocks(note, { only: ['plan'] })).toEqual([{ type: 'list', items: ['Ibuprofen.', 'Follow up.'] }]);
  });

  it('HTML output never contains markup from text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (texts) => {
        const html = blocksToHtml([{ type: 'paragraph', text: texts.join(' ') }, { type: 'list', items: texts.map((t) => t || 'x') }]);
        const stripped = html.replace(/<\/?(p|ul|li|h3)>/g, '');
        expect(stripped).not.toMatch(/[<>"']/);
      }),
    );
    expect(escapeHtml('<script>"&\'')).toBe('&lt;script&gt;&quot;&amp;&#39;');
  });

  it('a one-line rendering has no line breaks (property)', () => {
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }), (t) => !/[\r\n]/.test(blocksToLine(t.map((text) => ({ type: 'paragraph' as const, text }))))));
  });

  it('comparison form ignores whitespace layout and caret fillers', () => {
    expect(normalizeForCompare('  a\u00a0\n\n b\u200b\ufeff c ')).toBe('a b c');
    expect(normalizeForCompare(blocksToVisibleText([{ type: 'paragraph', text: 'x' }, { type: 'list', items: ['y', 'z'] }], '\n\n'))).toBe('x y z');
  });
});
