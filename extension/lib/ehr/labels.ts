/**
 * What a field is called, and which note section it wants.
 *
 * Sources, strongest first: <label for>/wrapping <label>, aria-labelledby, aria-label, placeholder,
 * title, name/id (split on _ - camelCase), then — for rich editors whose own editable has a
 * generic name — the nearest preceding label/heading/legend around the editor. Matching is by
 * whole words against a small synonym table per section key (keys from shared/api.ts SectionKey).
 */
export interface FieldLabels {
  /** strongest human-readable label, trimmed to 80 characters */
  label: string;
  /** every source, lower-cased and normalised, strongest first */
  all: string[];
}

const MAX_LABEL = 80;

function clean(s: string | null | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}

function splitIdent(s: string): string {
  return s
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\-.[\]:]+/g, ' ')
    .trim();
}

function rootOf(el: Element): Document | ShadowRoot {
  const r = el.getRootNode();
  return r instanceof Object && 'getElementById' in r ? (r as Document | ShadowRoot) : el.ownerDocument;
}

function textOf(el: Element | null): string {
  if (el === null) return '';
  return clean(el.textContent).slice(0, 200);
}

const LABEL_SEL = 'label, legend, h1, h2, h3, h4, h5, h6, [role=heading], .label, dt, th';
/** Editor chrome (toolbars, menus, CKEditor/TinyMCE/Quill UI) is never a field's label. */
const CHROME_SEL = '[role=toolbar], [role=menubar], .ck-toolbar, .ck-editor__top, .tox-editor-header, .ql-toolbar, .ck-voice-label, [aria-hidden="true"]';
/** Editors' own accessible names say nothing about the field. */
const GENERIC = /rich text|editing area|editor/i;

/** Nearest preceding label-like element: siblings before the element or its ancestors, up to 6 levels. */
function precedingLabel(el: Element): string {
  let cur: Element | null = el;
  for (let depth = 0; depth < 7 && cur !== null; depth++) {
    let sib: Element | null = cur.previousElementSibling;
    for (let k = 0; k < 4 && sib !== null; k++, sib = sib.previousElementSibling) {
      if (sib.matches(CHROME_SEL)) continue;
      if (sib.matches(LABEL_SEL)) {
        const t = textOf(sib);
        if (t !== '' && !GENERIC.test(t)) return t;
        continue;
      }
      // a wrapper holding a label but no field of its own (a field there has its own label)
      if (sib.querySelector('textarea, input, select, [contenteditable]') !== null) break;
      const inner = sib.querySelector(LABEL_SEL);
      if (inner !== null && textOf(inner) !== '') return textOf(inner);
    }
    const parent: Element | null = cur.parentElement ?? ((cur.getRootNode() as ShadowRoot).host ?? null);
    if (parent !== null && parent.tagName === 'FIELDSET') {
      const lg = parent.querySelector(':scope > legend');
      if (lg !== null) return textOf(lg);
    }
    cur = parent;
  }
  return '';
}

export function labelsFor(el: HTMLElement): FieldLabels {
  const all: string[] = [];
  const push = (s: string): void => {
    const c = clean(s);
    if (c !== '' && !all.includes(c)) all.push(c);
  };
  const root = rootOf(el);
  const id = el.getAttribute('id');
  const labels = (el as HTMLInputElement).labels;
  if (labels !== undefined && labels !== null) for (const l of Array.from(labels)) push(textOf(l));
  else if (id !== null && id !== '') {
    const l = (root as Document).querySelector?.(`label[for="${CSS.escape(id)}"]`);
    if (l) push(textOf(l));
  }
  const lb = el.getAttribute('aria-labelledby');
  if (lb !== null) {
    for (const ref of lb.split(/\s+/)) {
      if (ref !== '') push(textOf((root as Document).getElementById?.(ref) ?? null));
    }
  }
  push(el.getAttribute('aria-label') ?? '');
  push(el.getAttribute('placeholder') ?? el.getAttribute('data-placeholder') ?? '');
  push(el.getAttribute('title') ?? '');
  const name = el.getAttribute('name');
  if (name !== null) push(splitIdent(name));
  if (id !== null && el.tagName !== 'BODY') push(splitIdent(id));
  // Rich editors: the editable is deep inside the editor's chrome; look around the host element.
  // TinyMCE's editable is an iframe body: look around the iframe (and the editor container) instead.
  const frameEl = el.tagName === 'BODY' ? (el.ownerDocument.defaultView?.frameElement ?? null) : null;
  const anchor: Element = frameEl ?? el;
  const hostRoot = anchor.getRootNode() as ShadowRoot;
  const pre = precedingLabel(anchor) || (hostRoot.host !== undefined ? precedingLabel(hostRoot.host) : '');
  push(pre);
  if (frameEl !== null) {
    push((frameEl as HTMLElement).getAttribute('title') ?? '');
    push((frameEl as HTMLElement).getAttribute('aria-label') ?? '');
  }
  // Generic editor names ("Rich Text Editor. Editing area: main", "Rich Text Area") are weak:
  // prefer a real label when choosing the display label.
  const best = all.find((s) => !GENERIC.test(s)) ?? all[0] ?? '';
  return { label: best.slice(0, MAX_LABEL), all: all.map((s) => s.toLowerCase()) };
}

