/**
 * Writers per target kind, read-back and restore. See ehr.design.md for why each path is used.
 *
 * - textarea / input: the prototype's native `value` setter, then `input` + `change` events, so
 *   React's value tracker, Vue's v-model and Angular's DefaultValueAccessor all see a change.
 * - contenteditable: select the editing host's contents and `execCommand('insertHTML')` (or
 *   `insertText` for plaintext-only); the browser fires beforeinput/input and keeps native undo.
 * - rich editors (CKEditor 5, TinyMCE, Quill, ProseMirror/TipTap): the editor's own clipboard
 *   pipeline — a `paste` ClipboardEvent carrying text/html + text/plain, dispatched at the
 *   editable after selecting all of it. Each editor parses the HTML into its model (and strips
 *   anything its schema does not allow); nothing touches the editor's DOM behind its back.
 *
 * Every write is read back from the DOM the editor renders from its model; a mismatch is
 * `verify_failed`, never a silent success.
 */
import type { EhrCode } from './codes.ts';
import { blocksToHtml, blocksToLine, blocksToText, blocksToVisibleText, normalizeForCompare, type Block } from './render.ts';
import type { Candidate, TargetKind } from './targets.ts';

export interface Snapshot {
  /** input/textarea value, or editable innerHTML */
  raw: string;
  /** comparison form of what a reader sees */
  text: string;
}

export interface Rendered {
  text: string;
  line: string;
  html: string;
  visible: string;
  /** text/plain beside the HTML in a paste: blocks separated by blank lines (TinyMCE pastes this
   * instead of the HTML when the HTML holds only paragraphs) */
  pastePlain: string;
}

export function renderAll(blocks: ReadonlyArray<Block>): Rendered {
  return { text: blocksToText(blocks), line: blocksToLine(blocks), html: blocksToHtml(blocks), visible: blocksToVisibleText(blocks), pastePlain: blocksToVisibleText(blocks, '\n\n') };
}

type Field = HTMLInputElement | HTMLTextAreaElement;

function isField(kind: TargetKind): boolean {
  return kind === 'input' || kind === 'textarea';
}

/** Visible text of an editable; innerText needs layout, textContent is the fallback when detached. */
function editableText(el: HTMLElement): string {
  const t = el.innerText;
  return normalizeForCompare(typeof t === 'string' ? t : (el.textContent ?? ''));
}

export function snapshot(c: Candidate): Snapshot {
  if (isField(c.kind)) {
    const v = (c.el as Field).value;
    return { raw: v, text: v };
  }
  return { raw: c.el.innerHTML, text: editableText(c.el) };
}

/** Native setter: bypasses per-instance overrides (React's tracker) so frameworks notice the change. */
export function setNativeValue(el: Field, value: string): void {
  const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  if (setter === undefined) throw new Error('ehr:no_native_setter');
  setter.call(el, value);
  el.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertReplacementText' }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

function selectContents(el: HTMLElement): boolean {
  const doc = el.ownerDocument;
  const win = doc.defaultView;
  if (win === null) return false;
  el.focus({ preventScroll: true });
  const sel = win.getSelection();
  if (sel === null) return false;
  const r = doc.createRange();
  r.selectNodeContents(el);
  sel.removeAllRanges();
  sel.addRange(r);
  // Editors sync their model selection on `selectionchange`, which the browser queues as a task;
  // dispatching it now makes the sync happen before the paste below.
  doc.dispatchEvent(new Event('selectionchange'));
  return true;
}

/** Dispatch a paste the editor handles itself; true when the editor took it (preventDefault). */
function paste(el: HTMLElement, html: string, text: string): boolean {
  const dt = new DataTransfer();
  if (html !== '') dt.setData('text/html', html);
  dt.setData('text/plain', text);
  const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true, composed: true });
  const target = el.ownerDocument.activeElement && el.contains(el.ownerDocument.activeElement) ? el.ownerDocument.activeElement : el;
  target.dispatchEvent(ev);
  return ev.defaultPrevented;
}

function isPlaintextOnly(el: HTMLElement): boolean {
  return (el.getAttribute('contenteditable') ?? '').toLowerCase() === 'plaintext-only';
}

function execInsert(el: HTMLElement, html: string, text: string): boolean {
  const doc = el.ownerDocument;
  if (isPlaintextOnly(el)) return doc.execCommand('insertText', false, text);
  if (html === '') return doc.execCommand('delete', false);
  // insertHTML over a selection that starts in a heading nests the new blocks inside it
  // (<h2><p>…</p></h2>): empty the host first and make the caret's block a plain paragraph.
  if (el.textContent !== '' || el.childElementCount > 0) doc.execCommand('delete', false);
  doc.execCommand('formatBlock', false, 'p');
  return doc.execCommand('insertHTML', false, html);
}

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad|iPod/.test(navigator.platform);

