/**
 * Render a note as the plain text a clinician pastes into an EHR, or as simple escaped HTML.
 * Narrative sections become paragraphs, list-like sections become "- " lists. Empty sections are
 * left out unless asked for. Placeholders (`[NAME_1]`) pass through as text; restore them first.
 */
import type { Note, SectionKey } from '../api.ts';

const LIST_SECTIONS: ReadonlySet<SectionKey> = new Set<SectionKey>([
  'medications',
  'allergies',
  'vitals',
  'ros',
  'assessment',
  'plan',
  'follow_up',
  'instructions',
  'objective',
]);

export interface RenderOptions {
  /** Show empty sections with "Not discussed." (default false: leave them out). */
  includeEmpty?: boolean;
  /** Upper-case section titles in plain text (default true). */
  upperTitles?: boolean;
}

export function isListSection(key: SectionKey): boolean {
  return LIST_SECTIONS.has(key);
}

export function renderText(note: Note, opts: RenderOptions = {}): string {
  const parts: string[] = [];
  for (const s of note.sections) {
    if (s.statements.length === 0 && opts.includeEmpty !== true) continue;
    const title = opts.upperTitles === false ? s.title : s.title.toUpperCase();
    let body: string;
    if (s.statements.length === 0) body = 'Not discussed.';
    else if (isListSection(s.key)) body = s.statements.map((st) => `- ${oneLine(st.text)}`).join('\n');
    else body = s.statements.map((st) => oneLine(st.text)).join(' ');
    parts.push(`${title}\n\n${body}`);
  }
  return parts.join('\n\n') + (parts.length > 0 ? '\n' : '');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** HTML with only h3/p/ul/li; every piece of text escaped. */
export function renderHtml(note: Note, opts: RenderOptions = {}): string {
  const parts: string[] = [];
  for (const s of note.sections) {
    if (s.statements.length === 0 && opts.includeEmpty !== true) continue;
    parts.push(`<h3>${escapeHtml(s.title)}</h3>`);
    if (s.statements.length === 0) parts.push('<p>Not discussed.</p>');
    else if (isListSection(s.key)) {
      parts.push(`<ul>${s.statements.map((st) => `<li>${escapeHtml(oneLine(st.text))}</li>`).join('')}</ul>`);
    } else parts.push(`<p>${s.statements.map((st) => escapeHtml(oneLine(st.text))).join(' ')}</p>`);
  }
  return parts.join('\n');
}
