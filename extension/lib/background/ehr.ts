/**
 * `insert.*`: the side panel's commands for writing an approved note into the open EHR tab,
 * handled in the background (which owns chrome.scripting / chrome.tabs). A sub-protocol of the
 * one listener (lib/messaging `listen(..., [{prefix: 'insert.', handle}])`): `listen` hands a
 * message here only when classifySender says `extension-page` — never a content script, a web
 * page or another extension. Every message is parsed (strict zod); the reply is
 * `{ok: true, value}` or `{ok: false, code}` and carries codes, ids, counts, lengths and field
 * labels — never note text or a field's value (insert.banner's identifiers are its purpose).
 *
 * insert.write takes no note text from the message: it reads the visit from the vault and
 * refuses unless the visit is `approved` there AND its StoredNote has approvedAt (and no edit
 * after it). Origins come from the effective policy (allowedEhrOrigins), read here.
 */
import { z } from 'zod';
import { bannerMatches, cancelPick, pickField, readTabBanner, scanTab, undoWrite, writeNote, type Failure, type InsertChrome, type InsertCode, type UndoRecord } from '../ehr/insert.ts';
import type { NoteLike } from '../ehr/render.ts';
import { log } from '../log/index.ts';
import { resolvePolicy, watchPolicy, type ManagedStorageLike, type PolicyWatch } from '../policy/index.ts';
import { VaultError, type VaultClient } from '../vault/index.ts';
import { StoredNote } from '../visit/stored.ts';

export { bannerMatches };

const TabId = z.number().int().nonnegative().max(2 ** 31);
const VisitId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const FrameId = z.number().int().nonnegative().max(2 ** 31);
const TargetId = z.string().regex(/^t[0-9]{1,6}$/);
const SectionKey = z.string().regex(/^[a-z_]{1,32}$/);

const c = <N extends string, S extends z.ZodRawShape>(name: N, shape: S) => z.object({ target: z.literal('background'), cmd: z.literal(name), ...shape }).strict();

export const InsertScan = c('insert.scan', { tabId: TabId, visitId: VisitId.optional() });
export const InsertWrite = c('insert.write', {
  tabId: TabId,
  visitId: VisitId,
  mode: z.enum(['auto', 'sections', 'target']),
  frameId: FrameId.optional(),
  targetId: TargetId.optional(),
  only: z.array(SectionKey).min(1).max(32).optional(),
}).refine((m) => (m.mode === 'target') === (m.frameId !== undefined && m.targetId !== undefined), { message: 'target_fields' });
export const InsertUndo = c('insert.undo', { tabId: TabId, visitId: VisitId, force: z.boolean().optional() });
export const InsertBanner = c('insert.banner', { tabId: TabId });
export const InsertPick = c('insert.pick', { tabId: TabId, timeoutMs: z.number().int().min(1_000).max(300_000).optional() });
export const InsertPickCancel = c('insert.pick.cancel', { tabId: TabId });

export const InsertCommand = z.union([InsertScan, InsertWrite, InsertUndo, InsertBanner, InsertPick, InsertPickCancel]);
export type InsertCommand = z.infer<typeof InsertCommand>;

export type InsertReply = { ok: true; value: unknown } | { ok: false; code: InsertCode | 'bad_message' };

/** What the lead's `audit.append` receives: no content, the frame's origin only (never a path). */
export interface InsertAuditEvent {
  action: 'note_inserted' | 'note_insert_undone';
  visitId: string;
  outcome: 'ok' | 'denied' | 'error';
  code?: InsertCode;
  /** scheme://host[:port] of the frame written into (or of the tab, for a refusal); null when it could not be read */
  origin: string | null;
}

