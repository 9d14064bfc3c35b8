/**
 * Finding the fields a note can go into, in one frame's document: light DOM, open shadow roots,
 * and same-origin about:blank / srcdoc child frames (rich editors such as TinyMCE live in those;
 * a content script may not run there, so the parent handles them). Child frames with a URL of
 * their own get their own content script (executeScript allFrames) and are skipped here.
 */
import type { Refusal } from './codes.ts';

export type TargetKind = 'textarea' | 'input' | 'contenteditable' | 'ckeditor5' | 'tinymce' | 'quill' | 'prosemirror';

export interface Candidate {
  el: HTMLElement;
  kind: TargetKind;
  /** set when the field must never be written */
  refusal?: Refusal;
}

/** `<input type>` values that hold free text. Everything else (number, date, checkbox…) is unsupported. */
const TEXT_INPUT_TYPES = new Set(['text', 'search', '']);

export function isAboutFrameDoc(doc: Document): boolean {
  const href = doc.location?.href ?? '';
  return href === 'about:blank' || href === 'about:srcdoc';
}

/** A same-origin about:blank/srcdoc iframe's document, or null (cross-origin or a real URL). */
export function aboutChildDocument(frame: HTMLIFrameElement | HTMLFrameElement): Document | null {
  try {
    const d = frame.contentDocument;
    if (d === null || !isAboutFrameDoc(d)) return null;
    return d;
  } catch {
    return null;
  }
}

function isElement(n: Node): n is HTMLElement {
  return n.nodeType === 1;
}

/** The editing host for a node inside a contenteditable region. */
function editingHost(el: HTMLElement): HTMLElement {
  let host = el;
  let p = el.parentElement;
  while (p !== null && p.isContentEditable) {
    host = p;
    p = p.parentElement;
  }
  return host;
}

function richKind(el: HTMLElement): TargetKind {
  const cl = el.classList;
  if (cl.contains('ck-editor__editable')) return 'ckeditor5';
  if (cl.contains('ql-editor')) return 'quill';
  if (cl.contains('ProseMirror')) return 'prosemirror';
  if (cl.contains('mce-content-body')) return 'tinymce';
  return 'contenteditable';
}

/** Hidden to a person: display:none / visibility:hidden anywhere up the tree, `hidden`, or zero size. */
function isHidden(el: HTMLElement): boolean {
  if (el.hidden) return true;
  const win = el.ownerDocument.defaultView;
  if (win === null) return true;
  // checkVisibility covers display:none ancestors, content-visibility and visibility:hidden.
  if (typeof el.checkVisibility === 'function') {
    if (!el.checkVisibility({ visibilityProperty: true } as CheckVisibilityOptions)) return true;
  } else {
    const cs = win.getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') return true;
  }
  const r = el.getBoundingClientRect();
  return r.width === 0 && r.height === 0;
}

function insideDisabledFieldset(el: HTMLElement): boolean {
  return el.matches(':disabled');
}

