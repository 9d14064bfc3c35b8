/**
 * The offline, deterministic clinical note extractor: transcript segments (placeholders only) →
 * a note in the requested template, every statement carrying the ids of the segments it came from.
 * Pure TypeScript, no I/O: runs in the extension (offline mode), in the Worker and under Node.
 * See extractor.design.md for why it is rule-based and what it does not do.
 */
import { LIMITS, type Note, type NoteRequest, type Section, type SectionKey, type Statement, type TemplateId } from '../api.ts';
import { formatVital, mergeIds, readFacts, type Fact, type Medication, type VisitFacts } from './facts.ts';
import { templateSections } from './templates.ts';
import { capitalize, endWithPeriod } from './text.ts';

export { readFacts } from './facts.ts';

type Content = Partial<Record<SectionKey, Fact[]>>;

function list(label: string, items: readonly Fact[]): Fact[] {
  if (items.length === 0) return [];
  const evidence = items.reduce<string[]>((acc, f) => mergeIds(acc, f.evidence), []);
  return [{ text: `${label}: ${items.map((f) => f.text.replace(/\.$/, '')).join(', ')}.`, evidence }];
}

function vitalsFacts(f: VisitFacts, combined: boolean): Fact[] {
  const each = f.vitals.map((v) => ({ text: endWithPeriod(formatVital(v)), evidence: v.evidence }));
  if (!combined || each.length === 0) return each;
  return list('Vitals', each);
}

function allergyFacts(f: VisitFacts): Fact[] {
  if (f.allergies.length > 0) return f.allergies;
  return f.noKnownAllergies === null ? [] : [f.noKnownAllergies];
}

/** Review-of-systems grouping (generic symptom vocabulary → body system). */
const ROS_SYSTEMS: ReadonlyArray<[string, RegExp]> = [
  ['Constitutional', /fever|chills|sweats|fatigue|tired|weight|appetite|thirst/],
  ['Cardiovascular', /chest pain|palpitations|swelling|fainting|passed out/],
  ['Respiratory', /cough|shortness of breath|trouble breathing|wheezing|sputum/],
  ['Gastrointestinal', /nausea|vomiting|diarrhea|constipation|abdominal|stomach|heartburn|reflux|bloating|stool/],
  ['Genitourinary', /burning|urgency|frequency|urine/],
  ['Musculoskeletal', /joint|back pain|stiffness|cramping|spasms|ache|sore$/],
  ['Neurological', /headache|dizz|lightheaded|numbness|tingling|weakness|tremor|falls|memory|confusion|pins and needles|vision/],
  ['Skin', /rash|itching|hives|bruising|bleeding/],
  ['Psychiatric', /anxi|depress|mood|sleep|insomnia|suicidal|hurting myself/],
  ['ENT', /sore throat|congestion|runny nose|sneezing|ear/],
];

function rosFacts(f: VisitFacts): Fact[] {
  const groups = new Map<string, { pos: Fact[]; neg: Fact[] }>();
  const sys = (term: string): string => ROS_SYSTEMS.find(([, re]) => re.test(term))?.[0] ?? 'Other';
  for (const p of f.positives) {
    const g = groups.get(sys(p.text)) ?? { pos: [], neg: [] };
    g.pos.push(p);
    groups.set(sys(p.text), g);
  }
  for (const n of f.negatives) {
    const g = groups.get(sys(n.text)) ?? { pos: [], neg: [] };
    g.neg.push(n);
    groups.set(sys(n.text), g);
  }
  const order = [...ROS_SYSTEMS.map(([name]) => name), 'Other'];
  const out: Fact[] = [];
  for (const name of order) {
    const g = groups.get(name);
    if (g === undefined) continue;
    const parts: string[] = [];
    if (g.pos.length > 0) parts.push(`Endorses ${g.pos.map((x) => x.text).join(', ')}.`);
    if (g.neg.length > 0) parts.push(`Denies ${g.neg.map((x) => x.text).join(', ')}.`);
    const evidence = [...g.pos, ...g.neg].reduce<string[]>((acc, x) => mergeIds(acc, x.evidence), []);
    out.push({ text: `${name}: ${parts.join(' ')}`, evidence });
  }
  return out;
}

/**
 * Exam findings grouped by body system, as notes write them ("Musculoskeletal: A. B."), in the
 * order systems first appear; findings without a system stay as they are. Bounded length per
 * statement; evidence is the union of the grouped findings'.
 */
function examFacts(f: VisitFacts): Fact[] {
  const out: Fact[] = [];
  const open = new Map<string, Fact>();
  for (const e of f.exam) {
    const m = /^([A-Z][A-Za-z]+): (.*)$/.exec(e.text);
    const system = m?.[1];
    const body = m?.[2];
    if (system === undefined || body === undefined) {
      out.push(e);
      continue;
    }
    const g = open.get(system);
    if (g !== undefined && g.text.length + body.length < 600) {
      g.text = `${g.text} ${body}`;
      g.evidence = mergeIds(g.evidence, e.evidence);
      continue;
    }
    const fresh = { text: e.text, evidence: [...e.evidence] };
    open.set(system, fresh);
    out.push(fresh);
  }
  return out;
}

function ccFact(f: VisitFacts, label: string): Fact[] {
  return f.chiefComplaint === null ? [] : [{ text: `${label}${f.chiefComplaint.text}`, evidence: f.chiefComplaint.evidence }];
}

