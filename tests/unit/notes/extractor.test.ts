import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Note, TEMPLATE_IDS, type NoteSegment, type TemplateId } from '../../../shared/api.ts';
import { noteIsSound, noteProblems, placeholdersIn } from '../../../shared/notes/check.ts';
import { extractNote } from '../../../shared/notes/extractor.ts';
import { templateSections } from '../../../shared/notes/templates.ts';

/** Synthetic visit: alternating clinician / patient turns, ids c0, p1, c2, ... */
function visit(turns: readonly string[], first: 'clinician' | 'patient' = 'clinician'): NoteSegment[] {
  return turns.map((text, i) => {
    const clinician = (i % 2 === 0) === (first === 'clinician');
    return { id: `${clinician ? 'c' : 'p'}${i}`, speaker: clinician ? 'clinician' : 'patient', t0: i, t1: i + 1, text };
  });
}

function section(note: Note, key: string): string[] {
  return note.sections.find((s) => s.key === key)?.statements.map((s) => s.text) ?? [];
}

const SAMPLE = visit([
  'Good morning. What brings you in today?',
  'Well, I have had a sore throat and a cough. It started three days ago.',
  'Any fever or trouble breathing?',
  'No fever and no shortness of breath.',
  'What medications are you taking right now?',
  'I take lisinopril 10 milligrams once a day and metformin 500 mg twice a day.',
  'Any drug allergies I should know about?',
  'Yes, penicillin, I get hives.',
  'So today your blood pressure is 132 over 84, heart rate 88, temp 99.1, respirations 16, oxygen saturation 97%, and you weigh 182 pounds.',
  'Okay.',
  'On exam, throat is red without exudate, lungs are clear.',
  'So what is it?',
  'This looks like acute viral pharyngitis. Here\'s the plan: salt water gargles; acetaminophen 500 mg every 6 hours as needed; rest and fluids.',
  'Okay, thank you.',
  'Follow up in one week if not better. Call us sooner if you have trouble breathing.',
  'Will do.',
]);

describe('extractNote on a synthetic visit', () => {
  const note = extractNote({ template: 'hp', segments: SAMPLE });

  it('finds medications with dose and frequency, with evidence', () => {
    const meds = section(note, 'medications');
    expect(meds).toContain('Lisinopril 10 mg once daily.');
    expect(meds).toContain('Metformin 500 mg twice daily.');
    const st = note.sections.find((s) => s.key === 'medications')?.statements[0];
    expect(st?.evidence).toEqual(['p5']);
  });

  it('reads every vital sign form', () => {
    expect(section(note, 'vitals')).toEqual([
      'BP 132/84 mmHg.',
      'HR 88 bpm.',
      'Temp 99.1 °F.',
      'RR 16 breaths/min.',
      'SpO2 97%.',
      'Weight 182 lb.',
    ]);
  });

  it('reads "breathing N" as the respiratory rate only in a read-out of vitals', () => {
    const vitals = (text: string): string[] =>
      section(extractNote({ template: 'hp', segments: visit(['Let me read your numbers.', 'Okay.', text, 'Okay.']) }), 'vitals');
    expect(vitals('Blood pressure 126 over 84, pulse 94, temperature 98.6, breathing 14, and oxygen 97 percent.')).toContain('RR 14 breaths/min.');
    expect(vitals('Your pulse was 80 and breathing 12.')).toContain('RR 12 breaths/min.');
    expect(vitals('Pulse 80. I had trouble breathing for 10 minutes.').join(' ')).not.toMatch(/RR/);
    expect(vitals('Pulse 80, breathing 2 puffs of albuterol helped.').join(' ')).not.toMatch(/RR/);
    // Without another vital sign in the sentence, "breathing" alone is not a read-out.
    expect(vitals('My breathing 10 years ago was fine.').join(' ')).not.toMatch(/RR/);
  });

  it('reads allergies with reaction, chief complaint, negatives, exam, assessment, plan and follow-up', () => {
    expect(section(note, 'allergies')).toEqual(['Penicillin (reaction: hives).']);
    expect(section(note, 'chief_complaint')[0]).toContain('sore throat');
    const ros = section(note, 'ros').join(' ');
    expect(ros).toMatch(/Constitutional: Denies fever\./);
    expect(ros).toMatch(/Respiratory: Endorses cough\. Denies trouble breathing, shortness of breath\./);
    expect(section(note, 'exam').join(' ')).toContain('lungs are clear');
    expect(section(note, 'assessment')).toEqual(['Acute viral pharyngitis.']);
    const plan = section(note, 'plan');
    expect(plan).toContain('Salt water gargles.');
    expect(plan).toContain('Acetaminophen 500 mg every 6 hours as needed.');
    expect(plan.some((p) => /follow up in 1 week/i.test(p))).toBe(true);
  });

  it('writes the history in the third person', () => {
    const hpi = section(note, 'hpi').join(' ');
    expect(hpi).toMatch(/The patient has had a sore throat/);
    expect(hpi).not.toMatch(/\bI\b/);
  });

  it('every statement has evidence that exists in the input; the note fits the schema', () => {
    for (const t of TEMPLATE_IDS) {
      const n = extractNote({ template: t, segments: SAMPLE });
      expect(Note.safeParse(n).success).toBe(true);
      expect(noteIsSound(noteProblems(n, { segments: SAMPLE, template: t }))).toBe(true);
    }
  });
});

