/**
 * Rendering an approved note into what an EHR field accepts.
 *
 * The note travels to the content script as structured blocks, never as HTML: the content script
 * builds HTML itself from escaped text, so no note text (or anything a compromised panel sends)
 * can become markup in the page. `shared/notes/render.ts` may replace noteToBlocks later; the
 * block shape is the contract with the content script.
 */
export type Block =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'list'; items: string[] };

/** Structural subset of `shared/api.ts` Note, so this module has no dependency on the contract. */
export interface NoteLike {
  sections: ReadonlyArray<{ key: string; title: string; statements: ReadonlyArray<{ text: string }> }>;
}

export interface BlockOptions {
  /** section keys to include (default all, in note order) */
  only?: ReadonlyArray<string>;
  /** heading per section (default: true when more than one section is rendered) */
  headings?: boolean;
  /** section keys rendered as bullet lists (default plan, follow_up, instructions, medications, allergies) */
  listSections?: ReadonlyArray<string>;
}

const DEFAULT_LIST_SECTIONS = ['plan', 'follow_up', 'instructions', 'medications', 'allergies'];

/** One paragraph per statement, or one list for list-like sections. Empty sections are skipped. */
export function noteToBlocks(note: NoteLike, opts: BlockOptions = {}): Block[] {
  const sections = note.sections.filter(
    (s) => s.statements.length > 0 && (opts.only === undefined || opts.only.includes(s.key)),
  );
  const headings = opts.headings ?? sections.length > 1;
  const lists = opts.listSections ?? DEFAULT_LIST_SECTIONS;
  const out: Block[] = [];
  for (const s of sections) {
    if (headings) out.push({ type: 'heading', text: s.title });
    const texts = s.statements.map((st) => st.text);
    if (lists.includes(s.key)) out.push({ type: 'list', items: texts });
    else for (const t of texts) out.push({ type: 'paragraph', text: t });
  }
  return out;
}

/** Plain text for a multi-line field: headings as "Title:", list items as "- item", blank line between blocks. */
export function blocksToText(blocks: ReadonlyArray<Block>): string {
  const parts: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.type === 'heading') parts.push(`${i > 0 ? '\n' : ''}${b.text}:`);
    else if (b.type === 'paragraph') parts.push(b.text);
    else parts.push(b.items.map((it) => `- ${it}`).join('\n'));
  }
  return parts.join('\n');
}

/** One line for an `<input>`: `Title: a. b. c.` with " " joins (inputs drop line breaks). */
export function blocksToLine(blocks: ReadonlyArray<Block>): string {
  const parts: string[] = [];
  for (const b of blocks) {
    if (b.type === 'heading') parts.push(`${b.text}:`);
    else if (b.type === 'paragraph') parts.push(b.text);
    else parts.push(b.items.join('; '));
  }
  return parts.join(' ').replace(/[\r\n]+/g, ' ');
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** Simple HTML (h3, p, ul/li) built from escaped text only. */
export function blocksToHtml(blocks: ReadonlyArray<Block>): string {
  let html = '';
  for (const b of blocks) {
    if (b.type === 'heading') html += `<h3>${escapeHtml(b.text)}</h3>`;
    else if (b.type === 'paragraph') html += `<p>${escapeHtml(b.text)}</p>`;
    else html += `<ul>${b.items.map((it) => `<li>${escapeHtml(it)}</li>`).join('')}</ul>`;
  }
  return html;
}

/** The words a reader sees, in order, for read-back comparison with rendered rich text. */
export function blocksToVisibleText(blocks: ReadonlyArray<Block>, sep = '\n'): string {
  return blocks.map((b) => (b.type === 'list' ? b.items.join('\n') : b.text)).join(sep);
}

/**
 * Whitespace-insensitive comparison form: zero-width characters (editors' caret fillers) removed,
 * every whitespace run (incl. NBSP) collapsed to one space.
 */
export function normalizeForCompare(s: string): string {
  return s
    .replace(/\u200B|\u200C|\u200D|\u2060|\uFEFF/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