/** Plain-language rewrites for patient instructions (generic clinical shorthand only). */
const PLAIN: ReadonlyArray<[RegExp, string]> = [
  [/\bonce daily\b/gi, 'once a day'],
  [/\btwice daily\b/gi, 'two times a day'],
  [/\bthree times daily\b/gi, 'three times a day'],
  [/\bfour times daily\b/gi, 'four times a day'],
  [/\bat bedtime\b/gi, 'at bedtime'],
  [/\bas needed\b/gi, 'only when you need it'],
  [/\bprn\b/gi, 'only when you need it'],
  [/\bmg\b/g, 'mg'],
  [/\bhypertension\b/gi, 'high blood pressure'],
  [/\bhyperlipidemia\b/gi, 'high cholesterol'],
  [/\bmyocardial infarction\b/gi, 'heart attack'],
  [/\bpo\b/g, 'by mouth'],
  [/\bthe patient\b/gi, 'you'],
  [/\breferral\b/gi, 'referral (we will set this up)'],
];

function plain(text: string): string {
  let t = text;
  for (const [re, to] of PLAIN) t = t.replace(re, to);
  return capitalize(t);
}

function mentionsMedication(text: string, f: VisitFacts): boolean {
  return /\b\d+(?:\.\d+)?\s*(mg|milligrams?|mcg|micrograms?|units?|puffs?|sprays?|g)\b/i.test(text) ||
    f.medications.some((m) => text.toLowerCase().includes(m.name.toLowerCase()));
}

function content(f: VisitFacts, template: TemplateId): Content {
  const meds: Medication[] = f.medications;
  const hpi = f.hpi;
  const plan = f.plan;
  switch (template) {
    case 'soap':
      return {
        subjective: [
          ...ccFact(f, 'Chief complaint: '),
          ...hpi,
          ...f.history,
          ...list('Current medications', meds),
          ...list('Allergies', allergyFacts(f)),
          ...rosFacts(f),
        ],
        objective: [...vitalsFacts(f, true), ...examFacts(f), ...f.results],
        assessment: f.assessment,
        plan: [...plan, ...f.followUp, ...f.precautions],
      };
    case 'hp':
      return {
        chief_complaint: ccFact(f, ''),
        hpi,
        pmh: f.history,
        medications: meds,
        allergies: allergyFacts(f),
        ros: rosFacts(f),
        vitals: vitalsFacts(f, false),
        exam: examFacts(f),
        results: f.results,
        assessment: f.assessment,
        plan: [...plan, ...f.followUp, ...f.precautions],
      };
    case 'progress':
      return {
        subjective: [...ccFact(f, 'Chief complaint: '), ...hpi, ...f.history, ...rosFacts(f)],
        medications: meds,
        allergies: allergyFacts(f),
        vitals: vitalsFacts(f, false),
        exam: examFacts(f),
        results: f.results,
        assessment: f.assessment,
        plan: [...plan, ...f.precautions],
        follow_up: f.followUp,
      };
    case 'telehealth':
      return {
        visit_info: f.telehealth === null ? [] : [f.telehealth],
        chief_complaint: ccFact(f, ''),
        hpi: [...hpi, ...f.history, ...rosFacts(f)],
        medications: meds,
        allergies: allergyFacts(f),
        vitals: vitalsFacts(f, false),
        exam: examFacts(f),
        assessment: f.assessment,
        plan: [...plan, ...f.precautions],
        follow_up: f.followUp,
      };
    case 'patient_instructions': {
      const medPlan = plan.filter((p) => mentionsMedication(p.text, f));
      const otherPlan = plan.filter((p) => !mentionsMedication(p.text, f));
      const changed = (name: string): boolean => medPlan.some((p) => p.text.toLowerCase().includes(name.toLowerCase()));
      const keep = meds.filter((m) => !changed(m.name));
      return {
        chief_complaint: ccFact(f, 'You told us: '),
        assessment: f.assessment.map((a) => ({ text: `We think this is: ${plain(a.text)}`, evidence: a.evidence })),
        medications: [
          ...medPlan.map((p) => ({ text: plain(p.text), evidence: p.evidence })),
          ...keep.map((m) => ({ text: `Keep taking ${plain(m.text.replace(/^./, (c) => c.toLowerCase()))}`, evidence: m.evidence })),
        ],
        plan: otherPlan.map((p) => ({ text: plain(p.text), evidence: p.evidence })),
        follow_up: f.followUp.map((p) => ({ text: plain(p.text), evidence: p.evidence })),
        instructions: f.precautions.map((p) => ({ text: plain(p.text), evidence: p.evidence })),
      };
    }
  }
}

function toStatements(facts: readonly Fact[] | undefined, known: ReadonlySet<string>): Statement[] {
  const out: Statement[] = [];
  for (const f of facts ?? []) {
    if (out.length >= LIMITS.maxStatementsPerSection) break;
    const text = f.text.trim().slice(0, LIMITS.maxStatementChars);
    const evidence = f.evidence.filter((id) => known.has(id)).slice(0, LIMITS.maxEvidencePerStatement);
    // A statement with no evidence is never emitted.
    if (text.length === 0 || evidence.length === 0) continue;
    out.push({ text, evidence });
  }
  return out;
}

/** Build a note from a parsed request. Deterministic: the same request gives the same note. */
export function extractNote(req: Pick<NoteRequest, 'template' | 'segments'>): Note {
  const known = new Set(req.segments.map((s) => s.id));
  const facts = readFacts(req.segments);
  const c = content(facts, req.template);
  const sections: Section[] = templateSections(req.template).map((spec) => ({
    key: spec.key,
    title: spec.title,
    statements: toStatements(c[spec.key], known),
  }));
  return { sections };
}
