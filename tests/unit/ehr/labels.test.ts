import { describe, expect, it } from 'vitest';
import { matchSection, type FieldLabels } from '../../../extension/lib/ehr/labels.ts';

const L = (...all: string[]): FieldLabels => ({ label: all[0] ?? '', all: all.map((s) => s.toLowerCase()) });

describe('ehr label → section matching', () => {
  it.each([
    [['Subjective'], 'subjective'],
    [['Assessment / impression'], 'assessment'],
    [['plan of care'], 'plan'],
    [['History of present illness'], 'hpi'],
    [['Reason for visit'], 'chief_complaint'],
    [['P:'], 'plan'],
    [['Objective findings', 'o'], 'objective'],
  ])('%j → %s', (labels, key) => {
    expect(matchSection(L(...labels)).key).toBe(key);
  });

  it('one-letter synonyms only count as the whole label', () => {
    expect(matchSection(L('Patient email')).key).toBeNull();
    expect(matchSection(L('A note about the patient')).key).toBeNull();
  });

  it('recognises whole-note fields', () => {
    const m = matchSection(L('Clinical note'));
    expect(m.key).toBeNull();
    expect(m.wholeNote).toBe(true);
    expect(matchSection(L('Email')).score).toBe(0);
  });

  it('a stronger (earlier) source wins over a weaker one', () => {
    expect(matchSection(L('Plan', 'assessment')).key).toBe('plan');
  });

  it('restricting keys restricts the answer', () => {
    expect(matchSection(L('Assessment and plan'), ['plan']).key).toBe('plan');
    expect(matchSection(L('Assessment and plan')).key).toBe('assessment');
  });
});
