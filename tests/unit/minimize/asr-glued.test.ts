import { describe, expect, it } from 'vitest';
import { minimizeVisit } from '../../../extension/lib/minimize/index.ts';

/** Whisper glues a name onto a neighbouring syllable ("Walter Nair" → "wall, ternair"): seen in the flow e2e. */
describe('banner names glued to a neighbouring syllable', () => {
  const banner = { name: 'Quorrel, Bastian', dob: '02/03/1961' };
  it('masks a word that holds a banner name token', () => {
    const r = minimizeVisit([{ id: 's1', speaker: 'patient', text: 'bass, tianquorrel, born February third.' }], { banner });
    expect(r.turns[0]!.text.toLowerCase()).not.toContain('quorrel');
    expect(r.turns[0]!.text).toMatch(/\[NAME_\d+\]/);
  });
  it('leaves ordinary words that merely contain short letter runs', () => {
    const r = minimizeVisit([{ id: 's1', speaker: 'clinician', text: 'The repair went fine and the chair is here.' }], { banner: { name: 'Nair, Walter' } });
    expect(r.turns[0]!.text).toBe('The repair went fine and the chair is here.');
  });
});
