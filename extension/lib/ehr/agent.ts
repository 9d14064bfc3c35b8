/**
 * The EHR agent: one per frame, created by the content script. It answers parsed commands with
 * codes (see messages.ts) and keeps, in memory only, the ids it handed out and what each write
 * replaced (for undo). Nothing here logs; the caller logs codes and counts if it wants to.
 */
import type { EhrCode } from './codes.ts';
import { labelsFor, matchSection } from './labels.ts';
import {
  EhrCommand,
  type BannerReply,
  type EhrReply,
  type EhrWriteCmd,
  type PickReply,
  type ScanReply,
  type ScanTarget,
  type TargetRef,
  type UndoReply,
  type WriteReply,
  type WriteResult,
} from './messages.ts';
import { frameChainAllowed } from './origin.ts';
import { readBanner } from './banner.ts';
import type { Block } from './render.ts';
import { discover, focusedCandidate, isAboutFrameDoc, type Candidate } from './targets.ts';
import { readBack, restoreCandidate, writeCandidate, type Snapshot } from './writers.ts';
import { startPicker, type PickerHandle } from './picker.ts';

interface UndoEntry {
  id: string;
  cand: Candidate;
  before: Snapshot;
  after: string;
}

export class EhrAgent {
  private readonly ids = new WeakMap<Element, string>();
  private readonly els = new Map<string, WeakRef<HTMLElement>>();
  private nextId = 1;
  private nextWrite = 1;
  private readonly undo = new Map<string, UndoEntry[]>();
  private busy = false;
  private picker: PickerHandle | null = null;

  constructor(private readonly win: Window) {}

  /** Parse and dispatch; never throws. Unknown or malformed messages answer `bad_message`. */
  async handle(raw: unknown): Promise<EhrReply> {
    const parsed = EhrCommand.safeParse(raw);
    if (!parsed.success) return { code: 'bad_message' };
    const msg = parsed.data;
    try {
      if (msg.cmd === 'ehr.pick.cancel') {
        this.picker?.cancel();
        return { code: 'ok' };
      }
      if (this.win !== this.win.top && isAboutFrameDoc(this.win.document)) return deferred(msg.cmd, this.win.location.origin);
      if (!frameChainAllowed(this.win, msg.allowedOrigins)) return refusedOrigin(msg.cmd, this.win.location.origin);
      switch (msg.cmd) {
        case 'ehr.scan':
          return this.scan(msg.sections);
        case 'ehr.write':
          return await this.exclusive(() => this.write(msg));
        case 'ehr.undo':
          return await this.exclusive(() => this.undoWrite(msg.writeId, msg.force ?? false));
        case 'ehr.banner':
          return this.banner();
        case 'ehr.pick':
          return await this.pick(msg.timeoutMs ?? 60_000);
      }
    } catch {
      return { code: 'write_failed' };
    }
  }

  private async exclusive<T extends EhrReply>(fn: () => Promise<T>): Promise<T | { code: 'busy' }> {
    if (this.busy) return { code: 'busy' };
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }

  private idFor(el: HTMLElement): string {
    let id = this.ids.get(el);
    if (id === undefined) {
      id = `t${this.nextId++}`;
      this.ids.set(el, id);
      this.els.set(id, new WeakRef(el));
    }
    return id;
  }

  private describe(c: Candidate, sections: ReadonlyArray<string> | undefined, focused: Candidate | null): ScanTarget {
    const labels = labelsFor(c.el);
    const m = matchSection(labels, sections);
    return {
      id: this.idFor(c.el),
      kind: c.kind,
      label: labels.label,
      section: m.key,
      score: Math.round(m.score * 100) / 100,
      wholeNote: m.wholeNote,
      focused: focused !== null && focused.el === c.el,
      multiline: c.kind !== 'input',
    };
  }

  scan(sections?: ReadonlyArray<string>): ScanReply {
    const doc = this.win.document;
    const all = discover(doc);
    const ok = all.filter((c) => c.refusal === undefined);
    const focused = focusedCandidate(doc, ok);
    const active = doc.activeElement;
    return {
      code: 'ok',
      origin: this.win.location.origin,
      top: this.win === this.win.top,
      focusInChildFrame: focused === null && active !== null && (active.tagName === 'IFRAME' || active.tagName === 'FRAME'),
      targets: ok.map((c) => this.describe(c, sections, focused)),
      refused: all.length - ok.length,
    };
  }

