import { describe, expect, it } from 'vitest';
import { VISITS, observedForms, replacedForms } from '../e2e/lib/sweep.ts';

// The canary sweep searches for what the ASR actually wrote; these pin how it finds those forms.
const tele = VISITS.find((v) => v.id === 'telehealth')!;

describe('canary sweep: forms of the spoken identifiers in a transcript', () => {
  it('finds the surname as spelt', () => {
    const o = observedForms('My name is Harold Winterbottle, born March third.', tele);
    expect(o).toMatchObject({ surname: true, surnameForm: true });
    expect(o.forms).toContain('Winterbottle');
  });
  it('finds a near spelling and makes it a canary', () => {
    const o = observedForms('My name is Harold Winterbotle.', tele);
    expect(o).toMatchObject({ surname: false, surnameForm: true });
    expect(o.forms).toContain('Winterbotle');
  });
  it('takes the capitalised word after the given name as the surname, however spelt (seen under load)', () => {
    const o = observedForms('My name is Harold Wintermodel Bornmark III, 1961.', tele);
    expect(o).toMatchObject({ surname: false, surnameForm: true });
    expect(o.forms).toContain('Wintermodel');
  });
  it('finds the surname split in two, as written and joined', () => {
    const o = observedForms('my name is Harold Winter Bottle born', tele);
    expect(o.surnameForm).toBe(true);
    expect(o.forms).toEqual(expect.arrayContaining(['Winter Bottle', 'WinterBottle']));
  });
  it('does not take an unrelated word for the surname', () => {
    const o = observedForms('The winter was bottled up; my name is Harold.', tele);
    expect(o.surnameForm).toBe(false);
    expect(observedForms('We met in wintertime at the bottling plant.', tele).surnameForm).toBe(false);
    expect(observedForms('Harold is here; harold said the rest.', tele).surnameForm).toBe(false);
  });
  it('finds the record number whatever Whisper put between its digits', () => {
    const digits = tele.mrnDigits;
    const spaced = `${digits.slice(0, 4)} ${digits.slice(4)}`;
    const o = observedForms(`my number is ${spaced}.`, tele);
    expect(o.mrn).toBe(true);
    expect(o.forms).toContain(spaced);
  });
});

describe('canary sweep: what the minimizer replaced, as the ASR wrote it', () => {
  const transcript = new Map([
    ['a', 'My name is Harold Wintermodel Bornmark III, 1961.'],
    ['b', 'Record number EQ 59932648.'],
    ['c', 'I feel fine.'],
  ]);
  const body = JSON.stringify({
    segments: [
      { id: 'a', text: 'My name is [NAME_1] III, 1961.' },
      { id: 'b', text: 'Record number EQ [MRN_1].' },
      { id: 'c', text: 'I feel fine.' },
    ],
  });
  it('reads each NAME and MRN placeholder back to the transcript text it stands for', () => {
    expect(replacedForms(transcript, body)).toEqual(['Harold Wintermodel Bornmark', '59932648']);
  });
  it('skips segments that do not line up and bodies that do not parse', () => {
    expect(replacedForms(new Map([['a', 'something else entirely']]), body)).toEqual([]);
    expect(replacedForms(transcript, 'not json')).toEqual([]);
    // touching placeholders are ambiguous ("Harold" + "Winterbottle Born March 3rd, 1961")
    const touching = JSON.stringify({ segments: [{ id: 'a', text: 'My name is [NAME_1] [DATE_1].' }] });
    expect(replacedForms(new Map([['a', 'My name is Harold Winterbottle Born March 3rd, 1961.']]), touching)).toEqual([]);
  });
});
