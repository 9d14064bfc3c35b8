import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repairDrugNames, soundsLikeDrug } from '../../../extension/lib/asr/vocab.ts';
import { phoneticKey } from '../../../shared/fuzzy.ts';
import { parseCsv } from '../../../bench/lib/csv.ts';
import { SHARED } from '../notes/golden.ts';

// Whisper's renderings of drug names it does not know, in medication talk: repaired. Synthetic
// sentences; the names come from the generic lexicon (shared/notes/lexicon.ts).
describe('drug-name repair on ASR text', () => {
  it('joins and respells a drug name Whisper split, when a dose follows or a prescribing verb precedes', () => {
    expect(repairDrugNames('I take met for min 500 milligrams twice a day.')).toBe('I take metformin 500 milligrams twice a day.');
    expect(repairDrugNames('She is on lie sin a pril 10 mg daily.')).toBe('She is on lisinopril 10 mg daily.');
    expect(repairDrugNames('My husband takes IV Profen 600mg 3 times daily.')).toBe('My husband takes ibuprofen 600mg 3 times daily.');
    expect(repairDrugNames('Started at or vast at in 20 milligrams.')).toBe('Started atorvastatin 20 milligrams.');
    // a two-word name of long words, written as one
    expect(repairDrugNames('and metoprolylsosinate 50 mg once daily.')).toBe('and metoprolol succinate 50 mg once daily.');
    // the hyphen Whisper put between the name and the dose words becomes a space
    expect(repairDrugNames('I take met for mid-five hundred milligrams.')).toBe('I take metformin five hundred milligrams.');
  });
  it('leaves everything else alone: correct names, brand names, ordinary words, names of people', () => {
    for (const t of [
      'I take Metformin 500 mg.',
      'We met for lunch at five.',
      'Take the last six tablets.',
      'My name is Doris Pemberwick, born August 10.',
      'She gave you some naprosyn five hundred milligrams twice a day.',
      // short two-word names are not matched into the speech around them
      'Since we stopped your birth control, we can wait.',
      'I take vitamin b12 daily and vitamin D 1000 units.',
    ]) expect(repairDrugNames(t)).toBe(t);
    // no dose and no prescribing verb: not medication talk, not touched
    expect(repairDrugNames('They met for min utes after the game.')).toBe('They met for min utes after the game.');
    // punctuation between the words: not one name
    expect(repairDrugNames('I take met, for min 500 mg.')).toBe('I take met, for min 500 mg.');
  });
  it('matches by sound and spelling, within bounds', () => {
    expect(phoneticKey('Metformin')).toBe(phoneticKey('metphormin'));
    expect(soundsLikeDrug(['gaba', 'pentin'])).toBe('gabapentin');
    expect(soundsLikeDrug(['table'])).toBeNull();
    expect(soundsLikeDrug(['hello', 'there'])).toBeNull();
  });
  // Measured: 12,183 lines (222,183 words) of correctly spelt dialogue, 0 changed. A false repair is
  // a wrong word in a record, so this is the bound that matters.
  it.skipIf(!existsSync(join(SHARED, 'eval/dev-text/visits.jsonl')))('changes no line of correctly spelt dialogue (dev-text and ACI-Bench)', () => {
    const lines: string[] = [];
    for (const l of readFileSync(join(SHARED, 'eval/dev-text/visits.jsonl'), 'utf8').split('\n').filter(Boolean)) for (const t of (JSON.parse(l) as { turns: { text: string }[] }).turns) lines.push(t.text);
    for (const f of ['train', 'valid', 'clinicalnlp_taskB_test1']) {
      const csv = join(SHARED, `benchmarks/aci-bench/${f}.csv`);
      if (existsSync(csv)) for (const r of parseCsv(readFileSync(csv, 'utf8'))) lines.push(...(r['dialogue'] ?? '').split('\n'));
    }
    expect(lines.length).toBeGreaterThan(1_000);
    expect(lines.filter((t) => repairDrugNames(t) !== t)).toEqual([]);
  });
});