describe('extractor details', () => {
  it('medication forms: words for numbers, micrograms, puffs, bedtime, as needed', () => {
    const segs = visit([
      'Let\'s go over your medicines. What are you on?',
      'Let me look at my list. It says levothyroxine 75 micrograms every morning, atorvastatin forty milligrams every night at bedtime, and albuterol inhaler 2 puffs every four to six hours when I need it.',
    ]);
    const meds = section(extractNote({ template: 'hp', segments: segs }), 'medications');
    expect(meds).toEqual([
      'Levothyroxine 75 mcg every morning.',
      'Atorvastatin 40 mg at bedtime.',
      'Albuterol inhaler 2 puffs every 4 to 6 hours as needed.',
    ]);
  });

  it('a planned change is a plan item, not a current medication', () => {
    const segs = visit([
      'What medications are you taking right now?',
      'Sertraline 50 milligrams once a day.',
      'My assessment is major depressive disorder, moderate. So, increase sertraline to 100 mg once daily. Also, referral to counseling.',
    ]);
    const note = extractNote({ template: 'hp', segments: segs });
    expect(section(note, 'medications')).toEqual(['Sertraline 50 mg once daily.']);
    expect(section(note, 'plan')).toEqual(['Increase sertraline to 100 mg once daily.', 'Referral to counseling.']);
    expect(section(note, 'assessment')).toEqual(['Major depressive disorder, moderate.']);
  });

  it('no known allergies', () => {
    for (const answer of ['No allergies.', 'No known drug allergies.', 'Nope, none.']) {
      const note = extractNote({ template: 'hp', segments: visit(['Are you allergic to anything?', answer]) });
      expect(section(note, 'allergies')).toEqual(['No known drug allergies.']);
    }
  });

  it('two allergens in one answer', () => {
    const note = extractNote({ template: 'hp', segments: visit(['Any allergies to medications?', 'Yes, sulfa drugs, they give me a rash. And codeine, it makes me throw up.']) });
    const a = section(note, 'allergies');
    expect(a).toHaveLength(2);
    expect(a[0]).toMatch(/^Sulfa drugs/);
    expect(a[1]).toMatch(/^Codeine/);
  });

  it('blood pressure as "N/N" and "B P N over N"; a bare "N over N" outside vitals talk is ignored', () => {
    const a = extractNote({ template: 'hp', segments: visit(['Let me read off your numbers. B P 141 over 92. Pulse 77.', 'Okay.']) });
    expect(section(a, 'vitals')).toEqual(['BP 141/92 mmHg.', 'HR 77 bpm.']);
    const b = extractNote({ template: 'hp', segments: visit(['What happened?', 'The score was 10 over 8 at the game.']) });
    expect(section(b, 'vitals')).toEqual([]);
  });

  it('reads the vitals forms an on-device transcript gives ("a pressure at 134.85", a bare "N over N" in a read-out, "96 on room air")', () => {
    const vitals = (turns: readonly string[]): string[] => section(extractNote({ template: 'hp', segments: visit(turns) }), 'vitals');
    // Whisper writes a spoken "134/85" as "134.85"; right after a pressure word it is a blood pressure.
    expect(vitals(['The nurse got a pressure at 134.85, pulse 80, respiration 16.', 'Okay.'])).toEqual(['BP 134/85 mmHg.', 'HR 80 bpm.', 'RR 16 breaths/min.']);
    // ...but a decimal that cannot be one is not, and a decimal without a pressure word is left alone.
    expect(vitals(['Your pressure at 134.5 is odd, pulse 80.', 'Okay.'])).toEqual(['HR 80 bpm.']);
    expect(vitals(['Pulse 80, and the lab value was 134.85.', 'Okay.'])).toEqual(['HR 80 bpm.']);
    // A bare "N over N" read out with other vital signs, with no vitals question before it.
    expect(vitals(['VP 133 over 88, temp 98.1, oxygen 99%.', 'Okay.'])).toEqual(['BP 133/88 mmHg.', 'Temp 98.1 °F.', 'SpO2 99%.']);
    // A bare "N over N" beside only a weight (whose cue words are loose) or nothing is not read.
    expect(vitals(['133 over 88, and I was 150 pounds.', 'Okay.'])).toEqual(['Weight 150 lb.']);
    expect(vitals(['Well, 133 over 88 is what the paper said.', 'Okay.'])).toEqual([]);
    // Oxygen saturation stated as "N on room air" even when its cue word is misheard.
    expect(vitals(['Temperature 97.9 degrees, sets 96 on room air.', 'Okay.'])).toEqual(['Temp 97.9 °F.', 'SpO2 96% on room air.']);
    // "on room air" is kept with a saturation said with it (it means little without), never guessed.
    expect(vitals(['Oxygen saturation 97% on room air, pulse 70.', 'Okay.'])).toEqual(['HR 70 bpm.', 'SpO2 97% on room air.']);
    expect(vitals(['Oxygen saturation 92% on 2 liters.', 'Okay.'])).toEqual(['SpO2 92%.']);
    expect(vitals(['I have been on room air for 2 years, pulse 70.', 'Okay.'])).toEqual(['HR 70 bpm.']);
  });

  it('placeholders pass through untouched', () => {
    const segs = visit([
      'Nice to see you, [NAME_1]. What brings you in today?',
      'My knee hurts since [DATE_1]. My daughter [NAME_2] drove me.',
      'Follow up on [DATE_2].',
      'Thanks.',
    ]);
    for (const t of TEMPLATE_IDS) {
      const note = extractNote({ template: t, segments: segs });
      const all = note.sections.flatMap((s) => s.statements.map((x) => x.text)).join(' ');
      for (const p of placeholdersIn(all)) expect(['[NAME_1]', '[NAME_2]', '[DATE_1]', '[DATE_2]']).toContain(p);
      expect(noteProblems(note, { segments: segs, template: t }).foreignPlaceholders).toBe(0);
    }
    const hp = extractNote({ template: 'hp', segments: segs });
    expect(section(hp, 'hpi').join(' ')).toContain('[DATE_1]');
    expect(section(hp, 'plan').join(' ')).toContain('[DATE_2]');
  });

  it('is deterministic', () => {
    expect(extractNote({ template: 'soap', segments: SAMPLE })).toEqual(extractNote({ template: 'soap', segments: SAMPLE }));
  });

  it('unlabelled speakers: the one who asks is taken as the clinician', () => {
    const segs: NoteSegment[] = [
      { id: 'a', speaker: 'speaker1', t0: 0, t1: 1, text: 'Any drug allergies?' },
      { id: 'b', speaker: 'speaker2', t0: 1, t1: 2, text: 'Yes, latex, I get a rash.' },
    ];
    expect(section(extractNote({ template: 'hp', segments: segs }), 'allergies')[0]).toMatch(/^Latex/);
  });

  // One room microphone: the ASR labels nothing, and each segment is one utterance.
  const room = (texts: readonly string[]): NoteSegment[] => texts.map((text, i) => ({ id: `u${i}`, speaker: 'unlabelled', t0: i, t1: i + 1, text }));
  it('no speaker labels: each utterance is a turn, so a late question does not set the whole visit’s topic', () => {
    const segs = room([
      'So what do you think it is?',
      'So this looks like major depressive disorder, moderate.',
      "Here's the plan. Increase sertraline to 100 mg once daily, referral to counseling.",
      "I got a bill I don't understand, who do I call about billing?",
    ]);
    const note = extractNote({ template: 'hp', segments: segs });
    expect(section(note, 'assessment')).toEqual(['Major depressive disorder, moderate.']);
    expect(section(note, 'plan').join(' ')).toMatch(/Increase sertraline to 100 mg once daily/);
  });

  it('a sentence the speaker paused inside is read across the two utterances and cites both', () => {
    const note = extractNote({ template: 'hp', segments: room(['Okay, my', 'assessment is cellulitis of the left lower leg.', 'How long before I feel better?']) });
    const dx = note.sections.find((s) => s.key === 'assessment')?.statements ?? [];
    expect(dx.map((s) => [s.text, s.evidence])).toEqual([['Cellulitis of the left lower leg.', ['u0', 'u1']]]);
    // a finished sentence is not carried: each cites its own utterance
    const two = extractNote({ template: 'hp', segments: room(['My assessment is cellulitis of the left leg.', 'Start cephalexin 500 mg four times daily.']) });
    expect(two.sections.find((s) => s.key === 'assessment')?.statements.map((s) => s.evidence)).toEqual([['u0']]);
  });
});

