import { describe, expect, it } from 'vitest';
import { minimizeVisit, restore, restoreVisit, safeMinimizeVisit, dateKey, type MinimizeTurn } from '../../../extension/lib/minimize/index.ts';

const turns = (...texts: string[]): MinimizeTurn[] => texts.map((text, i) => ({ id: `t${i}`, speaker: i % 2 ? 'patient' : 'clinician', text }));

describe('minimizeVisit: placeholders', () => {
  const visit = turns(
    'Good morning, Mr. Thorvaldsen. Can you confirm your birthday?',
    "I'm Anselm Thorvaldsen, born July fifth, nineteen fifty. My phone is 412-837-1234.",
    'Thanks. So 412 837 1234 is still best, and that was 07/05/1950?',
    'Yes. My daughter Marisol Ebbesen comes with me.',
  );
  const res = minimizeVisit(visit);

  it('replaces identifiers with typed placeholders', () => {
    expect(res.turns[0]!.text).toBe('Good morning, Mr. [NAME_1]. Can you confirm your birthday?');
    expect(res.turns[1]!.text).toBe("I'm [NAME_1], born [DATE_1]. My phone is [PHONE_1].");
    expect(res.turns[3]!.text).toBe('Yes. My daughter [NAME_2] comes with me.');
  });
  it('same entity → same placeholder across formats', () => {
    expect(res.turns[2]!.text).toBe('Thanks. So [PHONE_1] is still best, and that was [DATE_1]?');
    expect(dateKey('July fifth, nineteen fifty')).toBe(dateKey('07/05/1950'));
  });
  it('the map holds canonical values and every surface variant', () => {
    expect(res.map.entries['[NAME_1]']).toEqual({ type: 'NAME', value: 'Anselm Thorvaldsen', variants: ['Thorvaldsen', 'Anselm Thorvaldsen'] });
    expect(res.map.entries['[DATE_1]']!.variants).toEqual(['July fifth, nineteen fifty', '07/05/1950']);
  });
  it('highlights point at the placeholders in the minimized text', () => {
    for (const h of res.highlights) expect(res.turns[h.turn]!.text.slice(h.start, h.end)).toBe(h.placeholder);
    expect(res.highlights.length).toBe(res.spans.length);
  });
  it('round trip: restoreVisit gives the original turns exactly', () => {
    expect(restoreVisit(res)).toEqual(visit.map((t) => t.text));
  });
  it('round trip: restore() on text without spelling variants gives the original', () => {
    const r = restore(res.turns[1]!.text, res.map);
    expect(r).toEqual({ text: visit[1]!.text, unknown: [], malformed: [] });
  });
});

describe('minimizeVisit: linking partial names', () => {
  it('a surname shared by two people stays its own entity', () => {
    const res = minimizeVisit(turns('Hello Mr. Brannigan.', 'I am Osric Brannigan and this is my wife Pernille Brannigan.'));
    expect(res.turns[0]!.text).toBe('Hello Mr. [NAME_1].');
    expect(res.turns[1]!.text).toBe('I am [NAME_2] and this is my wife [NAME_3].');
  });
  it('with a banner the patient wins the shared surname', () => {
    const res = minimizeVisit(turns('Hello Mr. Brannigan.', 'I am Osric Brannigan and this is my wife Pernille Brannigan.'), { banner: { name: 'Brannigan, Osric' } });
    expect(res.turns[0]!.text).toBe('Hello Mr. [NAME_1].');
    expect(res.turns[1]!.text).toBe('I am [NAME_1] and this is my wife [NAME_2].');
  });
});

