/**
 * The extension side of the EHR writer (background or side panel): inject the content script
 * into every permitted frame of the chosen tab, scan, preview a section → field mapping, write,
 * undo. chrome.* is passed in (two small interfaces) so the logic runs under vitest.
 * Replies from frames are parsed (a page cannot forge them, but a bug can: parse, don't cast).
 */
import { EhrCodeSchema, ScanReply, UndoReply, WriteReply, BannerReply, PickReply } from './messages.ts';
import type { EhrCode } from './codes.ts';
import type { ScanTarget, TargetRef } from './messages.ts';
import { noteToBlocks, type Block, type NoteLike } from './render.ts';

/** The built content script (WXT: entrypoints/ehr.content.ts → content-scripts/ehr.js). */
export const EHR_SCRIPT = 'content-scripts/ehr.js';

export interface ChromeLike {
  scripting: {
    executeScript(injection: { target: { tabId: number; allFrames: boolean }; files: string[] }): Promise<Array<{ frameId: number }>>;
  };
  tabs: { sendMessage(tabId: number, message: unknown, options: { frameId: number }): Promise<unknown> };
}

/** Inject into all frames where the extension may run; returns the frame ids that got it. */
export async function injectEhr(api: ChromeLike, tabId: number): Promise<number[]> {
  const res = await api.scripting.executeScript({ target: { tabId, allFrames: true }, files: [EHR_SCRIPT] });
  return res.map((r) => r.frameId);
}

async function ask<T>(api: ChromeLike, tabId: number, frameId: number, msg: unknown, schema: { safeParse(x: unknown): { success: true; data: T } | { success: false } }): Promise<T | EhrCode> {
  let raw: unknown;
  try {
    raw = await api.tabs.sendMessage(tabId, msg, { frameId });
  } catch {
    return 'target_not_found';
  }
  const p = schema.safeParse(raw);
  if (p.success) return p.data;
  const c = EhrCodeSchema.safeParse((raw as { code?: unknown } | null)?.code);
  return c.success ? c.data : 'bad_message';
}

export interface FrameScan {
  frameId: number;
  reply: ScanReply;
}

/** `sections`: score labels only against these section keys (the note's), when given. */
export async function scanFrames(api: ChromeLike, tabId: number, frameIds: ReadonlyArray<number>, allowedOrigins: string[], sections?: ReadonlyArray<string>): Promise<FrameScan[]> {
  const out: FrameScan[] = [];
  const msg = sections === undefined ? { cmd: 'ehr.scan', allowedOrigins } : { cmd: 'ehr.scan', allowedOrigins, sections: [...sections] };
  await Promise.all(
    frameIds.map(async (frameId) => {
      const r = await ask(api, tabId, frameId, msg, ScanReply);
      if (typeof r !== 'string') out.push({ frameId, reply: r });
    }),
  );
  return out.sort((a, b) => a.frameId - b.frameId);
}

export interface FieldChoice {
  frameId: number;
  target: ScanTarget;
}

/**
 * The field the clinician left the focus in: the top frame's focused field, else the one child
 * frame that reports a focused field when the top frame's focus is on a frame element.
 */
export function focusedField(scans: ReadonlyArray<FrameScan>): FieldChoice | null {
  const top = scans.find((s) => s.frameId === 0);
  const inTop = top?.reply.targets.find((t) => t.focused);
  if (top !== undefined && inTop !== undefined) return { frameId: 0, target: inTop };
  if (top !== undefined && !top.reply.focusInChildFrame) return null;
  const inChildren = scans.filter((s) => s.frameId !== 0).flatMap((s) => s.reply.targets.filter((t) => t.focused).map((t) => ({ frameId: s.frameId, target: t })));
  return inChildren.length === 1 ? inChildren[0]! : null;
}

export interface SectionMapping {
  key: string;
  title: string;
  field: FieldChoice | null;
}

