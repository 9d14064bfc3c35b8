import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repairAcute, repairClinicalTerms, repairDrugNames, soundsLikeDrug } from '../../../extension/lib/asr/vocab.ts';
import { phoneticKey } from '../../../shared/fuzzy.ts';
import { parseCsv } from '../../../bench/lib/csv.ts';
import { repairVitals } from '../../../extension/lib/asr/vitals.ts';
import { SHARED } from '../notes/golden.ts';

// Whisper's own answer to "is this one token?" (the worker asks its tokenizer; here its vocab file).
const VOCAB = join(SHARED, 'models/whisper-base/vocab.json');
const whisperWords = existsSync(VOCAB) ? (JSON.parse(readFileSync(VOCAB, 'utf8')) as Record<string, number>) : null;
const isWhisperWord = (w: string): boolean => whisperWords !== null && (`Ġ${w}` in whisperWords || `Ġ${w[0]?.toUpperCase() ?? ''}${w.slice(1)}` in whisperWords);
// A stand-in for the tests that must run everywhere: ordinary words of the sentences below.
const ORDINARY = new Set(['my', 'mother', 'father', 'takes', 'in', 'an', 'and', 'the', 'oxygen', 'medicine', 'prior', 'on', 'april', 'continue']);
const isOrdinary = (w: string): boolean => ORDINARY.has(w);