/** A synthetic key press the editor's own keymap handles; true when it did (preventDefault). */
function press(el: HTMLElement, key: string, code: string, keyCode: number, mod: boolean): boolean {
  const ev = new KeyboardEvent('keydown', {
    key,
    code,
    keyCode,
    ctrlKey: mod && !IS_MAC,
    metaKey: mod && IS_MAC,
    bubbles: true,
    cancelable: true,
    composed: true,
  } as KeyboardEventInit);
  el.dispatchEvent(ev);
  return ev.defaultPrevented;
}

/**
 * Select everything in the editor the way the editor means "everything", so a paste replaces the
 * whole document instead of merging its first block into the existing first block (a paragraph
 * pasted over a selection starting in a heading would otherwise become a heading):
 * ProseMirror: Mod-A (AllSelection); TinyMCE: select all + Backspace (it empties to its root
 * block); CKEditor 5 and Quill replace the whole content on a full DOM selection already.
 */
function prepareEditor(c: Candidate): boolean {
  if (!selectContents(c.el)) return false;
  if (c.kind === 'prosemirror') press(c.el, 'a', 'KeyA', 65, true);
  else if (c.kind === 'tinymce' && c.el.textContent !== '') {
    if (!press(c.el, 'Backspace', 'Backspace', 8, false)) c.el.ownerDocument.execCommand('delete', false);
  }
  return true;
}

/** Replace the editable's contents through the editor's path (paste) or the browser's (execCommand). */
function replaceEditable(c: Candidate, html: string, text: string): boolean {
  if (c.kind === 'contenteditable') return selectContents(c.el) && execInsert(c.el, html, text);
  if (!prepareEditor(c)) return false;
  if (html === '' && text === '') return c.el.ownerDocument.execCommand('delete', false);
  if (paste(c.el, html, text)) return true;
  // The editor ignored the paste (older build, custom clipboard): fall back to the browser path.
  return execInsert(c.el, html, text);
}

/** What a correct write reads back as, in comparison form. */
export function expectedText(kind: TargetKind, el: HTMLElement, r: Rendered): string {
  if (kind === 'input') return r.line;
  if (kind === 'textarea') return r.text;
  return normalizeForCompare(isPlaintextOnly(el) ? r.text : r.visible);
}

export function readBack(c: Candidate): string {
  return isField(c.kind) ? (c.el as Field).value : editableText(c.el);
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

/** Poll briefly: some editors render their model on a microtask or animation frame. */
async function verify(c: Candidate, expected: string, budgetMs = 400): Promise<boolean> {
  const t0 = performance.now();
  for (;;) {
    if (readBack(c) === expected) return true;
    if (performance.now() - t0 > budgetMs) return false;
    await sleep(isField(c.kind) ? 0 : 10);
  }
}

export interface WriteOutcome {
  code: EhrCode;
  before: Snapshot;
  /** the comparison text the field held after the write (for undo's conflict check) */
  after: string;
}

export async function writeCandidate(c: Candidate, blocks: ReadonlyArray<Block>): Promise<WriteOutcome> {
  const before = snapshot(c);
  const r = renderAll(blocks);
  const expected = expectedText(c.kind, c.el, r);
  try {
    if (c.kind === 'input') setNativeValue(c.el as Field, r.line);
    else if (c.kind === 'textarea') setNativeValue(c.el as Field, r.text);
    else if (!replaceEditable(c, r.html, c.kind === 'contenteditable' ? r.text : r.pastePlain)) return { code: 'write_failed', before, after: readBack(c) };
  } catch {
    return { code: 'write_failed', before, after: readBack(c) };
  }
  const ok = await verify(c, expected);
  return { code: ok ? 'ok' : 'verify_failed', before, after: readBack(c) };
}

/**
 * Put a snapshot back, then confirm the field reads as it did before. Rich editors are asked to
 * undo through their own history (Mod-Z, at most 3 steps: TinyMCE records the clear and the paste
 * separately), which restores structure exactly; if that does not reach the earlier text (history
 * merged with other edits), the earlier HTML is put back through the same paste path.
 */
export async function restoreCandidate(c: Candidate, before: Snapshot): Promise<EhrCode> {
  try {
    if (isField(c.kind)) {
      setNativeValue(c.el as Field, before.raw);
      return (await verify(c, before.text)) ? 'ok' : 'undo_failed';
    }
    if (c.kind !== 'contenteditable') {
      c.el.focus({ preventScroll: true });
      for (let i = 0; i < 3; i++) {
        if (!press(c.el, 'z', 'KeyZ', 90, true)) break;
        if (await verify(c, before.text, 30)) return 'ok';
      }
    }
    if (!replaceEditable(c, before.text === '' ? '' : before.raw, before.text)) return 'undo_failed';
  } catch {
    return 'undo_failed';
  }
  return (await verify(c, before.text)) ? 'ok' : 'undo_failed';
}