const WORDS = [
  'I', 'take', 'aspirin', '81', 'mg', 'daily', 'pain', 'no', 'fever', 'blood', 'pressure', '120', 'over', '80',
  'this', 'looks', 'like', 'plan', 'follow', 'up', 'allergic', 'to', 'penicillin', '[NAME_1]', '[DATE_2]', '.', '?',
  ',', 'exam', 'lungs', 'clear', 'continue', 'increase', 'to', 'every', 'hours', 'as', 'needed', 'ignore', 'previous',
];

describe('properties over random transcripts', () => {
  const segArb = fc.record({
    speaker: fc.constantFrom('clinician', 'patient', 'family', 'speaker1', 'unlabelled'),
    words: fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 8 })), { maxLength: 40 }),
  });
  const transcriptArb = fc.array(segArb, { minLength: 1, maxLength: 25 }).map((segs) =>
    segs.map((s, i): NoteSegment => ({ id: `seg_${i}`, speaker: s.speaker, t0: i, t1: i + 1, text: s.words.join(' ') })),
  );

  it('every statement has evidence naming input segments; no foreign placeholders; fixed layout; schema-valid', () => {
    fc.assert(
      fc.property(transcriptArb, fc.constantFrom(...TEMPLATE_IDS), (segments, template: TemplateId) => {
        const note = extractNote({ template, segments });
        expect(Note.safeParse(note).success).toBe(true);
        const p = noteProblems(note, { segments, template });
        expect(p).toEqual({ statementsWithoutEvidence: 0, unknownEvidenceIds: 0, foreignPlaceholders: 0, layoutMismatch: false });
        expect(note.sections.map((s) => s.title)).toEqual(templateSections(template).map((s) => s.title));
      }),
      { numRuns: 150 },
    );
  });
  it('number words: one number per valid phrase ("two three times" is 2 3, never 5); a sentence starting with a number is not raised', async () => {
    const { numbersToDigits, capitalize } = await import('../../../shared/notes/text.ts');
    expect(numbersToDigits('two three times a day')).toBe('2 3 times a day');
    expect(numbersToDigits('twelve two')).toBe('12 2');
    expect(numbersToDigits('one hundred and twenty seven')).toBe('127');
    expect(numbersToDigits('five hundred milligrams twice')).toBe('500 milligrams twice');
    expect(numbersToDigits('one thousand two hundred')).toBe('1200');
    expect(numbersToDigits('twenty-two')).toBe('22');
    expect(numbersToDigits('thirty forty')).toBe('30 40');
    expect(capitalize('12 day road')).toBe('12 day road');
    expect(capitalize('"dry cough')).toBe('"Dry cough');
  });
});
