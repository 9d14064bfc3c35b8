/**
 * The vault over the extension's one message protocol. The offscreen document owns the only
 * unlocked Vault (vault.design.md); the service worker and the side panel reach it with these
 * commands. Same shape as shared/messages.ts (`{target, cmd, ...}`, strict objects), so the lead
 * can add `...VAULT_COMMAND_SCHEMAS` to the Command union and route `vault.*` to
 * handleVaultCommand.
 *
 * - handleVaultCommand(vault, raw) parses, runs, and never throws: the reply is `{ok: true, value}`
 *   or `{ok: false, code, retryAfterMs?}` with a code from errors.ts.
 * - VaultClient(send) is what the side panel / service worker import: it builds commands, sends
 *   them with the transport it is given, and parses every reply ("parse, don't cast").
 *
 * Audio chunks are not in the protocol: capture runs in the offscreen document next to the vault
 * and calls vault.putAudioChunk directly (binary does not belong in runtime messages).
 */
import { z } from 'zod';
import { TranscriptSegment } from '../../../shared/transcript.ts';
import { Id, VisitState } from '../db/schema.ts';
import { VAULT_ERROR_CODES, VaultError, type VaultErrorCode } from './errors.ts';
import { AuditEvent, JsonContent, type Vault } from './vault.ts';

const Pin = z.string().min(1).max(1024);
const VisitId = Id;
/** Typed confirmation for destructive commands: a stray or replayed message cannot wipe data. */
export const DESTROY_VAULT = 'DESTROY_VAULT' as const;
export const DELETE_ALL_VISITS = 'DELETE_ALL_VISITS' as const;

const c = <N extends string, S extends z.ZodRawShape>(name: N, shape: S) =>
  z.object({ target: z.literal('offscreen'), cmd: z.literal(name), ...shape }).strict();

export const VAULT_COMMAND_SCHEMAS = [
  c('vault.status', {}),
  c('vault.setup', { pin: Pin }),
  c('vault.unlock', { pin: Pin }),
  c('vault.lock', {}),
  c('vault.changePin', { oldPin: Pin, newPin: Pin }),
  c('vault.reset', { confirm: z.literal(DESTROY_VAULT) }),
  c('vault.touch', {}),
  c('vault.systemIdle', { state: z.enum(['active', 'idle', 'locked']) }),
  c('vault.createVisit', { meta: JsonContent.optional() }),
  c('vault.getVisitMeta', { visitId: VisitId }),
  c('vault.listVisits', {}),
  c('vault.approveVisit', { visitId: VisitId }),
  c('vault.deleteVisit', { visitId: VisitId }),
  c('vault.deleteAll', { confirm: z.literal(DELETE_ALL_VISITS) }),
  c('vault.purgeExpired', {}),
  c('vault.putSegment', { visitId: VisitId, segment: TranscriptSegment }),
  c('vault.listSegments', { visitId: VisitId }),
  c('vault.compactSegments', { visitId: VisitId }),
  c('vault.putNote', { visitId: VisitId, note: JsonContent }),
  c('vault.getNote', { visitId: VisitId }),
  c('vault.putPhiMap', { visitId: VisitId, map: JsonContent }),
  c('vault.getPhiMap', { visitId: VisitId }),
  c('vault.appendAudit', { event: AuditEvent }),
  c('vault.listAudit', {}),
] as const;

export const VaultCommand = z.discriminatedUnion('cmd', VAULT_COMMAND_SCHEMAS);
export type VaultCommand = z.infer<typeof VaultCommand>;
export type VaultCommandName = VaultCommand['cmd'];
type Cmd<N extends VaultCommandName> = Extract<VaultCommand, { cmd: N }>;

/**
 * Which contexts may send a vault command, and the extension page each is (its sender URL path,
 * what the offscreen listener enforces through messaging `SubProtocol.pages`). Content scripts
 * (page-adjacent) and our other pages never may.
 */
const VAULT_SENDER_PAGE = { panel: '/sidepanel.html', background: '/background.js' } as const;
export const VAULT_SENDERS = Object.keys(VAULT_SENDER_PAGE) as (keyof typeof VAULT_SENDER_PAGE)[];
export const VAULT_SENDER_PAGES: readonly string[] = Object.values(VAULT_SENDER_PAGE);
export function vaultCommandAllowedFrom(context: string): boolean {
  return Object.hasOwn(VAULT_SENDER_PAGE, context);
}

const VisitSummary = z
  .object({
    id: VisitId,
    state: VisitState,
    createdAt: z.number(),
    updatedAt: z.number(),
    approvedAt: z.number().nullable(),
    expiresAt: z.number(),
  })
  .strict();
