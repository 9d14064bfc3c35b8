/**
 * The product path for writing an approved note into the open EHR tab: what the background runs
 * for the side panel's `insert.*` commands (lib/background/ehr.ts). Pure: chrome.* comes in as
 * `InsertChrome` (a superset of client.ts's ChromeLike), so every branch runs under vitest.
 *
 * Everything returned here is a code, an id, a count, a length, a kind or a field's label (page
 * chrome) — never note text or a field's value. The one exception is `readTabBanner`, whose
 * purpose is the chart's patient identifiers (they stay on the device: side panel only).
 */
import { comparePatients, type BannerMatch, type BannerPatient } from './banner.ts';
import {
  buildSectionWrites,
  buildWholeWrite,
  focusedField,
  injectEhr,
  mapSections,
  pickIn,
  readBannerIn,
  scanFrames,
  sendUndo,
  sendWrite,
  wholeNoteField,
  type ChromeLike,
  type FieldChoice,
  type FrameScan,
  type FrameWrite,
} from './client.ts';
import type { EhrCode } from './codes.ts';
import type { ScanTarget, TargetKindSchema } from './messages.ts';
import { originAllowed } from './origin.ts';
import type { NoteLike } from './render.ts';
import type { z } from 'zod';

/** Codes beyond the content script's own (codes.ts) that the insert path answers with. */
export const INSERT_CODES = [
  /** the visit is not `approved` in the vault, or its stored note has no approvedAt (or was edited after) */
  'not_approved',
  /** the vault has no note for the visit, or it does not parse as a StoredNote */
  'no_note',
  'visit_not_found',
  'vault_locked',
  'vault_unavailable',
  /** the extension may not run in this tab (no activeTab grant / host permission, or a browser page) */
  'no_access',
  /** no frame of the tab answered (the content script did not start) */
  'no_frames',
  /** `sections` mode: the note has no section with a labelled field on the page */
  'no_mapping',
] as const;
export type InsertCode = EhrCode | (typeof INSERT_CODES)[number];

export interface InsertChrome extends ChromeLike {
  tabs: ChromeLike['tabs'] & {
    /** `url` is present only with host access to the tab (activeTab after the toolbar click). */
    get(tabId: number): Promise<{ url?: string | undefined }>;
  };
}

type Kind = z.infer<typeof TargetKindSchema>;

/** A field as the panel sees it: where it is and what the page calls it. */
export interface FieldInfo {
  frameId: number;
  targetId: string;
  kind: Kind;
  label: string;
  section: string | null;
  wholeNote: boolean;
  focused: boolean;
  multiline: boolean;
}
export interface FieldRef {
  frameId: number;
  targetId: string;
}
export interface FrameInfo {
  frameId: number;
  /** scheme://host:port only */
  origin: string;
  code: EhrCode;
  top: boolean;
  fields: number;
  refused: number;
}
export interface TabScan {
  frames: FrameInfo[];
  fields: FieldInfo[];
  focused: FieldRef | null;
  wholeNote: FieldRef | null;
  /** what mode 'auto' writes into: the focused field, else the best whole-note field, else the only multi-line field */
  auto: FieldRef | null;
  /** best field per section (the note's sections when a note is given, else every section a field is labelled for) */
  mapping: Array<{ key: string; field: FieldRef | null }>;
  /** frames that refused because their origin (or an ancestor's) is not allowed */
  deniedFrames: number;
}

export type Failure = { ok: false; code: InsertCode; origin: string | null };
export type Ok<T> = { ok: true; value: T; origin: string | null };

