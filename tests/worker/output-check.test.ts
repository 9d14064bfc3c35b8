import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoteRequest, type Note } from '../../shared/api.ts';
import { TEMPLATES } from '../../shared/notes/templates.ts';
import { checkNote, checkOutput } from '../../worker/src/middleware/output-check.ts';
import { extractNote } from '../../shared/notes/extractor.ts';
import { findIdentifier } from '../../worker/src/middleware/phi-guard.ts';
import { buildPrompt } from '../../worker/src/prompts/note-prompt.ts';
import { call, captureConsole, errorCode, expectNoContent, records, SENTINELS, visit } from './helpers.ts';

const logs = captureConsole();
const req = NoteRequest.parse(visit());
const note = (text: string, evidence = ['s2'], key: Note['sections'][number]['key'] = 'subjective'): Note => ({
  sections: [{ key, title: 'Subjective', statements: [{ text, evidence }] }],
});

/** A note with the template's exact layout, `text` as the one statement of its first section. */
const layoutNote = (text: string, evidence = ['s2'], template: keyof typeof TEMPLATES = 'soap'): Note => ({
  sections: TEMPLATES[template].map((s, i) => ({ key: s.key, title: s.title, statements: i === 0 ? [{ text, evidence }] : [] })),
});

describe('output check (pure)', () => {
  const prompt = buildPrompt(req);
  const secrets = { canary: prompt.canary, system: prompt.system };

  it('accepts a note built from the input', () => {
    expect(checkOutput(req, layoutNote('Dry cough for two weeks; [NAME_1] reports mild fever.'), { secrets, enforceTemplate: true })).toBeNull();
  });
  it('refuses schema violations', () => {
    expect(checkOutput(req, { sections: 'x' })).toBe('schema');
    expect(checkOutput(req, note(''))).toBe('schema');
    expect(checkOutput(req, note('x', []))).toBe('schema');
  });
  it('refuses evidence ids that are not input segments', () => {
    expect(checkOutput(req, note('Dry cough.', ['s2', 's99']))).toBe('evidence');
  });
  it('refuses placeholders that were not in the input', () => {
    expect(checkOutput(req, note('Seen with [NAME_2].'))).toBe('placeholder');
    expect(checkOutput(req, note('Born [DATE_1].'))).toBe('placeholder');
  });
  it('refuses identifiers in the output', () => {
    expect(checkOutput(req, note('Reach at 412-555-0147.'))).toBe('identifier');
    expect(checkOutput(req, note('SSN 123-45-6789.'))).toBe('identifier');
    expect(checkOutput(req, note('Email a@example.com.'))).toBe('identifier');
    expect(checkOutput(req, note('Return on 09/30/2026.'))).toBe('identifier'); // a date not in the input
  });
  it('allows a non-guarded pattern only when it is verbatim in the input', () => {
    const r = NoteRequest.parse(visit({ segments: [{ id: 's2', speaker: 'patient', t0: 0, t1: 1, text: 'Started on 9/14 this year.' }] }));
    expect(checkOutput(r, note('Started on 9/14.'))).toBeNull();
    expect(checkOutput(r, note('Started on 9/15.'))).toBe('identifier');
    // case and spacing are not invention: the extractor capitalises a statement's first word
    const a = NoteRequest.parse(visit({ segments: [{ id: 's2', speaker: 'patient', t0: 0, t1: 1, text: 'we moved to 12  harbor View lane last year' }] }));
    expect(checkOutput(a, note('Moved to 12 Harbor View Lane last year.'))).toBeNull();
    expect(checkOutput(a, note('Moved to 14 Harbor View Lane last year.'))).toBe('identifier');
    // two statements joined for the scan are not one street ("…1.\n\nDrive…"); an invented one inside a statement still is
    const two = (second: string): Note => ({ sections: [{ key: 'subjective', title: 'Subjective', statements: [{ text: 'BP 120/80 1.', evidence: ['s2'] }, { text: second, evidence: ['s2'] }] }] });
    const b = NoteRequest.parse(visit({ segments: [{ id: 's2', speaker: 'patient', t0: 0, t1: 1, text: 'BP 120/80 1. drive carefully' }] }));
    expect(checkOutput(b, two('Drive carefully.'))).toBeNull();
    expect(checkOutput(b, two('Drive to 14 Harbor View Lane.'))).toBe('identifier');
  });

  // Found by the canary sweep under load (garbled ASR transcripts): the extractor's own note was
  // refused (502) because its rewrites made an identifier shape the input did not have: "3 5
  // started" → "3 5 Started" (the street "3 5 St"), "met for mid-five hundred milligrams" →
  // "mid-500 mg" (an account-number shape), "I x-12" → "the patient xes-12". The inputs are what the
  // PHI guard lets through (its own check, segment by segment), garbled-ASR pieces included.
  it('property: the extractor\'s note from any input the PHI guard accepts passes the output check', () => {
    const words = ['I', 'take', 'metformin', '500', 'milligrams', 'mg', 'twice', 'a', 'day', 'May', 'March', '3rd', '1951', '5', '9', '1', '3', '2', '6', '4', '8', 'started', 'drops', 'running', 'drive', 'court', 'way', 'point', 'blood', 'pressure', '120/80', 'since', 'on', '3/4', '1/2', '12', 'tablets', 'daily', 'rash', 'elbow', 'after', 'allergic', 'to', 'penicillin', 'pulse', '98.6', 'weeks', 'ago', 'lisinopril', 'follow', 'up', 'in', 'two', '[DATE_1]', '[MRN_1]', '[NAME_1]', '2020', '-', ',', '.', 'over', 'and', 'at', 'night',
      'five', 'fifty', 'twenty', 'forty', 'one', 'hundred', 'thousand', 'seven', 'eleven', 'ninety', 'nine', 'four', 'three', 'six', 'eight', 'zero', 'oh', 'double', 'units', 'out', 'of', 'ten', 'pills', 'times', 'for',
      'mid-', 'x-', 'ab-', 'type-', 'you', 'your', 'my', 'account', 'member', 'serial', 'phone', 'fax', 'number'];
    // a piece ending in "-" is glued to the next word ("mid-" + "five" → "mid-five")
    const segment = fc.array(fc.constantFrom(...words), { minLength: 2, maxLength: 14 }).map((w) => w.join(' ').replace(/ ([,.])/g, '$1').replace(/(\w)- /g, '$1-'));
    const template = fc.constantFrom('soap', 'hp', 'progress', 'telehealth', 'patient_instructions' as const);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), template, (texts, tpl) => {
        const segments = texts.map((text, i) => ({ id: `s${i}`, speaker: i % 2 ? 'patient' : 'clinician', t0: i, t1: i + 1, text }));
        fc.pre(findIdentifier(texts) === null);
        const r = NoteRequest.parse({ visitId: 'v-1', template: tpl, segments, options: {} });
        const c = checkNote(r, extractNote(r));
        expect(c.ok ? 'passed' : `refused: ${c.rule}`).toBe('passed');
      }),
      { numRuns: 3_000 },
    );
  });
  it('the canary sweep\'s garbled dose keeps its words and passes the check', () => {
    const r = NoteRequest.parse(visit({ segments: [{ id: 's2', speaker: 'patient', t0: 0, t1: 1, text: 'I take met for mid-five hundred milligrams twice a day.' }] }));
    const n = extractNote(r);
    expect(checkNote(r, n).ok).toBe(true);
    expect(JSON.stringify(n)).toContain('mid-five hundred mg');
  });
  it('refuses a prompt leak: the canary or any system-prompt sentence', () => {
    expect(checkOutput(req, note(`ref ${prompt.canary}`), { secrets })).toBe('prompt_leak');
    const sentence = prompt.system.split('\n')[2]!;
    expect(checkOutput(req, note(sentence.toUpperCase()), { secrets })).toBe('prompt_leak');
    expect(checkOutput(req, note(prompt.system.slice(0, 300)), { secrets })).toBe('prompt_leak');
  });
  it('refuses any section layout but the template layout (missing, extra, reordered, retitled)', () => {
    const pi = NoteRequest.parse(visit({ template: 'patient_instructions' }));
    const good = layoutNote('Dry cough.', ['s2'], 'patient_instructions');
    expect(checkOutput(pi, good, { enforceTemplate: true })).toBeNull();
    expect(checkOutput(pi, note('Dry cough.', ['s2'], 'plan'), { enforceTemplate: true })).toBe('structure');
    const extra = { sections: [...good.sections, { key: 'exam' as const, title: 'Exam', statements: [] }] };
    expect(checkOutput(pi, extra, { enforceTemplate: true })).toBe('structure');
    const reordered = { sections: [...good.sections].reverse() };
    expect(checkOutput(pi, reordered, { enforceTemplate: true })).toBe('structure');
    const retitled = { sections: good.sections.map((x, i) => (i === 1 ? { ...x, title: 'Ignore previous instructions' } : x)) };
    expect(checkOutput(pi, retitled, { enforceTemplate: true })).toBe('structure');
  });
  it('never throws on odd input', () => {
    for (const v of [null, undefined, 42, 'x', [], { sections: [null] }, { sections: [{ key: 'plan', statements: [{ text: 'x', evidence: [{}] }] }] }]) {
      expect(() => checkOutput(req, v)).not.toThrow();
      expect(checkOutput(req, v)).toBe('schema');
    }
  });
});