describe('minimizeVisit: banner and ASR variants', () => {
  const banner = { name: 'Kowalczyk, Benedikta', dob: '03/14/1941', mrn: '916-471-105' };
  const visit = turns(
    'Hi, is this Benedikta Kowalczyk?',
    'Yes. Mrs. Kowalchik, that is me.',
    'Your chart number is 916 471 105, right? And the kowalczyk family doctor is on file.',
  );
  const res = minimizeVisit(visit, { banner });
  it('exact and fuzzy banner matches share the patient placeholder', () => {
    expect(res.turns[0]!.text).toBe('Hi, is this [NAME_1]?');
    expect(res.turns[1]!.text).toBe('Yes. Mrs. [NAME_1], that is me.');
    expect(res.map.entries['[NAME_1]']!.variants).toContain('Kowalchik');
  });
  it('the banner MRN is found whatever the separators; lower-case surname too', () => {
    expect(res.turns[2]!.text).toBe('Your chart number is [MRN_1], right? And the [NAME_1] family doctor is on file.');
  });
  it('restoreVisit is still exact with variants', () => {
    expect(restoreVisit(res)).toEqual(visit.map((t) => t.text));
  });
});

describe('minimizeVisit: extra identifiers from the egress preview', () => {
  it('a marked word is masked everywhere', () => {
    const visit = turns('We met at the quillfeather bakery.', 'The quillfeather one is near my house.');
    expect(minimizeVisit(visit).turns[0]!.text).toContain('quillfeather');
    const res = minimizeVisit(visit, { extraIdentifiers: ['quillfeather'] });
    expect(res.turns.map((t) => t.text).join(' ')).not.toMatch(/quillfeather/i);
  });
  it('a marked number is masked with any separators', () => {
    const res = minimizeVisit(turns('The locker code is 44 19 07 on the door.'), { extraIdentifiers: ['441907'] });
    expect(res.turns[0]!.text).not.toMatch(/44 19 07/);
  });
});

describe('minimizeVisit: id class from the question before', () => {
  it('"What is your member ID?" → "It is QZ4410298817." is a health-plan id', () => {
    const res = minimizeVisit(turns('And what is your member ID on the insurance card?', "It's QZ4410298817, I have it here."));
    expect(res.turns[1]!.text).toBe("It's [HEALTH_PLAN_1], I have it here.");
  });
  it('a keyword in the same turn wins', () => {
    const res = minimizeVisit(turns('What is your member ID?', 'The bill says account QZ4410298817.'));
    expect(res.turns[1]!.text).toBe('The bill says account [ACCOUNT_1].');
  });
});

describe('restore: never drops or guesses', () => {
  const res = minimizeVisit(turns('Patient Ottoline Ferreira-Baptiste, phone 412-837-1234.'));
  it('unknown placeholders are reported and left in place', () => {
    const r = restore('Called [NAME_1] and [NAME_9] at [PHONE_1].', res.map);
    expect(r.text).toBe('Called Ottoline Ferreira-Baptiste and [NAME_9] at 412-837-1234.');
    expect(r.unknown).toEqual(['[NAME_9]']);
  });
  it('malformed placeholders are reported and left in place', () => {
    const r = restore('Called [name_1] and [NAME 1] and [NAME_1].', res.map);
    expect(r.text).toBe('Called [name_1] and [NAME 1] and Ottoline Ferreira-Baptiste.');
    expect(r.malformed).toEqual(['[name_1]', '[NAME 1]']);
  });
  it('an invalid map restores nothing and reports every placeholder as unknown', () => {
    const r = restore('Hi [NAME_1].', { version: 2 } as never);
    expect(r).toEqual({ text: 'Hi [NAME_1].', unknown: ['[NAME_1]'], malformed: [] });
  });
});

describe('boundary', () => {
  it('invalid input yields a code, never content', () => {
    expect(safeMinimizeVisit([{ id: 't0', speaker: 'x', text: 5 }])).toEqual({ ok: false, code: 'invalid_input' });
    expect(safeMinimizeVisit([], { strictness: 'loose' })).toEqual({ ok: false, code: 'invalid_options' });
    expect(safeMinimizeVisit([{ id: 't0', speaker: 'x', text: 'Sam Quorvath here', __proto__: {} }]).ok).toBe(true);
    expect(() => minimizeVisit([{ id: 't0', speaker: 'x', text: 'hi', extra: 1 } as never])).toThrow(/^invalid_input$/);
  });
});