const Status = z
  .object({
    initialized: z.boolean(),
    unlocked: z.boolean(),
    failedAttempts: z.number().int().nonnegative(),
    retryAfterMs: z.number().nonnegative(),
    idleLockMs: z.number().positive(),
  })
  .strict();
const Purge = z.object({ visits: z.number().int(), auditEntries: z.number().int(), corruptRows: z.number().int() }).strict();
const AuditList = z
  .object({
    entries: z.array(AuditEvent.extend({ id: z.string(), at: z.number() }).strict()),
    unreadable: z.number().int(),
  })
  .strict();
const Nothing = z.null();

/** The value each command answers with (checked by the client on every reply). */
export const VAULT_RESULTS = {
  'vault.status': Status,
  'vault.setup': Nothing,
  'vault.unlock': Nothing,
  'vault.lock': Nothing,
  'vault.changePin': Nothing,
  'vault.reset': Nothing,
  'vault.touch': Nothing,
  'vault.systemIdle': Nothing,
  'vault.createVisit': VisitId,
  'vault.getVisitMeta': JsonContent,
  'vault.listVisits': z.array(VisitSummary),
  'vault.approveVisit': VisitSummary,
  'vault.deleteVisit': z.boolean(),
  'vault.deleteAll': z.number().int().nonnegative(),
  'vault.purgeExpired': Purge,
  'vault.putSegment': Nothing,
  'vault.listSegments': z.array(TranscriptSegment),
  'vault.compactSegments': z.number().int().nonnegative(),
  'vault.putNote': Nothing,
  'vault.getNote': JsonContent.nullable(),
  'vault.putPhiMap': Nothing,
  'vault.getPhiMap': JsonContent.nullable(),
  'vault.appendAudit': Nothing,
  'vault.listAudit': AuditList,
} as const satisfies Record<VaultCommandName, z.ZodType>;
export type VaultResult<N extends VaultCommandName> = z.infer<(typeof VAULT_RESULTS)[N]>;

export const VaultReply = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), code: z.enum(VAULT_ERROR_CODES), retryAfterMs: z.number().nonnegative().optional() }).strict(),
]);
export type VaultReply = z.infer<typeof VaultReply>;

/** Broadcast by the host when the vault locks, so every context drops decrypted state it shows. */
export const VaultLockedEvent = z
  .object({
    cmd: z.literal('vault.locked'),
    reason: z.enum(['manual', 'idle_timeout', 'system_idle', 'system_locked', 'reset', 'pin_changed']),
  })
  .strict();
export type VaultLockedEvent = z.infer<typeof VaultLockedEvent>;

type Handler<N extends VaultCommandName> = (vault: Vault, cmd: Cmd<N>) => Promise<VaultResult<N>>;
const nil = async (p: Promise<unknown> | void): Promise<null> => {
  await p;
  return null;
};

/** One handler per command (Bitwarden's offscreen handler map). */
export const vaultHandlers: { [N in VaultCommandName]: Handler<N> } = {
  'vault.status': (v) => v.status(),
  'vault.setup': (v, m) => nil(v.setup(m.pin)),
  'vault.unlock': (v, m) => nil(v.unlock(m.pin)),
  'vault.lock': (v) => nil(v.lock('manual')),
  'vault.changePin': (v, m) => nil(v.changePin(m.oldPin, m.newPin)),
  'vault.reset': (v) => nil(v.resetVault()),
  'vault.touch': (v) => nil(v.touch()),
  'vault.systemIdle': (v, m) => nil(v.onSystemIdleState(m.state)),
  'vault.createVisit': (v, m) => v.createVisit(m.meta ?? {}),
  'vault.getVisitMeta': (v, m) => v.getVisitMeta(m.visitId),
  'vault.listVisits': (v) => v.listVisits(),
  'vault.approveVisit': (v, m) => v.approveVisit(m.visitId),
  'vault.deleteVisit': (v, m) => v.deleteVisit(m.visitId),
  'vault.deleteAll': (v) => v.deleteAll(),
  'vault.purgeExpired': (v) => v.purgeExpired(),
  'vault.putSegment': (v, m) => nil(v.putSegment(m.visitId, m.segment)),
  'vault.listSegments': (v, m) => v.listSegments(m.visitId),
  'vault.compactSegments': (v, m) => v.compactSegments(m.visitId),
  'vault.putNote': (v, m) => nil(v.putNote(m.visitId, m.note)),
  'vault.getNote': (v, m) => v.getNote(m.visitId),
  'vault.putPhiMap': (v, m) => nil(v.putPhiMap(m.visitId, m.map)),
  'vault.getPhiMap': (v, m) => v.getPhiMap(m.visitId),
  'vault.appendAudit': (v, m) => nil(v.appendAudit(m.event)),
  'vault.listAudit': (v) => v.listAudit(),
};