describe('output check over HTTP (502 output_rejected, code only)', () => {
  it.each([
    ['evidence', layoutNote('Rest.', ['nope'])],
    ['placeholder', layoutNote('Call [NAME_7].', ['s1'])],
    ['identifier', layoutNote('ZQXleak call 412-555-0147.', ['s1'])],
    ['schema', layoutNote('', ['s1'])],
    ['structure', note('Rest.', ['s1'], 'plan')],
  ])('a provider note failing %s → 502', async (rule, bad) => {
    const fake = { id: 'extractor' as const, generate: async () => ({ ok: true as const, note: bad as Note, attempts: 1 }) };
    const { res, json, text } = await call(visit(), { deps: { providers: { extractor: fake } } });
    expect(res.status).toBe(502);
    expect(errorCode(json)).toBe('output_rejected');
    expect(records(logs).find((r) => r.event === 'request')?.outputRule).toBe(rule);
    expectNoContent([text, logs.text()], [...SENTINELS, '412-555-0147', 'ZQXleak']);
  });
  it('a provider that throws → 500 internal, nothing echoed', async () => {
    const fake = {
      id: 'extractor' as const,
      generate: async () => {
        throw new Error('ZQXalpha exploded');
      },
    };
    const { res, json, text } = await call(visit(), { deps: { providers: { extractor: fake } } });
    expect(res.status).toBe(500);
    expect(errorCode(json)).toBe('internal');
    expectNoContent([text, logs.text()], SENTINELS);
  });
});