/** Where undo records live (ids only): chrome.storage.session survives a service-worker restart. */
export interface SessionStoreLike {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface InsertDeps {
  vault: Pick<VaultClient, 'listVisits' | 'getNote'>;
  chrome?: InsertChrome;
  /** the effective allowedEhrOrigins; default: managed policy via watchPolicy over chrome.storage */
  allowedOrigins?: () => Promise<readonly string[]>;
  session?: SessionStoreLike;
  onAudit?: (e: InsertAuditEvent) => void;
}

const DENIED: ReadonlySet<InsertCode> = new Set<InsertCode>(['not_approved', 'origin_not_allowed', 'no_access', 'refused_password', 'refused_hidden', 'refused_disabled', 'refused_readonly']);

/** Managed policy, watched live; `installType === 'admin'` counts as managed (fail-closed origins). */
export function policyOrigins(storage: ManagedStorageLike, adminInstalled: () => Promise<boolean>): () => Promise<readonly string[]> {
  let w: PolicyWatch | undefined;
  return async () => {
    w ??= watchPolicy(storage, () => undefined, { adminInstalled });
    const r = w.current() ?? (await w.ready);
    return (r ?? resolvePolicy({})).effective.allowedEhrOrigins;
  };
}

function memorySession(): SessionStoreLike {
  const m = new Map<string, unknown>();
  return {
    get: async (k) => (m.has(k) ? { [k]: m.get(k) } : {}),
    set: async (items) => {
      for (const [k, v] of Object.entries(items)) m.set(k, v);
    },
    remove: async (k) => {
      m.delete(k);
    },
  };
}

const UndoRecordSchema = z
  .object({
    tabId: TabId,
    frames: z.array(z.object({ frameId: FrameId, writeId: z.string().regex(/^w[0-9]{1,9}$/), origin: z.string().max(300) }).strict()).min(1).max(64),
  })
  .strict();
const undoKey = (tabId: number, visitId: string) => `ehr.undo.${tabId}.${visitId}`;

type Approved = { ok: true; note: NoteLike } | { ok: false; code: InsertCode };

/** The vault's word on the visit: approved there, and the stored note approved as it is now. */
async function approvedNote(vault: InsertDeps['vault'], visitId: string): Promise<Approved> {
  try {
    const visit = (await vault.listVisits()).find((v) => v.id === visitId);
    if (visit === undefined) return { ok: false, code: 'visit_not_found' };
    if (visit.state !== 'approved' || visit.approvedAt === null) return { ok: false, code: 'not_approved' };
    const raw = await vault.getNote(visitId);
    if (raw === null) return { ok: false, code: 'no_note' };
    const stored = StoredNote.safeParse(raw);
    if (!stored.success) return { ok: false, code: 'no_note' };
    const s = stored.data;
    if (s.approvedAt === null || (s.editedAt !== null && s.editedAt > s.approvedAt)) return { ok: false, code: 'not_approved' };
    return { ok: true, note: s.note };
  } catch (e) {
    if (e instanceof VaultError) return { ok: false, code: e.code === 'LOCKED' || e.code === 'NOT_INITIALIZED' ? 'vault_locked' : e.code === 'NOT_FOUND' ? 'visit_not_found' : 'vault_unavailable' };
    return { ok: false, code: 'vault_unavailable' };
  }
}

/** Note structure only (section keys) for the scan preview; any failure just means no note. */
async function noteForPreview(vault: InsertDeps['vault'], visitId: string): Promise<NoteLike | undefined> {
  try {
    const s = StoredNote.safeParse(await vault.getNote(visitId));
    return s.success ? s.data.note : undefined;
  } catch {
    return undefined;
  }
}

/** The tab's origin when the extension may read its URL (for a refusal's audit event), else null. */
async function tabOrigin(api: InsertChrome, tabId: number): Promise<string | null> {
  try {
    const url = (await api.tabs.get(tabId)).url;
    const o = url === undefined ? 'null' : new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

const fail = (f: Failure | { code: InsertCode }): InsertReply => ({ ok: false, code: f.code });

/** The `insert.` sub-protocol for the background's one listener. `handle` never throws. */
export function createInsertHandler(deps: InsertDeps): { prefix: 'insert.'; handle: (raw: unknown) => Promise<InsertReply> } {
  const api = deps.chrome ?? (chrome as unknown as InsertChrome);
  const allowedOrigins =
    deps.allowedOrigins ??
    policyOrigins(chrome.storage as unknown as ManagedStorageLike, async () => (await chrome.management.getSelf()).installType === 'admin');
  const session = deps.session ?? (typeof chrome !== 'undefined' && chrome.storage?.session !== undefined ? (chrome.storage.session as unknown as SessionStoreLike) : memorySession());
  const audit = (e: InsertAuditEvent): void => {
    try {
      deps.onAudit?.(e);
    } catch {
      // an audit sink's failure must not turn a completed write into an error
    }
  };
  const origins = async (): Promise<readonly string[]> => {
    try {
      return await allowedOrigins();
    } catch {
      return []; // fail closed
    }
  };

  async function handle(raw: unknown): Promise<InsertReply> {
    const p = InsertCommand.safeParse(raw);
    if (!p.success) return { ok: false, code: 'bad_message' };
    const m = p.data;
    switch (m.cmd) {
      case 'insert.scan': {
        const note = m.visitId === undefined ? undefined : await noteForPreview(deps.vault, m.visitId);
        const r = await scanTab(api, m.tabId, await origins(), note);
        return r.ok ? { ok: true, value: r.value } : fail(r);
      }
      case 'insert.write': {
        const approved = await approvedNote(deps.vault, m.visitId);
        if (!approved.ok) {
          audit({ action: 'note_inserted', visitId: m.visitId, outcome: approved.code === 'not_approved' ? 'denied' : 'error', code: approved.code, origin: await tabOrigin(api, m.tabId) });
          return fail(approved);
        }
        const r = await writeNote(api, m.tabId, approved.note, { mode: m.mode, frameId: m.frameId, targetId: m.targetId, only: m.only }, await origins());
        if (!r.ok) {
          audit({ action: 'note_inserted', visitId: m.visitId, outcome: DENIED.has(r.code) ? 'denied' : 'error', code: r.code, origin: r.origin });
          return fail(r);
        }
        const v = r.value;
        if (v.undo !== null) await session.set({ [undoKey(m.tabId, m.visitId)]: v.undo }).catch(() => undefined);
        const per = v.origins.length > 0 ? v.origins : [r.origin];
        for (const origin of per) {
          const mine = v.results.filter((x) => x.origin === origin || origin === null);
          const bad = mine.find((x) => x.code !== 'ok')?.code;
          audit({ action: 'note_inserted', visitId: m.visitId, outcome: bad === undefined ? 'ok' : DENIED.has(bad) ? 'denied' : 'error', ...(bad === undefined ? {} : { code: bad }), origin });
        }
        return { ok: true, value: { code: v.code, mode: v.mode, results: v.results, unmapped: v.unmapped, undoable: v.undo !== null } };
      }
      case 'insert.undo': {
        const key = undoKey(m.tabId, m.visitId);
        let rec: UndoRecord | null = null;
        try {
          const got = UndoRecordSchema.safeParse((await session.get(key))[key]);
          rec = got.success ? got.data : null;
        } catch {
          rec = null;
        }
        if (rec === null) return { ok: false, code: 'nothing_to_undo' };
        const r = await undoWrite(api, rec, await origins(), m.force ?? false);
        if (!r.ok) {
          audit({ action: 'note_insert_undone', visitId: m.visitId, outcome: 'denied', code: r.code, origin: r.origin });
          return fail(r);
        }
        const v = r.value;
        if (v.remaining === null) await session.remove(key).catch(() => undefined);
        else await session.set({ [key]: v.remaining }).catch(() => undefined);
        for (const origin of v.origins) {
          const bad = v.results.find((x) => x.origin === origin && x.code !== 'ok')?.code;
          audit({ action: 'note_insert_undone', visitId: m.visitId, outcome: bad === undefined ? 'ok' : 'error', ...(bad === undefined ? {} : { code: bad }), origin });
        }
        return { ok: true, value: { code: v.code, results: v.results, conflict: v.remaining !== null } };
      }
      case 'insert.banner': {
        const r = await readTabBanner(api, m.tabId, await origins());
        return r.ok ? { ok: true, value: r.value } : fail(r);
      }
      case 'insert.pick': {
        const r = await pickField(api, m.tabId, await origins(), m.timeoutMs);
        return r.ok ? { ok: true, value: r.value } : fail(r);
      }
      case 'insert.pick.cancel': {
        await cancelPick(api, m.tabId);
        return { ok: true, value: null };
      }
    }
  }

  return {
    prefix: 'insert.',
    handle: async (raw) => {
      const t0 = Date.now();
      let reply: InsertReply;
      try {
        reply = await handle(raw);
      } catch {
        reply = { ok: false, code: 'write_failed' };
      }
      // one line per command: its name, the outcome code and the time taken — nothing else
      const name = (raw as { cmd?: unknown } | null)?.cmd;
      const cmd = typeof name === 'string' && /^insert\.[a-z.]{1,20}$/.test(name) ? name : 'insert.unknown';
      const value = reply.ok ? (reply.value as { code?: unknown } | null) : null;
      const code = reply.ok ? (typeof value?.code === 'string' ? value.code : 'ok') : reply.code;
      log(reply.ok && code === 'ok' ? 'info' : 'warn', `${cmd}.${code}`, { ms: Date.now() - t0 });
      return reply;
    },
  };
}
