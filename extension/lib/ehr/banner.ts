/**
 * Reading the open chart's patient from the EHR page header, so the minimizer knows those
 * identifiers and the panel can warn when the visit and the chart disagree.
 *
 * 1. Selectors (documented, checked in order; an attribute value wins over text):
 *    name: [data-patient-name], [itemprop="patientName"], .patient-name, #patient-name,
 *          [aria-label="Patient name" i]
 *    dob:  [data-patient-dob], [itemprop="birthDate"], .patient-dob, #patient-dob, [aria-label="Date of birth" i]
 *    mrn:  [data-patient-mrn], [data-mrn], [itemprop="mrn"], .patient-mrn, .mrn, #patient-mrn, [aria-label="MRN" i]
 * 2. Heuristic, only when no selector matched: the text of the first banner-like region
 *    ([role=banner], header, [class|id*=patient], [class|id*=banner]), at most 2,000 characters,
 *    scanned for "MRN: …", "DOB: …" / "Date of birth: …", and a name as "Name: …" / "Patient: …"
 *    or the words just before "DOB"/"MRN" ("DOE, Jane  DOB …").
 */
export interface BannerPatient {
  name?: string;
  dob?: string;
  mrn?: string;
}
export interface BannerRead {
  via: 'selector' | 'heuristic' | null;
  patient: BannerPatient | null;
}

const SEL = {
  name: ['[data-patient-name]', '[itemprop="patientName"]', '.patient-name', '#patient-name', '[aria-label="Patient name" i]'],
  dob: ['[data-patient-dob]', '[itemprop="birthDate"]', '.patient-dob', '#patient-dob', '[aria-label="Date of birth" i]'],
  mrn: ['[data-patient-mrn]', '[data-mrn]', '[itemprop="mrn"]', '.patient-mrn', '.mrn', '#patient-mrn', '[aria-label="MRN" i]'],
} as const;

const ATTR = { name: 'data-patient-name', dob: 'data-patient-dob', mrn: 'data-patient-mrn' } as const;

