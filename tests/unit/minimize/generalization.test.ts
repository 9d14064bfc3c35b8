import { describe, expect, it } from 'vitest';
import { minimizeVisit } from '../../../extension/lib/minimize/index.ts';

/**
 * Phrasings written independently of the evaluation files (new names, templates, and the forms a
 * TTS/ASR round trip produces: ids read character by character, slashes read as pauses).
 * Each case lists identifiers that must not survive and words that must.
 */
const CASES: Array<{ text: string; gone: string[]; kept?: string[] }> = [
  { text: "My name's Priya Raghunathan, and this is my husband, Tobias.", gone: ['Priya', 'Raghunathan', 'Tobias'], kept: ['husband'] },
  { text: 'This is Dr. Okonkwo-Baptiste from cardiology.', gone: ['Okonkwo-Baptiste'], kept: ['Dr.', 'cardiology'] },
  { text: 'The patient is a 92-year-old woman who lives alone.', gone: ['92'], kept: ['year-old woman'] },
  { text: 'DOB is 3/4/1950, and I moved here from Tallahassee last year.', gone: ['3/4/1950', 'Tallahassee'], kept: ['last year'] },
  { text: 'I was born on the third of June, nineteen forty-one.', gone: ['third of June', 'nineteen forty-one'] },
  { text: 'My email is john underscore doe at gmail dot com.', gone: ['john underscore doe', 'gmail'] },
  { text: 'Nurse Jackie gave me the shot on Monday the 5th.', gone: ['Jackie', 'the 5th'], kept: ['Monday'] },
  { text: 'John Q. Public is my emergency contact; his number is 555 201 7788.', gone: ['John', 'Public', '555 201 7788'] },
  { text: 'My grandson DeShawn McAllister set up the app.', gone: ['DeShawn', 'McAllister'] },
  { text: 'She is ninety one and still gardens.', gone: ['ninety one'] },
  { text: 'The last four of my social are 4417.', gone: ['4417'] },
  { text: 'My Blue Cross member number is XKJ449210553.', gone: ['XKJ449210553'] },
  { text: 'The VIN is 1HGCM82633A004352 on the title.', gone: ['1HGCM82633A004352'] },
  { text: "Rose, I'm her daughter-in-law.", gone: ['Rose'] },
  { text: 'Will is my son, he drives me.', gone: ['Will'] },
  { text: "Kwabena, can you spell your last name? It's A-S-A-N-T-E.", gone: ['Kwabena', 'A-S-A-N-T-E'] },
  { text: 'The room link is meet.clinic.xyz/abc-123.', gone: ['meet.clinic.xyz/abc-123'] },
  { text: 'Walter was ninety-four when he passed, Parkinson\'s disease.', gone: ['Walter', 'ninety-four'], kept: ["Parkinson's disease"] },
  { text: 'He was admitted 12 March 2024 and discharged March 19th.', gone: ['12 March 2024', 'March 19th'] },
  { text: 'Call Gwendolyn at the front desk, she handles the Medicaid forms.', gone: ['Gwendolyn'], kept: ['Medicaid'] },
  // Voiced forms (what a TTS engine says; close to raw ASR output)
  { text: 'My cell is 4 1 2, 8 3 7, 5 5 0 9.', gone: ['4 1 2, 8 3 7, 5 5 0 9'] },
  { text: 'Send it to 88 Orchard Lane, Millbrook, zip code 0 6 7 8 1.', gone: ['88 Orchard Lane', 'Millbrook', '0 6 7 8 1'] },
  { text: 'The wifi page shows 1 9 2 dot 1 6 8 dot 4 dot 2 2.', gone: ['1 9 2 dot 1 6 8 dot 4 dot 2 2'] },
  { text: 'Account A C 4 4 1 9 0 2 7, I think.', gone: ['A C 4 4 1 9 0 2 7'], kept: ['I think'] },
  { text: 'Born 7, 14, 63. And it is Marguerite Osei.', gone: ['7, 14, 63', 'Marguerite', 'Osei'] },
  { text: 'Book me for 11, 19 please.', gone: ['11, 19'] },
  // Clinical look-alikes that must survive
  { text: 'BP 142/91, pulse 88, A1c 7.9, take 2 tablets at bedtime for 3-4 days.', gone: [], kept: ['142/91', '88', '7.9', '2 tablets', '3-4 days'] },
  { text: "Tinel's sign positive, Phalen's test negative, history of Crohn's.", gone: [], kept: ["Tinel's sign", "Phalen's test", "Crohn's"] },
  { text: 'Continue metoprolol succinate 25 milligrams and Jardiance 10 mg daily.', gone: [], kept: ['metoprolol succinate 25 milligrams', 'Jardiance 10 mg'] },
  { text: 'Follow up in two weeks, or sooner if symptoms recur, since 2021 it has been stable.', gone: [], kept: ['two weeks', '2021'] },
];

describe('generalization probes', () => {
  it.each(CASES.map((c) => [c.text, c] as const))('%s', (_t, c) => {
    const res = minimizeVisit([{ id: 't0', speaker: 'patient', text: c.text }]);
    const out = res.turns[0]!.text;
    for (const g of c.gone) expect(out.includes(g), `leaked: ${g}`).toBe(false);
    for (const k of c.kept ?? []) expect(out.includes(k), `over-masked: ${k}`).toBe(true);
  });
});