/** Classify one element; null when it is not a writable-looking field at all. */
export function classify(el: Element): Candidate | null {
  if (!isElement(el)) return null;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'INPUT') {
    const f = el as HTMLInputElement | HTMLTextAreaElement;
    const kind: TargetKind = tag === 'TEXTAREA' ? 'textarea' : 'input';
    if (kind === 'input') {
      const type = (f.getAttribute('type') ?? '').toLowerCase();
      if (type === 'password') return { el, kind, refusal: 'refused_password' };
      if (type === 'hidden') return { el, kind, refusal: 'refused_hidden' };
      if (!TEXT_INPUT_TYPES.has(type)) return null;
    }
    if (f.disabled || insideDisabledFieldset(el)) return { el, kind, refusal: 'refused_disabled' };
    if (f.readOnly) return { el, kind, refusal: 'refused_readonly' };
    if (isHidden(el)) return { el, kind, refusal: 'refused_hidden' };
    return { el, kind };
  }
  if (el.isContentEditable) {
    const host = editingHost(el);
    if (host !== el) return null;
    const kind = richKind(el);
    if (el.getAttribute('aria-disabled') === 'true') return { el, kind, refusal: 'refused_disabled' };
    if (el.getAttribute('aria-readonly') === 'true') return { el, kind, refusal: 'refused_readonly' };
    // TinyMCE's iframe body is the document body; visibility is the frame's.
    const frameEl = el.ownerDocument.defaultView?.frameElement as HTMLElement | null | undefined;
    if (kind === 'tinymce' && el.tagName === 'BODY' && frameEl) {
      if (isHidden(frameEl)) return { el, kind, refusal: 'refused_hidden' };
    } else if (isHidden(el)) return { el, kind, refusal: 'refused_hidden' };
    return { el, kind };
  }
  // Read-only rich editors (contenteditable="false" with an editor class) are visible refusals.
  if (el.classList.contains('ck-editor__editable') || el.classList.contains('ql-editor') || el.classList.contains('ProseMirror')) {
    if (el.getAttribute('contenteditable') === 'false') return { el, kind: richKind(el), refusal: 'refused_readonly' };
  }
  return null;
}

export interface DiscoverOptions {
  /** descend into same-origin about:blank/srcdoc frames (default true) */
  aboutFrames?: boolean;
  /** stop after this many candidates (a hostile page cannot make a scan unbounded) */
  max?: number;
}

/** Every candidate in document order: light DOM, then each open shadow root and about-frame in place. */
export function discover(doc: Document, opts: DiscoverOptions = {}): Candidate[] {
  const out: Candidate[] = [];
  const max = opts.max ?? 500;
  const aboutFrames = opts.aboutFrames ?? true;
  const seen = new Set<Element>();
  const visit = (root: Document | ShadowRoot | Element, depth: number): void => {
    if (depth > 16) return;
    const walker = (root.ownerDocument ?? (root as Document)).createTreeWalker(root, 1 /* SHOW_ELEMENT */);
    let n: Node | null = walker.currentNode;
    while (n !== null && out.length < max) {
      if (isElement(n)) {
        const el = n;
        const c = classify(el);
        if (c !== null && !seen.has(c.el)) {
          seen.add(c.el);
          out.push(c);
        }
        const sr = el.shadowRoot; // open roots only: closed roots are null by design
        if (sr !== null) visit(sr, depth + 1);
        if (aboutFrames && (el.tagName === 'IFRAME' || el.tagName === 'FRAME')) {
          const d = aboutChildDocument(el as HTMLIFrameElement);
          if (d !== null && d.documentElement !== null) visit(d.documentElement, depth + 1);
        }
      }
      n = walker.nextNode();
    }
  };
  if (doc.documentElement !== null) visit(doc.documentElement, 0);
  return out;
}

/** The focused element, through open shadow roots and same-origin about-frames. */
export function deepActiveElement(doc: Document): Element | null {
  let a: Element | null = doc.activeElement;
  for (let i = 0; i < 16 && a !== null; i++) {
    const sr = (a as HTMLElement).shadowRoot;
    if (sr !== null && sr.activeElement !== null) {
      a = sr.activeElement;
      continue;
    }
    if (a.tagName === 'IFRAME' || a.tagName === 'FRAME') {
      const d = aboutChildDocument(a as HTMLIFrameElement);
      if (d !== null && d.activeElement !== null && d.activeElement !== d.body) {
        a = d.activeElement;
        continue;
      }
      if (d !== null && d.body?.isContentEditable) return d.body; // TinyMCE: the body is the editable
    }
    break;
  }
  return a;
}

/** The candidate the focus is in (focus inside a contenteditable counts for its editing host). */
export function focusedCandidate(doc: Document, cands: ReadonlyArray<Candidate>): Candidate | null {
  const a = deepActiveElement(doc);
  if (a === null) return null;
  for (const c of cands) if (c.el === a || (c.kind !== 'input' && c.kind !== 'textarea' && c.el.contains(a))) return c;
  return null;
}