function originOf(url: string | undefined): string | null {
  if (url === undefined) return null;
  try {
    const o = new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

const fieldInfo = (frameId: number, t: ScanTarget): FieldInfo => ({
  frameId,
  targetId: t.id,
  kind: t.kind,
  label: t.label,
  section: t.section,
  wholeNote: t.wholeNote,
  focused: t.focused,
  multiline: t.multiline,
});
const ref = (c: FieldChoice | null): FieldRef | null => (c === null ? null : { frameId: c.frameId, targetId: c.target.id });

interface Scanned {
  scans: FrameScan[];
  all: FrameScan[];
  tabOrigin: string | null;
}

/**
 * Policy first, from the tab's URL when it is readable: a disallowed page gets nothing injected.
 * Then inject into every permitted frame and scan; the content script re-checks each frame's
 * whole origin chain (a disallowed frame answers origin_not_allowed and is left out).
 */
async function scanAll(api: InsertChrome, tabId: number, allowed: readonly string[], sections?: readonly string[]): Promise<Scanned | Failure> {
  let tabOrigin: string | null = null;
  try {
    tabOrigin = originOf((await api.tabs.get(tabId)).url);
  } catch {
    return { ok: false, code: 'no_access', origin: null };
  }
  if (allowed.length === 0 || (tabOrigin !== null && !originAllowed(tabOrigin, allowed))) return { ok: false, code: 'origin_not_allowed', origin: tabOrigin };
  let frameIds: number[];
  try {
    frameIds = await injectEhr(api, tabId);
  } catch {
    return { ok: false, code: 'no_access', origin: tabOrigin };
  }
  const all = await scanFrames(api, tabId, frameIds, [...allowed], sections);
  const top = all.find((s) => s.frameId === 0);
  tabOrigin ??= top?.reply.origin ?? null;
  if (top !== undefined && top.reply.code === 'origin_not_allowed') return { ok: false, code: 'origin_not_allowed', origin: tabOrigin };
  if (all.length === 0) return { ok: false, code: 'no_frames', origin: tabOrigin };
  // Belt and braces: the frame's own report of its origin must pass policy here too.
  const scans = all.filter((s) => s.reply.code === 'ok' && originAllowed(s.reply.origin, allowed));
  return { scans, all, tabOrigin };
}

function autoField(scans: ReadonlyArray<FrameScan>): FieldChoice | null {
  const f = focusedField(scans) ?? wholeNoteField(scans);
  if (f !== null) return f;
  const multi = scans.flatMap((s) => s.reply.targets.filter((t) => t.multiline).map((t) => ({ frameId: s.frameId, target: t })));
  return multi.length === 1 ? multi[0]! : null;
}

/** Section mapping for a preview without a note: every section some field is labelled for. */
function labelledSections(scans: ReadonlyArray<FrameScan>): NoteLike {
  const keys: string[] = [];
  for (const s of scans) for (const t of s.reply.targets) if (t.section !== null && !keys.includes(t.section)) keys.push(t.section);
  return { sections: keys.map((k) => ({ key: k, title: k, statements: [{ text: '-' }] })) };
}

export async function scanTab(api: InsertChrome, tabId: number, allowed: readonly string[], note?: NoteLike): Promise<Ok<TabScan> | Failure> {
  const keys = note?.sections.map((s) => s.key);
  const r = await scanAll(api, tabId, allowed, keys);
  if ('ok' in r) return r;
  const { scans, all, tabOrigin } = r;
  const mapping = mapSections(note ?? labelledSections(scans), scans).map((m) => ({ key: m.key, field: ref(m.field) }));
  return {
    ok: true,
    origin: tabOrigin,
    value: {
      frames: all.map((s) => ({ frameId: s.frameId, origin: s.reply.origin, code: s.reply.code, top: s.reply.top, fields: s.reply.targets.length, refused: s.reply.refused })),
      fields: scans.flatMap((s) => s.reply.targets.map((t) => fieldInfo(s.frameId, t))),
      focused: ref(focusedField(scans)),
      wholeNote: ref(wholeNoteField(scans)),
      auto: ref(autoField(scans)),
      mapping,
      deniedFrames: all.filter((s) => s.reply.code === 'origin_not_allowed').length,
    },
  };
}

export type WriteMode = 'auto' | 'sections' | 'target';
export interface WriteOptions {
  mode: WriteMode;
  /** mode 'target': the field the clinician picked (from insert.scan or insert.pick) */
  frameId?: number | undefined;
  targetId?: string | undefined;
  /** write only these sections (auto/target: into the one field; sections: only these mappings) */
  only?: readonly string[] | undefined;
}

/** One field written: where, what kind, whether the read-back matched. `chars` is a length. */
export interface FieldWrite {
  frameId: number;
  origin: string;
  targetId: string | null;
  kind: Kind | null;
  label: string | null;
  section: string | null;
  code: EhrCode;
  verified: boolean;
  chars: number;
  ms: number;
}
/** What undo needs later: ids only (kept in chrome.storage.session by the background). */
export interface UndoRecord {
  tabId: number;
  frames: Array<{ frameId: number; writeId: string; origin: string }>;
}
export interface WriteOutcome {
  code: EhrCode;
  mode: WriteMode;
  results: FieldWrite[];
  /** sections of the note left unwritten in 'sections' mode (no labelled field) */
  unmapped: string[];
  undo: UndoRecord | null;
  /** distinct origins of the frames written into (audit) */
  origins: string[];
}

export async function writeNote(api: InsertChrome, tabId: number, note: NoteLike, opts: WriteOptions, allowed: readonly string[]): Promise<Ok<WriteOutcome> | Failure> {
  const present = note.sections.filter((s) => s.statements.length > 0).map((s) => s.key);
  const only = opts.only?.filter((k) => present.includes(k));
  if (present.length === 0 || (only !== undefined && only.length === 0)) return { ok: false, code: 'no_section_target', origin: null };
  const r = await scanAll(api, tabId, allowed, present);
  if ('ok' in r) return r;
  const { scans, tabOrigin } = r;
  const list = [...allowed];
  let writes: FrameWrite[];
  let unmapped: string[] = [];
  if (opts.mode === 'sections') {
    const sub: NoteLike = only === undefined ? note : { sections: note.sections.filter((s) => only.includes(s.key)) };
    const mapping = mapSections(sub, scans);
    unmapped = mapping.filter((m) => m.field === null).map((m) => m.key);
    writes = buildSectionWrites(sub, mapping, list);
    if (writes.length === 0) return { ok: false, code: 'no_mapping', origin: tabOrigin };
  } else {
    let field: FieldChoice | null;
    if (opts.mode === 'target') {
      const s = scans.find((x) => x.frameId === opts.frameId);
      const t = s?.reply.targets.find((x) => x.id === opts.targetId);
      field = s !== undefined && t !== undefined ? { frameId: s.frameId, target: t } : null;
    } else field = autoField(scans);
    if (field === null) return { ok: false, code: opts.mode === 'target' ? 'target_not_found' : 'no_focused_target', origin: tabOrigin };
    writes = [buildWholeWrite(note, field, list, only)];
  }

  const byFrame = new Map(scans.map((s) => [s.frameId, s]));
  const results: FieldWrite[] = [];
  const undoFrames: UndoRecord['frames'] = [];
  for (const w of writes) {
    const scan = byFrame.get(w.frameId)!;
    const origin = scan.reply.origin;
    const reply = await sendWrite(api, tabId, w);
    const requested = w.cmd.writes.map((x) => (x.target.by === 'id' ? x.target.id : null));
    if (typeof reply === 'string') {
      for (const id of requested) results.push(describeWrite(w.frameId, origin, scan, id, null, reply, 0, 0));
      continue;
    }
    if (reply.writeId !== null) undoFrames.push({ frameId: w.frameId, writeId: reply.writeId, origin });
    reply.results.forEach((x, i) => results.push(describeWrite(w.frameId, origin, scan, x.id ?? requested[i] ?? null, x.kind, x.code, x.chars, x.ms)));
    if (reply.results.length === 0) for (const id of requested) results.push(describeWrite(w.frameId, origin, scan, id, null, reply.code, 0, 0));
  }
  const firstBad = results.find((x) => x.code !== 'ok')?.code;
  return {
    ok: true,
    origin: tabOrigin,
    value: {
      code: firstBad ?? 'ok',
      mode: opts.mode,
      results,
      unmapped,
      undo: undoFrames.length > 0 ? { tabId, frames: undoFrames } : null,
      origins: [...new Set(results.filter((x) => x.chars > 0 || x.code === 'ok').map((x) => x.origin))],
    },
  };
}

function describeWrite(frameId: number, origin: string, scan: FrameScan, targetId: string | null, kind: Kind | null, code: EhrCode, chars: number, ms: number): FieldWrite {
  const t = targetId === null ? undefined : scan.reply.targets.find((x) => x.id === targetId);
  return { frameId, origin, targetId, kind: kind ?? t?.kind ?? null, label: t?.label ?? null, section: t?.section ?? null, code, verified: code === 'ok', chars, ms };
}

export interface UndoOutcome {
  code: EhrCode;
  results: Array<{ frameId: number; origin: string; targetId: string | null; kind: Kind | null; code: EhrCode; chars: number }>;
  /** the record still holds frames whose undo conflicted (retry with force) */
  remaining: UndoRecord | null;
  origins: string[];
}

/** Undo one recorded write, frame by frame (the content scripts hold what each field held before). */
export async function undoWrite(api: InsertChrome, rec: UndoRecord, allowed: readonly string[], force = false): Promise<Ok<UndoOutcome> | Failure> {
  const origin = rec.frames.find((f) => f.frameId === 0)?.origin ?? rec.frames[0]?.origin ?? null;
  if (allowed.length === 0) return { ok: false, code: 'origin_not_allowed', origin };
  const results: UndoOutcome['results'] = [];
  const left: UndoRecord['frames'] = [];
  for (const f of rec.frames) {
    const r = await sendUndo(api, rec.tabId, f.frameId, [...allowed], f.writeId, force);
    if (typeof r === 'string') {
      results.push({ frameId: f.frameId, origin: f.origin, targetId: null, kind: null, code: r, chars: 0 });
      continue;
    }
    for (const x of r.results) results.push({ frameId: f.frameId, origin: f.origin, targetId: x.id, kind: x.kind, code: x.code, chars: x.chars });
    if (r.results.length === 0) results.push({ frameId: f.frameId, origin: f.origin, targetId: null, kind: null, code: r.code, chars: 0 });
    if (r.code === 'undo_conflict') left.push(f);
  }
  const firstBad = results.find((x) => x.code !== 'ok')?.code;
  return {
    ok: true,
    origin,
    value: { code: firstBad ?? 'ok', results, remaining: left.length > 0 ? { tabId: rec.tabId, frames: left } : null, origins: [...new Set(rec.frames.map((f) => f.origin))] },
  };
}

export interface BannerOutcome {
  patient: BannerPatient | null;
  via: 'selector' | 'heuristic' | null;
  frameId: number | null;
}

/** The chart's patient from the tab: the top frame first, then any other permitted frame. */
export async function readTabBanner(api: InsertChrome, tabId: number, allowed: readonly string[]): Promise<Ok<BannerOutcome> | Failure> {
  const r = await scanAll(api, tabId, allowed);
  if ('ok' in r) return r;
  for (const s of r.scans) {
    const b = await readBannerIn(api, tabId, s.frameId, [...allowed]);
    if (typeof b !== 'string' && b.code === 'ok' && b.patient !== null) return { ok: true, origin: r.tabOrigin, value: { patient: b.patient, via: b.via, frameId: s.frameId } };
  }
  return { ok: true, origin: r.tabOrigin, value: { patient: null, via: null, frameId: null } };
}

/**
 * "This chart's patient is not the visit's patient": `mismatch` when any identifier present on
 * both sides differs (name order/case, date formats and MRN punctuation normalised), `unknown`
 * when nothing is comparable (no banner, or the visit has no identifiers), else `match`.
 */
export function bannerMatches(banner: BannerPatient | null | undefined, visitBanner: BannerPatient | null | undefined): BannerMatch {
  if (banner === null || banner === undefined || visitBanner === null || visitBanner === undefined) return 'unknown';
  return comparePatients(visitBanner, banner);
}

/**
 * Click-to-target in every permitted frame at once: the first frame whose field is clicked wins
 * and the others are cancelled; Esc or the timeout in any frame cancels all.
 */
export async function pickField(api: InsertChrome, tabId: number, allowed: readonly string[], timeoutMs?: number): Promise<Ok<FieldInfo> | Failure> {
  const r = await scanAll(api, tabId, allowed);
  if ('ok' in r) return r;
  const frames = r.scans.filter((s) => s.reply.targets.length > 0).map((s) => s.frameId);
  if (frames.length === 0) return { ok: false, code: 'target_not_found', origin: r.tabOrigin };
  const cancelOthers = (except: number | null): Promise<unknown> =>
    Promise.all(frames.filter((f) => f !== except).map((frameId) => api.tabs.sendMessage(tabId, { cmd: 'ehr.pick.cancel' }, { frameId }).catch(() => undefined)));
  const picked = await new Promise<{ frameId: number; target: ScanTarget } | EhrCode>((resolve) => {
    let pending = frames.length;
    for (const frameId of frames) {
      void pickIn(api, tabId, frameId, [...allowed], timeoutMs).then((p) => {
        pending--;
        if (typeof p !== 'string' && p.code === 'ok' && p.target !== null) resolve({ frameId, target: p.target });
        else if (typeof p !== 'string' && p.code === 'not_found') resolve('not_found');
        else if (pending === 0) resolve(typeof p === 'string' ? p : p.code);
      });
    }
  });
  await cancelOthers(typeof picked === 'string' ? null : picked.frameId);
  if (typeof picked === 'string') return { ok: false, code: picked, origin: r.tabOrigin };
  return { ok: true, origin: r.tabOrigin, value: fieldInfo(picked.frameId, picked.target) };
}

/** Cancel a running pick in every frame of the tab (the panel's Esc / Cancel). */
export async function cancelPick(api: InsertChrome, tabId: number): Promise<void> {
  let frameIds: number[] = [];
  try {
    frameIds = await injectEhr(api, tabId);
  } catch {
    return;
  }
  await Promise.all(frameIds.map((frameId) => api.tabs.sendMessage(tabId, { cmd: 'ehr.pick.cancel' }, { frameId }).catch(() => undefined)));
}