/** Synonyms per note section key (shared/api.ts SectionKey); whole-word, case-insensitive. */
export const SECTION_SYNONYMS: Readonly<Record<string, ReadonlyArray<string>>> = {
  chief_complaint: ['chief complaint', 'cc', 'reason for visit', 'presenting complaint'],
  hpi: ['hpi', 'history of present illness', 'present illness'],
  subjective: ['subjective', 's'],
  ros: ['ros', 'review of systems'],
  pmh: ['pmh', 'past medical history', 'medical history'],
  medications: ['medications', 'medication', 'meds', 'current medications'],
  allergies: ['allergies', 'allergy'],
  vitals: ['vitals', 'vital signs'],
  exam: ['exam', 'physical exam', 'physical examination', 'examination'],
  objective: ['objective', 'o'],
  results: ['results', 'labs', 'lab results', 'data'],
  assessment: ['assessment', 'impression', 'diagnosis', 'diagnoses', 'a'],
  plan: ['plan', 'treatment plan', 'p', 'recommendations'],
  follow_up: ['follow up', 'follow-up', 'followup', 'return'],
  instructions: ['instructions', 'patient instructions', 'discharge instructions'],
  visit_info: ['visit info', 'visit information', 'encounter'],
};

/** Labels of a field meant for a whole note. */
export const WHOLE_NOTE_SYNONYMS = ['note', 'notes', 'clinical note', 'progress note', 'visit note', 'encounter note', 'soap note', 'documentation'];

function words(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9&/ ]+/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** Score how well a label names a phrase: 3 exact, 2 label starts with it, 1 contains it as words. */
function phraseScore(label: string, phrase: string): number {
  const lw = words(label);
  const pw = words(phrase);
  if (pw.length === 0 || lw.length === 0) return 0;
  const l = lw.join(' ');
  const p = pw.join(' ');
  if (l === p) return 3;
  // one-letter synonyms ("S", "A", "P") only count as the whole label, optionally with a colon
  if (p.length <= 2) return 0;
  if (l.startsWith(`${p} `)) return 2;
  if (` ${l} `.includes(` ${p} `)) return 1;
  return 0;
}

export interface SectionMatch {
  key: string | null;
  /** 0 no match; higher is stronger (source rank × phrase score) */
  score: number;
  /** the field looks like a whole-note field */
  wholeNote: boolean;
}

export function matchSection(labels: FieldLabels, keys: ReadonlyArray<string> = Object.keys(SECTION_SYNONYMS)): SectionMatch {
  let best: SectionMatch = { key: null, score: 0, wholeNote: false };
  let whole = 0;
  labels.all.forEach((lab, i) => {
    const rank = Math.max(1, 6 - i); // earlier sources are stronger
    // "Assessment and Plan": both keys would match; the first-named section wins, and the
    // mapper (map.ts) lets the second section fall through to the same field.
    for (const key of keys) {
      for (const syn of SECTION_SYNONYMS[key] ?? [key.replace(/_/g, ' ')]) {
        const s = phraseScore(lab, syn);
        if (s === 0) continue;
        const pos = ` ${words(lab).join(' ')} `.indexOf(` ${words(syn).join(' ')} `);
        const score = s * 10 * rank - Math.max(0, pos) / 100;
        if (score > best.score) best = { key, score, wholeNote: false };
      }
    }
    for (const syn of WHOLE_NOTE_SYNONYMS) whole = Math.max(whole, phraseScore(lab, syn) * 10 * rank);
  });
  if (best.key === null && whole > 0) return { key: null, score: whole, wholeNote: true };
  return best;
}
