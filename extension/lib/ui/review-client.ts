/**
 * The side panel's typed calls into the offscreen visit flow (review.*, audit.*) and the vault
 * (vault.*). Every reply is parsed here ("parse, don't cast"); a reply that does not fit is a
 * closed error code, never a thrown content-bearing error.
 */
import { z } from 'zod';
import { TemplateId } from '../../../shared/api.ts';
import type { ReviewedNote } from '../../../shared/review.ts';
import { ErrorCode, type CommandOf } from '../../../shared/messages.ts';
import { TranscriptSegment } from '../../../shared/transcript.ts';
import { send } from '../messaging/index.ts';
import { VaultClient, type VaultCommand } from '../vault/index.ts';
import { StoredNote } from '../visit/stored.ts';
import browser from 'webextension-polyfill';

export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode };

const VisitSummary = z.object({
  id: z.string(),
  state: z.enum(['draft', 'approved']),
  createdAt: z.number(),
  updatedAt: z.number(),
  approvedAt: z.number().nullable(),
  expiresAt: z.number(),
});
export type VisitSummary = z.infer<typeof VisitSummary>;

export const ReviewState = z.object({
  visit: VisitSummary,
  meta: z.object({ channel: z.enum(['in_person', 'telehealth']).optional(), startedAt: z.number().optional(), consent: z.boolean().optional() }).passthrough(),
  segments: z.array(TranscriptSegment),
  note: StoredNote.nullable(),
});
export type ReviewState = z.infer<typeof ReviewState>;

export const EgressPreview = z.object({
  previewId: z.string().regex(/^[0-9a-f]{64}$/),
  visitId: z.string(),
  body: z.string(),
  bytes: z.number().int().nonnegative(),
  placeholderCount: z.number().int().nonnegative(),
  segmentCount: z.number().int().nonnegative(),
  turns: z.array(z.object({ id: z.string(), speaker: z.string(), text: z.string() })),
  highlights: z.array(z.object({ turn: z.number().int(), start: z.number().int(), end: z.number().int(), type: z.string(), placeholder: z.string() })),
  mode: z.enum(['cloud', 'device']),
  apiOrigin: z.string(),
  template: TemplateId,
});
export type EgressPreview = z.infer<typeof EgressPreview>;

export const PrivacyReportSchema = z.object({
  visitId: z.string(),
  egress: z.array(z.object({ ts: z.string(), origin: z.string().nullable(), bytes: z.number().nullable(), placeholderCount: z.number().nullable(), outcome: z.string() })),
  inserts: z.array(z.object({ ts: z.string(), origin: z.string().nullable(), outcome: z.string() })),
  accesses: z.array(z.object({ ts: z.string(), actor: z.string(), action: z.string(), outcome: z.string() })),
  createdAt: z.string().nullable(),
  approvedAt: z.string().nullable(),
  removedAt: z.string().nullable(),
  removedBy: z.enum(['deleted', 'expired']).nullable(),
  storedUntil: z.string().nullable(),
  audioStored: z.boolean(),
  consentAttested: z.boolean(),
  totalBytesSent: z.number(),
});
export type PrivacyReportView = z.infer<typeof PrivacyReportSchema>;

async function call<T>(msg: CommandOf<never> | Record<string, unknown>, schema: z.ZodType<T>, timeoutMs = 60_000): Promise<Result<T>> {
  const r = await send(msg as never, timeoutMs);
  if (!r.ok) return { ok: false, code: r.error.code };
  const v = schema.safeParse(r.data);
  return v.success ? { ok: true, value: v.data } : { ok: false, code: 'bad_message' };
}

const off = <C extends string>(cmd: C, body: Record<string, unknown> = {}) => ({ target: 'offscreen', cmd, ...body });

export const review = {
  list: () => call(off('review.list'), z.array(VisitSummary)),
  get: (visitId: string) => call(off('review.get', { visitId }), ReviewState),
  prepare: (visitId: string, template: TemplateId, banner?: { name?: string; dob?: string; mrn?: string }, extraIdentifiers?: string[]) =>
    call(off('review.prepare', { visitId, template, ...(banner ? { banner } : {}), ...(extraIdentifiers?.length ? { extraIdentifiers } : {}) }), EgressPreview),
  // the note API may take up to its own 30 s timeout; leave room
  generate: (visitId: string, previewId: string, mode: 'cloud' | 'device') => call(off('review.generate', { visitId, previewId, mode }), StoredNote, 75_000),
  save: (visitId: string, note: ReviewedNote) => call(off('review.save', { visitId, note }), StoredNote),
  approve: (visitId: string) => call(off('review.approve', { visitId }), StoredNote),
  delete: (visitId: string) => call(off('review.delete', { visitId }), z.boolean()),
  deleteAll: () => call(off('review.deleteAll', { confirm: 'DELETE_ALL_VISITS' }), z.number()),
  report: (visitId: string) => call(off('audit.report', { visitId }), PrivacyReportSchema),
  exportAudit: () => call(off('audit.export'), z.object({ text: z.string(), count: z.number(), keyThumbprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })),
};

/** The vault, reached through the offscreen document (created by the background on visit.status). */
export const vault = new VaultClient((m: VaultCommand) => browser.runtime.sendMessage(m));

/** The background's EHR writer (lib/background/ehr.ts): no note text in these messages. */
export async function insertCall(cmd: string, body: Record<string, unknown>): Promise<{ ok: boolean; data?: unknown; code?: string }> {
  try {
    const r = (await browser.runtime.sendMessage({ target: 'background', cmd, ...body })) as unknown;
    if (r !== null && typeof r === 'object' && (r as { ok?: unknown }).ok === true) return { ok: true, data: (r as { value?: unknown }).value };
    const c = (r as { code?: unknown; error?: { code?: unknown } } | null)?.error?.code ?? (r as { code?: unknown } | null)?.code;
    return { ok: false, code: typeof c === 'string' && /^[a-z_]{1,40}$/.test(c) ? c : 'handler_failed' };
  } catch {
    return { ok: false, code: 'no_receiver' };
  }
}
