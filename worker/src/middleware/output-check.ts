import { Note, type NoteRequest } from '../../../shared/api.ts';
import { detectPatternIdentifiers, GUARDED_TYPES } from '../../../shared/phi-patterns.ts';
import { placeholdersIn } from '../../../shared/notes/check.ts';
import type { OutputRule } from '../log.ts';
import type { PromptSecrets } from '../providers/types.ts';
import { TEMPLATES } from '../../../shared/notes/templates.ts';

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
/** Words and numbers of a text (compared in lower case). */
const TOKEN_RE = /[\p{L}\p{N}]+/gu;

/** System-prompt sentences long enough that quoting one is a leak, not a coincidence. */
function leakNeedles(secrets: PromptSecrets): string[] {
  return secrets.system
    .split(/(?<=[.:])\s+|\n/)
    .map(norm)
    .filter((s) => s.length >= 32)
    .map((s) => s.slice(0, 48));
}

/** Words for the leak comparison: width-, case-, accent- and invisible-character-insensitive. */
function leakWords(s: string): string[] {
  return s
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '')
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

const LEAK_RUN = 6;

/** Statements joined with a blank line, cut into pieces of about `size` characters (never mid-statement). */
function chunked(texts: readonly string[], size: number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let len = 0;
  for (const t of texts) {
    cur.push(t);
    len += t.length + 2;
    if (len >= size) {
      out.push(cur.join('\n\n'));
      cur = [];
      len = 0;
    }
  }
  if (cur.length > 0) out.push(cur.join('\n\n'));
  return out;
}

/**
 * A second leak pass over the whole note (all statements joined), so a prompt quoted
 * mid-sentence, in short pieces across statements, or with invisible characters between words is
 * still a leak: any 6-word run of the system prompt that is not in the input, or the canary's
 * random part anywhere (with or without its `canary-` prefix, across spaces).
 */
function leaksPrompt(secrets: PromptSecrets, texts: readonly string[], inputText: string): boolean {
  const noteWords = leakWords(texts.join(' '));
  const hex = secrets.canary.toLowerCase().replace(/^canary-/, '');
  if (hex.length >= 16 && noteWords.join('').includes(hex)) return true;
  const runs = (words: string[]) => {
    const out = new Set<string>();
    for (let i = 0; i + LEAK_RUN <= words.length; i++) out.add(words.slice(i, i + LEAK_RUN).join(' '));
    return out;
  };
  const note = runs(noteWords);
  if (note.size === 0) return false;
  const input = runs(leakWords(inputText));
  const canaryWords = new Set(leakWords(secrets.canary));
  for (const r of runs(leakWords(secrets.system).filter((w) => !canaryWords.has(w)))) if (note.has(r) && !input.has(r)) return true;
  return false;
}

/**
 * The output check: a note leaves the worker only if
 * - it parses as a contract Note (schema) and its sections are exactly the template's fixed
 *   layout from shared/notes/templates.ts: same keys, order and titles (structure);
 * - every evidence id names an input segment (evidence);
 * - every well-formed placeholder in it appears in the input (placeholder);
 * - it holds no identifier pattern of a guarded class, and no pattern of any other class whose
 *   text is not verbatim in the input (identifier) — a model must not invent identifiers;
 * - it quotes neither the prompt's canary nor a sentence of the system prompt (prompt_leak).
 * Returns the first rule that failed, or null. Pure; never throws on any input.
 */
export function checkOutput(
  req: NoteRequest,
  candidate: unknown,
  opts: { secrets?: PromptSecrets | undefined; enforceTemplate?: boolean } = {},
): OutputRule | null {
  const r = checkNote(req, candidate, opts);
  return r.ok ? null : r.rule;
}