function clean(s: string | null | undefined, max: number): string {
  return (s ?? '')
    .replace(/\s+/g, ' ')
    .replace(/^(name|patient|dob|date of birth|mrn)(?:\s*[:#]\s*|\s+)/i, '')
    .trim()
    .slice(0, max);
}

function bySelector(doc: Document | ShadowRoot, field: keyof typeof SEL, max: number): string | undefined {
  for (const s of SEL[field]) {
    const el = doc.querySelector(s);
    if (el === null) continue;
    const attr = el.getAttribute(ATTR[field]) ?? (field === 'mrn' ? el.getAttribute('data-mrn') : null);
    const v = clean(attr !== null && attr !== '' ? attr : el.textContent, max);
    if (v !== '') return v;
  }
  return undefined;
}

const DATE = String.raw`(\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4})`;
const RE_DOB = new RegExp(String.raw`\b(?:DOB|D\.O\.B\.|Date of birth|Born)\s*[:#]?\s*` + DATE, 'i');
const RE_MRN = /\b(?:MRN|Medical record (?:number|no\.?)|Chart (?:number|no\.?|#))\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{3,19})\b/i;
const RE_NAME_LABEL = /\b(?:Patient name|Patient|Name)\s*:\s*([A-Z][A-Za-z'’-]+(?:,? [A-Z][A-Za-z'’.-]+){1,3})/;
const RE_NAME_BEFORE = /([A-Z][A-Za-z'’-]+, [A-Z][A-Za-z'’.-]+(?: [A-Z][A-Za-z'’.-]+)?)\s*[|•·,;(]?\s*(?:\(\s*)?(?:DOB|MRN|\d{1,3}\s*(?:y|yo|years))\b/;

function heuristic(doc: Document): BannerPatient | null {
  const regions = doc.querySelectorAll('[role=banner], header, [class*="patient" i], [id*="patient" i], [class*="banner" i], [id*="banner" i]');
  for (const r of Array.from(regions).slice(0, 20)) {
    const text = ((r as HTMLElement).innerText ?? r.textContent ?? '').slice(0, 2_000).replace(/[ \t]+/g, ' ');
    const p: BannerPatient = {};
    const dob = RE_DOB.exec(text);
    if (dob?.[1] !== undefined) p.dob = dob[1];
    const mrn = RE_MRN.exec(text);
    if (mrn?.[1] !== undefined) p.mrn = mrn[1];
    const name = RE_NAME_LABEL.exec(text) ?? RE_NAME_BEFORE.exec(text);
    if (name?.[1] !== undefined) p.name = name[1].trim().slice(0, 120);
    // A region counts only with two of the three: one date alone is not a patient banner.
    if (Object.keys(p).length >= 2) return p;
  }
  return null;
}

export function readBanner(doc: Document): BannerRead {
  const p: BannerPatient = {};
  const name = bySelector(doc, 'name', 120);
  const dob = bySelector(doc, 'dob', 40);
  const mrn = bySelector(doc, 'mrn', 40);
  if (name !== undefined) p.name = name;
  if (dob !== undefined) p.dob = dob;
  if (mrn !== undefined) p.mrn = mrn;
  if (Object.keys(p).length > 0) return { via: 'selector', patient: p };
  const h = heuristic(doc);
  return h === null ? { via: null, patient: null } : { via: 'heuristic', patient: h };
}

function normName(s: string): string {
  const t = s.toLowerCase().replace(/[^a-z, ]+/g, ' ').trim();
  // "DOE, Jane" → "jane doe"
  const [last, first] = t.includes(',') ? t.split(',', 2).map((x) => x.trim()) : [null, null];
  const full = last !== null && first !== null && last !== undefined && first !== undefined ? `${first} ${last}` : t;
  return full.split(/\s+/).filter((w) => w.length > 1).sort().join(' ');
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** Best-effort ISO date (US month/day order for slashed dates); null when unparseable. */
export function normDate(s: string): string | null {
  const t = s.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$/.exec(t);
  if (m) {
    let y = Number(m[3]);
    if (y < 100) y += y > 30 ? 1900 : 2000;
    return `${y}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  }
  m = /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})$/.exec(t);
  if (m) {
    const mo = MONTHS.indexOf(m[1]!.toLowerCase());
    if (mo >= 0) return `${m[3]}-${String(mo + 1).padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  }
  m = /^(\d{1,2}) ([A-Za-z]{3})[a-z]*\.? (\d{4})$/.exec(t);
  if (m) {
    const mo = MONTHS.indexOf(m[2]!.toLowerCase());
    if (mo >= 0) return `${m[3]}-${String(mo + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  }
  return null;
}

export type BannerMatch = 'match' | 'mismatch' | 'unknown';

/**
 * Compare the visit's patient with the chart's: any field present on both sides that differs is
 * a mismatch; no comparable field is unknown.
 */
export function comparePatients(visit: BannerPatient, chart: BannerPatient): BannerMatch {
  let compared = 0;
  if (visit.mrn !== undefined && chart.mrn !== undefined) {
    compared++;
    if (visit.mrn.replace(/[^A-Za-z0-9]/g, '').toUpperCase() !== chart.mrn.replace(/[^A-Za-z0-9]/g, '').toUpperCase()) return 'mismatch';
  }
  if (visit.dob !== undefined && chart.dob !== undefined) {
    const a = normDate(visit.dob);
    const b = normDate(chart.dob);
    if (a !== null && b !== null) {
      compared++;
      if (a !== b) return 'mismatch';
    }
  }
  if (visit.name !== undefined && chart.name !== undefined) {
    compared++;
    if (normName(visit.name) !== normName(chart.name)) return 'mismatch';
  }
  return compared === 0 ? 'unknown' : 'match';
}