/** Best-labelled field per note section, across frames; a field serves one section at most. */
export function mapSections(note: NoteLike, scans: ReadonlyArray<FrameScan>): SectionMapping[] {
  const used = new Set<string>();
  const all = scans.flatMap((s) => s.reply.targets.map((t) => ({ frameId: s.frameId, target: t })));
  return note.sections
    .filter((s) => s.statements.length > 0)
    .map((s) => {
      let best: FieldChoice | null = null;
      for (const f of all) {
        const k = `${f.frameId}:${f.target.id}`;
        if (used.has(k) || f.target.section !== s.key) continue;
        if (best === null || f.target.score > best.target.score) best = f;
      }
      if (best !== null) used.add(`${best.frameId}:${best.target.id}`);
      return { key: s.key, title: s.title, field: best };
    });
}

/** The best whole-note field (label "Note", "Clinical note"…), for writing the whole note at once. */
export function wholeNoteField(scans: ReadonlyArray<FrameScan>): FieldChoice | null {
  let best: FieldChoice | null = null;
  for (const s of scans)
    for (const t of s.reply.targets)
      if (t.wholeNote && t.multiline && (best === null || t.score > best.target.score)) best = { frameId: s.frameId, target: t };
  return best;
}

export interface FrameWrite {
  frameId: number;
  cmd: { cmd: 'ehr.write'; allowedOrigins: string[]; writes: Array<{ target: TargetRef; blocks: Block[] }> };
}

/** Messages for a mapped write: each mapped section's statements (no heading) into its field. */
export function buildSectionWrites(note: NoteLike, mapping: ReadonlyArray<SectionMapping>, allowedOrigins: string[]): FrameWrite[] {
  const byFrame = new Map<number, FrameWrite>();
  for (const m of mapping) {
    if (m.field === null) continue;
    const blocks = noteToBlocks(note, { only: [m.key], headings: false });
    if (blocks.length === 0) continue;
    let fw = byFrame.get(m.field.frameId);
    if (fw === undefined) {
      fw = { frameId: m.field.frameId, cmd: { cmd: 'ehr.write', allowedOrigins, writes: [] } };
      byFrame.set(m.field.frameId, fw);
    }
    fw.cmd.writes.push({ target: { by: 'id', id: m.field.target.id }, blocks });
  }
  return [...byFrame.values()];
}

/**
 * The whole note (section headings included) into one field — or, with `only`, one or more
 * sections (headings only when more than one) into the field the clinician picked.
 */
export function buildWholeWrite(note: NoteLike, field: FieldChoice, allowedOrigins: string[], only?: ReadonlyArray<string>): FrameWrite {
  const blocks = only === undefined ? noteToBlocks(note, { headings: true }) : noteToBlocks(note, { only });
  return { frameId: field.frameId, cmd: { cmd: 'ehr.write', allowedOrigins, writes: [{ target: { by: 'id', id: field.target.id }, blocks }] } };
}

export function sendWrite(api: ChromeLike, tabId: number, w: FrameWrite): Promise<WriteReply | EhrCode> {
  return ask(api, tabId, w.frameId, w.cmd, WriteReply);
}

export function sendUndo(api: ChromeLike, tabId: number, frameId: number, allowedOrigins: string[], writeId?: string, force?: boolean): Promise<UndoReply | EhrCode> {
  const msg: Record<string, unknown> = { cmd: 'ehr.undo', allowedOrigins };
  if (writeId !== undefined) msg.writeId = writeId;
  if (force !== undefined) msg.force = force;
  return ask(api, tabId, frameId, msg, UndoReply);
}

export function readBannerIn(api: ChromeLike, tabId: number, frameId: number, allowedOrigins: string[]): Promise<BannerReply | EhrCode> {
  return ask(api, tabId, frameId, { cmd: 'ehr.banner', allowedOrigins }, BannerReply);
}

export function pickIn(api: ChromeLike, tabId: number, frameId: number, allowedOrigins: string[], timeoutMs?: number): Promise<PickReply | EhrCode> {
  return ask(api, tabId, frameId, timeoutMs === undefined ? { cmd: 'ehr.pick', allowedOrigins } : { cmd: 'ehr.pick', allowedOrigins, timeoutMs }, PickReply);
}