/** Same check, returning the parsed note when it passes (so the route does not parse twice). */
export function checkNote(
  req: NoteRequest,
  candidate: unknown,
  opts: { secrets?: PromptSecrets | undefined; enforceTemplate?: boolean } = {},
): { ok: true; note: Note } | { ok: false; rule: OutputRule } {
  const rule = (x: OutputRule) => ({ ok: false as const, rule: x });
  const { secrets, enforceTemplate = false } = opts;
  const parsed = Note.safeParse(candidate);
  if (!parsed.success) return rule('schema');
  const note = parsed.data;
  if (enforceTemplate) {
    const layout = TEMPLATES[req.template];
    if (note.sections.length !== layout.length) return rule('structure');
    for (let i = 0; i < layout.length; i++) {
      if (note.sections[i]?.key !== layout[i]?.key || note.sections[i]?.title !== layout[i]?.title) return rule('structure');
    }
  }
  const ids = new Set(req.segments.map((s) => s.id));
  const inputText = req.segments.map((s) => s.text).join('\n');
  const inputPlaceholders = placeholdersIn(inputText);
  const inputPlaceholdersNfkc = placeholdersIn(inputText.normalize('NFKC'));
  const needles = secrets ? leakNeedles(secrets) : [];
  const canary = secrets ? secrets.canary.toLowerCase() : null;

  const texts: string[] = [];
  for (const section of note.sections) {
    for (const st of section.statements) {
      for (const e of st.evidence) if (!ids.has(e)) return rule('evidence');
      for (const p of placeholdersIn(st.text)) if (!inputPlaceholders.has(p)) return rule('placeholder');
      // look-alikes (fullwidth brackets/letters) that become a placeholder under NFKC
      for (const p of placeholdersIn(st.text.normalize('NFKC'))) if (!inputPlaceholdersNfkc.has(p)) return rule('placeholder');
      if (canary !== null || needles.length > 0) {
        const t = norm(st.text);
        if (canary !== null && t.includes(canary)) return rule('prompt_leak');
        for (const n of needles) if (t.includes(n)) return rule('prompt_leak');
      }
      texts.push(st.text);
    }
  }
  if (secrets && leaksPrompt(secrets, texts, inputText)) return rule('prompt_leak');
  // The detector over statements joined in chunks of ~2,000 characters (blank line between
  // statements): per-call setup dominates on single short statements, and one pass over a long
  // note's whole text grew faster than its length (measured: 60-minute note 3.1 ms joined, 2.0 ms
  // chunked, 5.5 ms per statement).
  // A guarded shape is refused wherever it is, even across statements (a number split over two
  // statements is still a leak). A non-guarded shape (a date, a street) is refused only if it is
  // invented: it holds a word or number the input does not. The extractor capitalises, and joins
  // a visit's sentences ("12 rash" + "point rash" → "12 Rash. Point", read as a street): that
  // rearranges the input, it invents nothing. A non-guarded span across the blank line that joins
  // two statements only exists in this scan, so those statements are then checked one by one.
  let inputTokens: Set<string> | null = null;
  const invented = (seen: string): boolean => {
    if (inputText.includes(seen)) return false;
    inputTokens ??= new Set(inputText.toLowerCase().match(TOKEN_RE) ?? []);
    const tokens = seen.toLowerCase().match(TOKEN_RE) ?? [];
    return tokens.length === 0 || tokens.some((t) => !inputTokens!.has(t));
  };
  for (const chunk of chunked(texts, 2_000)) {
    let alone = false;
    for (const span of detectPatternIdentifiers(chunk)) {
      if (GUARDED_TYPES.has(span.type)) return rule('identifier');
      const seen = chunk.slice(span.start, span.end);
      if (seen.includes('\n\n')) alone = true;
      else if (invented(seen)) return rule('identifier');
    }
    if (!alone) continue;
    for (const t of chunk.split('\n\n')) {
      for (const span of detectPatternIdentifiers(t)) if (!GUARDED_TYPES.has(span.type) && invented(t.slice(span.start, span.end))) return rule('identifier');
    }
  }
  return { ok: true, note };
}