  /** Resolve a reference to a candidate, or to the code that says why there is none. */
  private resolve(ref: TargetRef, cands: Candidate[]): Candidate | EhrCode {
    const doc = this.win.document;
    if (ref.by === 'id') {
      const el = this.els.get(ref.id)?.deref();
      if (el === undefined || !el.isConnected) return 'target_not_found';
      // Re-check at write time: the page may have disabled or hidden the field since the scan.
      const c = cands.find((x) => x.el === el);
      if (c === undefined) return 'target_not_found';
      return c.refusal ?? c;
    }
    const usable = cands.filter((c) => c.refusal === undefined);
    if (ref.by === 'focused' || ref.by === 'auto') {
      const active = focusedCandidate(doc, cands);
      if (active !== null) return active.refusal ?? active;
      if (ref.by === 'focused') return 'no_focused_target';
      let best: Candidate | null = null;
      let bestScore = 0;
      for (const c of usable) {
        const m = matchSection(labelsFor(c.el));
        if (m.wholeNote && m.score > bestScore) {
          best = c;
          bestScore = m.score;
        }
      }
      if (best !== null) return best;
      const multi = usable.filter((c) => c.kind !== 'input');
      const area = (c: Candidate): number => {
        const r = (c.el.tagName === 'BODY' ? (c.el.ownerDocument.defaultView?.frameElement ?? c.el) : c.el).getBoundingClientRect();
        return r.width * r.height;
      };
      multi.sort((a, b) => area(b) - area(a));
      return multi[0] ?? 'target_not_found';
    }
    let best: Candidate | null = null;
    let bestScore = 0;
    for (const c of usable) {
      const m = matchSection(labelsFor(c.el), [ref.key]);
      if (m.key === ref.key && m.score > bestScore) {
        best = c;
        bestScore = m.score;
      }
    }
    return best ?? 'no_section_target';
  }

  private async write(msg: EhrWriteCmd): Promise<WriteReply> {
    const cands = discover(this.win.document);
    const writeId = `w${this.nextWrite++}`;
    const entries: UndoEntry[] = [];
    const results: WriteResult[] = [];
    for (const w of msg.writes) {
      const t0 = performance.now();
      const c = this.resolve(w.target, cands);
      if (typeof c === 'string') {
        results.push({ id: null, kind: null, code: c, ms: 0, chars: 0 });
        continue;
      }
      const id = this.idFor(c.el);
      const out = await writeCandidate(c, w.blocks as Block[]);
      // Even a failed verification may have changed the field: keep its undo.
      if (out.code === 'ok' || out.code === 'verify_failed') entries.push({ id, cand: c, before: out.before, after: out.after });
      results.push({ id, kind: c.kind, code: out.code, ms: Math.round((performance.now() - t0) * 100) / 100, chars: out.after.length });
    }
    if (entries.length > 0) this.undo.set(writeId, entries);
    const allOk = results.every((r) => r.code === 'ok');
    const firstBad = results.find((r) => r.code !== 'ok')?.code ?? 'ok';
    return { code: allOk ? 'ok' : firstBad, writeId: entries.length > 0 ? writeId : null, results };
  }

  private async undoWrite(writeId: string | undefined, force: boolean): Promise<UndoReply> {
    const key = writeId ?? Array.from(this.undo.keys()).pop();
    const entries = key === undefined ? undefined : this.undo.get(key);
    if (key === undefined || entries === undefined) return { code: 'nothing_to_undo', writeId: null, results: [] };
    const results: WriteResult[] = [];
    for (const e of [...entries].reverse()) {
      const t0 = performance.now();
      let code: EhrCode;
      if (!e.cand.el.isConnected) code = 'target_not_found';
      else if (!force && readBack(e.cand) !== e.after) code = 'undo_conflict';
      else code = await restoreCandidate(e.cand, e.before);
      results.push({ id: e.id, kind: e.cand.kind, code, ms: Math.round((performance.now() - t0) * 100) / 100, chars: e.cand.el.isConnected ? readBack(e.cand).length : 0 });
    }
    // A conflict keeps the entry so the UI can ask and retry with force.
    if (results.every((r) => r.code !== 'undo_conflict')) this.undo.delete(key);
    const firstBad = results.find((r) => r.code !== 'ok')?.code ?? 'ok';
    return { code: firstBad, writeId: key, results };
  }

  banner(): BannerReply {
    const r = readBanner(this.win.document);
    return r.patient === null ? { code: 'not_found', via: null, patient: null } : { code: 'ok', via: r.via, patient: r.patient };
  }

  private async pick(timeoutMs: number): Promise<PickReply> {
    this.picker?.cancel();
    const cands = discover(this.win.document).filter((c) => c.refusal === undefined);
    if (cands.length === 0) return { code: 'target_not_found', target: null };
    const handle = startPicker(this.win, cands, timeoutMs);
    this.picker = handle;
    const chosen = await handle.result;
    if (this.picker === handle) this.picker = null;
    if (chosen === null) return { code: 'not_found', target: null };
    return { code: 'ok', target: this.describe(chosen, undefined, null) };
  }
}

function deferred(cmd: string, origin: string): EhrReply {
  if (cmd === 'ehr.scan') return { code: 'frame_deferred', origin, top: false, focusInChildFrame: false, targets: [], refused: 0 };
  return { code: 'frame_deferred' };
}

function refusedOrigin(cmd: string, origin: string): EhrReply {
  if (cmd === 'ehr.scan') return { code: 'origin_not_allowed', origin, top: false, focusInChildFrame: false, targets: [], refused: 0 };
  if (cmd === 'ehr.write' || cmd === 'ehr.undo') return { code: 'origin_not_allowed', writeId: null, results: [] };
  if (cmd === 'ehr.banner') return { code: 'origin_not_allowed', via: null, patient: null };
  return { code: 'origin_not_allowed', target: null };
}

/** Cheap pre-filter before parsing: an object whose `cmd` starts with `ehr.`. */
export function isEhrMessage(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const cmd = (raw as { cmd?: unknown }).cmd;
  return typeof cmd === 'string' && cmd.startsWith('ehr.');
}
