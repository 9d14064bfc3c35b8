/**
 * Click-to-target: while active, the field under the pointer gets a visible outline (an overlay
 * in a closed shadow root, pointer-events: none, so the page's own styles are untouched); a click
 * on an outlined field chooses it (the click is swallowed), Escape or the timeout cancels.
 */
import type { Candidate } from './targets.ts';

export interface PickerHandle {
  result: Promise<Candidate | null>;
  cancel(): void;
}

function boxOf(c: Candidate): DOMRect {
  const frame = c.el.tagName === 'BODY' ? (c.el.ownerDocument.defaultView?.frameElement ?? null) : null;
  return (frame ?? c.el).getBoundingClientRect();
}

export function startPicker(win: Window, cands: ReadonlyArray<Candidate>, timeoutMs: number): PickerHandle {
  const doc = win.document;
  const host = doc.createElement('div');
  host.style.cssText = 'all: initial; position: fixed; inset: 0; pointer-events: none; z-index: 2147483647;';
  const shadow = host.attachShadow({ mode: 'closed' });
  const box = doc.createElement('div');
  box.style.cssText =
    'position: fixed; display: none; pointer-events: none; outline: 3px solid #1d4ed8; outline-offset: 2px; background: rgba(29, 78, 216, 0.08); border-radius: 3px;';
  shadow.append(box);
  doc.documentElement.append(host);

  // Documents to listen on: this one and any same-origin about-frame holding a candidate (TinyMCE).
  const docs = new Set<Document>([doc]);
  for (const c of cands) docs.add(c.el.ownerDocument);

  let current: Candidate | null = null;
  let settle: (c: Candidate | null) => void = () => undefined;
  const result = new Promise<Candidate | null>((res) => (settle = res));

  const find = (e: Event): Candidate | null => {
    const path = e.composedPath();
    for (const c of cands) if (path.includes(c.el)) return c;
    // an event in the parent document over an about-frame: the frame element is on the path
    for (const c of cands) {
      const fe = c.el.ownerDocument.defaultView?.frameElement;
      if (fe && path.includes(fe)) return c;
    }
    return null;
  };
  const show = (c: Candidate | null): void => {
    current = c;
    if (c === null) {
      box.style.display = 'none';
      return;
    }
    const r = boxOf(c);
    box.style.display = 'block';
    box.style.left = `${r.left}px`;
    box.style.top = `${r.top}px`;
    box.style.width = `${r.width}px`;
    box.style.height = `${r.height}px`;
  };
  const onMove = (e: Event): void => show(find(e));
  const onClick = (e: Event): void => {
    const c = find(e) ?? current;
    if (c === null) return;
    e.preventDefault();
    e.stopPropagation();
    finish(c);
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') finish(null);
  };
  const timer = win.setTimeout(() => finish(null), timeoutMs);
  for (const d of docs) {
    d.addEventListener('pointermove', onMove, true);
    d.addEventListener('click', onClick, true);
    d.addEventListener('keydown', onKey, true);
  }
  let done = false;
  function finish(c: Candidate | null): void {
    if (done) return;
    done = true;
    win.clearTimeout(timer);
    for (const d of docs) {
      d.removeEventListener('pointermove', onMove, true);
      d.removeEventListener('click', onClick, true);
      d.removeEventListener('keydown', onKey, true);
    }
    host.remove();
    settle(c);
  }
  return { result, cancel: () => finish(null) };
}