/**
 * Runs one vault command in the hosting context. Never throws; never echoes the input (a PIN or a
 * transcript in a malformed message stays out of the reply).
 */
export async function handleVaultCommand(vault: Vault, raw: unknown): Promise<VaultReply> {
  const parsed = VaultCommand.safeParse(raw);
  if (!parsed.success) return { ok: false, code: 'INVALID_INPUT' };
  const msg = parsed.data;
  try {
    const handler = vaultHandlers[msg.cmd] as (v: Vault, m: VaultCommand) => Promise<unknown>;
    const value = await handler(vault, msg);
    return { ok: true, value: value === undefined ? null : value };
  } catch (e) {
    if (e instanceof VaultError) {
      return e.retryAfterMs !== undefined ? { ok: false, code: e.code, retryAfterMs: e.retryAfterMs } : { ok: false, code: e.code };
    }
    return { ok: false, code: 'STORAGE' };
  }
}

/** Distributes Omit over a union so each command keeps its own fields. */
type Body<N extends VaultCommandName> = Omit<Cmd<N>, 'target' | 'cmd'>;

/**
 * What the side panel and service worker use. `send` is the transport (the lead's messaging:
 * browser.runtime.sendMessage to the offscreen document, creating it first if needed). Failures
 * reject with a VaultError whose code is from the closed list; a transport failure or an
 * unparseable reply is STORAGE (the vault could not be reached), never a content-bearing error.
 */
export class VaultClient {
  readonly #send: (msg: VaultCommand) => Promise<unknown>;
  constructor(send: (msg: VaultCommand) => Promise<unknown>) {
    this.#send = send;
  }

  async call<N extends VaultCommandName>(cmd: N, body: Body<N>): Promise<VaultResult<N>> {
    const msg = VaultCommand.safeParse({ ...body, target: 'offscreen', cmd });
    if (!msg.success) throw new VaultError('INVALID_INPUT');
    let raw: unknown;
    try {
      raw = await this.#send(msg.data);
    } catch {
      throw new VaultError('STORAGE');
    }
    const reply = VaultReply.safeParse(raw);
    if (!reply.success) throw new VaultError('STORAGE');
    if (!reply.data.ok) throw new VaultError(reply.data.code as VaultErrorCode, reply.data.retryAfterMs);
    const value = (VAULT_RESULTS[cmd] as z.ZodType).safeParse(reply.data.value);
    if (!value.success) throw new VaultError('CORRUPT');
    return value.data as VaultResult<N>;
  }

  status = () => this.call('vault.status', {});
  setup = (pin: string) => this.call('vault.setup', { pin });
  unlock = (pin: string) => this.call('vault.unlock', { pin });
  lock = () => this.call('vault.lock', {});
  changePin = (oldPin: string, newPin: string) => this.call('vault.changePin', { oldPin, newPin });
  /** Forgotten PIN: destroys every visit and the vault itself. */
  reset = () => this.call('vault.reset', { confirm: DESTROY_VAULT });
  touch = () => this.call('vault.touch', {});
  systemIdle = (state: 'active' | 'idle' | 'locked') => this.call('vault.systemIdle', { state });
  createVisit = (meta?: JsonContent) => this.call('vault.createVisit', meta === undefined ? {} : { meta });
  getVisitMeta = (visitId: string) => this.call('vault.getVisitMeta', { visitId });
  listVisits = () => this.call('vault.listVisits', {});
  approveVisit = (visitId: string) => this.call('vault.approveVisit', { visitId });
  deleteVisit = (visitId: string) => this.call('vault.deleteVisit', { visitId });
  deleteAll = () => this.call('vault.deleteAll', { confirm: DELETE_ALL_VISITS });
  purgeExpired = () => this.call('vault.purgeExpired', {});
  putSegment = (visitId: string, segment: TranscriptSegment) => this.call('vault.putSegment', { visitId, segment });
  listSegments = (visitId: string) => this.call('vault.listSegments', { visitId });
  /** Call when capture of the visit stops (approveVisit also does it). */
  compactSegments = (visitId: string) => this.call('vault.compactSegments', { visitId });
  putNote = (visitId: string, note: JsonContent) => this.call('vault.putNote', { visitId, note });
  getNote = (visitId: string) => this.call('vault.getNote', { visitId });
  putPhiMap = (visitId: string, map: JsonContent) => this.call('vault.putPhiMap', { visitId, map });
  getPhiMap = (visitId: string) => this.call('vault.getPhiMap', { visitId });
  appendAudit = (event: AuditEvent) => this.call('vault.appendAudit', { event });
  listAudit = () => this.call('vault.listAudit', {});
}
