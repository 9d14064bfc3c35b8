import { detectTurn, type Strictness } from '../../../extension/lib/minimize/index.ts';
import { emptyTerms } from '../../../extension/lib/minimize/detect.ts';

/** The masked substrings of `text`, with their types. */
export function masked(text: string, strictness: Strictness = 'standard'): Array<[string, string]> {
  return detectTurn(text, emptyTerms(), strictness).map((s) => [s.type, text.slice(s.start, s.end)]);
}

/** True when every character of `needle` (first occurrence in `text`) is inside a detected span. */
export function fullyMasked(text: string, needle: string): boolean {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error('needle_not_in_text');
  const spans = detectTurn(text, emptyTerms());
  for (let i = at; i < at + needle.length; i++) {
    if (!spans.some((s) => s.start <= i && i < s.end)) return false;
  }
  return true;
}

/** True when no character of `needle` is inside a detected span. */
export function untouched(text: string, needle: string): boolean {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error('needle_not_in_text');
  const spans = detectTurn(text, emptyTerms());
  return !spans.some((s) => s.start < at + needle.length && s.end > at);
}