// Whisper's renderings of drug names it does not know, in medication talk: repaired. Synthetic
// sentences; the names come from the generic lexicon (shared/notes/lexicon.ts).
describe('drug-name repair on ASR text', () => {
  it('joins and respells a drug name Whisper split, when a dose follows or a prescribing verb precedes', () => {
    expect(repairDrugNames('I take met for min 500 milligrams twice a day.')).toBe('I take metformin 500 milligrams twice a day.');
    expect(repairDrugNames('She is on lie sin a pril 10 mg daily.')).toBe('She is on lisinopril 10 mg daily.');
    expect(repairDrugNames('My husband takes IV Profen 600mg 3 times daily.')).toBe('My husband takes ibuprofen 600mg 3 times daily.');
    expect(repairDrugNames('Started at or vast at in 20 milligrams.')).toBe('Started atorvastatin 20 milligrams.');
    expect(repairDrugNames('Keep using albuteral when you wheeze.')).toBe('Keep using albuterol when you wheeze.');
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
  it('respells names Whisper has never heard when a dose follows and the words are not ones it knows whole', () => {
    // brand and generic names respelt past the strict bounds (first sound or spelling)
    expect(repairDrugNames('My mother takes zeer tech 10 mg daily.', isOrdinary)).toBe('My mother takes zyrtec 10 mg daily.');
    expect(repairDrugNames('Continue, ellicuse 5 mg twice daily.', isOrdinary)).toBe('Continue, eliquis 5 mg twice daily.');
    expect(repairDrugNames('My father takes ephalax in 500 mg four times a day.', isOrdinary)).toBe('My father takes cephalexin 500 mg four times a day.');
    expect(repairDrugNames('and flownays two sprays each nostril.', isOrdinary)).toBe('and flonase two sprays each nostril.');
    // the same words with no dose after them: not loosened
    expect(repairDrugNames('Continue, ellicuse twice daily.', isOrdinary)).toBe('Continue, ellicuse twice daily.');
    // without a word test there is no loose match at all
    expect(repairDrugNames('Continue, ellicuse 5 mg twice daily.')).toBe('Continue, ellicuse 5 mg twice daily.');
    // ordinary words before a dose stay, however they sound
    for (const t of ['I use my medicine 10 mg.', 'Keep the oxygen 2 puffs.', 'We did that prior 10 mg.', 'It was on april 10 units.']) expect(repairDrugNames(t, isOrdinary)).toBe(t);
  });
  it('puts back the salt or form of a two-word name after its first word', () => {
    expect(repairDrugNames('and metoprolol, susanate 50 mg once daily.')).toBe('and metoprolol succinate 50 mg once daily.');
    expect(repairDrugNames('Increase metoprolol tartrayt to 50 mg.')).toBe('Increase metoprolol tartrate to 50 mg.');
    // another word after the name: left alone
    for (const t of ['Increase metoprolol, so that it works.', 'metoprolol, starting today.']) expect(repairDrugNames(t)).toBe(t);
  });
  it.skipIf(whisperWords === null)("uses Whisper's own vocabulary: ordinary words it knows whole are never loosened into drug names", () => {
    for (const w of ['oxygen', 'medicine', 'prior', 'interested', 'contrast', 'proteins', 'rest', 'parents']) expect(isWhisperWord(w)).toBe(true);
    for (const w of ['alacro', 'illiquose', 'aphalax']) expect(isWhisperWord(w)).toBe(false);
    for (const t of ['I was on oxygen 2 puffs.', 'Take your medicine 10 mg.', 'the proteins 5 mg', 'for contrast 10 mg']) expect(repairDrugNames(t, isWhisperWord)).toBe(t);
    expect(repairDrugNames('My mother takes alacro 180 mg daily.', isWhisperWord)).toBe('My mother takes allegra 180 mg daily.');
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
    if (whisperWords !== null) expect(lines.filter((t) => repairDrugNames(t, isWhisperWord) !== t)).toEqual([]);
    // the term repair too: measured, 0 of the same lines (a one-word-for-one-word respelling, which
    // it does not make, changed 79 of them: "statin" → "strain", "tendons" → "tendonitis")
    if (whisperWords !== null) expect(lines.filter((t) => repairClinicalTerms(t, isWhisperWord) !== t)).toEqual([]);
    // and "a cute" → "acute": written dialogue has no "a cute" before a clinical word
    expect(lines.filter((t) => repairAcute(t) !== t)).toEqual([]);
    // and the vitals repair ("10 98" → "temp 98", "VP 133 over 88" → "BP 133 over 88")
    expect(lines.filter((t) => repairVitals(t) !== t)).toEqual([]);
  });
});

// Clinical terms (shared/notes/lexicon.ts CLINICAL_TERMS) that Whisper glued into one made-up word or
// split into pieces. Synthetic sentences.
describe('clinical-term repair on ASR text', () => {
  const knows = (w: string): boolean => ['i', 'think', 'this', 'is', 'on', 'exam', 'my', 'assessment', 'the', 'nurse', 'noted', 'a', 'cute', 'mister', 'here', 'so', 'looks', 'like'].includes(w);
  it('puts back a term whose word boundaries Whisper moved', () => {
    expect(repairClinicalTerms('I think this is proxysmolatrial fibrillation.', knows)).toBe('I think this is paroxysmal atrial fibrillation.');
    expect(repairClinicalTerms('On exam, irregularly irregularism, rate in the 90s.', knows)).toBe('On exam, irregularly irregular rhythm, rate in the 90s.');
    expect(repairClinicalTerms('The nurse noted lymphaden opathy.', knows)).toBe('The nurse noted lymphadenopathy.');
    // at a sentence start the capital stays
    expect(repairClinicalTerms('Proxysmolatrial fibrillation, I think.', knows)).toBe('Paroxysmal atrial fibrillation, I think.');
  });
  it('leaves alone one-word respellings, names, words the model knows, and everything without a word test', () => {
    for (const t of [
      // one word for one word: could be a real word the lexicon lacks
      'I stopped the statin.', 'the flexor tendons', 'my migraines', 'I think this is cellulightis.',
      // capitalised mid-sentence: a name as Whisper heard it
      'So this looks like Proxysmolatrial fibrillation.', 'Mister Pemberwick is here.',
      // words the model knows whole
      'this is a cute sinusitis',
    ]) expect(repairClinicalTerms(t, knows)).toBe(t);
    expect(repairClinicalTerms('I think this is proxysmolatrial fibrillation.')).toBe('I think this is proxysmolatrial fibrillation.');
  });
});

describe('"a cute" → "acute" on ASR text', () => {
  it('puts back "acute" before a clinical word, with the article Whisper heard in it', () => {
    expect(repairAcute('So this looks like a cute low back pain, with right-sided sciatica.')).toBe('So this looks like acute low back pain, with right-sided sciatica.');
    expect(repairAcute('I think this is a cute sinusitis.')).toBe('I think this is acute sinusitis.');
    expect(repairAcute('She is in no a cute distress.')).toBe('She is in no acute distress.');
    expect(repairAcute('A cute onset of chest pain this morning.')).toBe('Acute onset of chest pain this morning.');
    expect(repairAcute('COPD with a cute exacerbation.')).toBe('COPD with acute exacerbation.');
  });
  it('leaves "a cute" alone before anything else, and every other word', () => {
    for (const t of ['What a cute baby.', 'She has a cute little rash on her arm.', 'a cute painting', 'He is a cuter kid than his brother.', 'an acute exacerbation', 'acute pain', 'a cutepain'])
      expect(repairAcute(t)).toBe(t);
  });
});
