import browser from 'webextension-polyfill';
import type { Runtime } from 'webextension-polyfill';
import {
  CodedError,
  Command,
  Event,
  ReplySchema,
  type CommandName,
  type CommandOf,
  type Context,
  type ErrorCode,
  type Reply,
} from '../../../shared/messages.ts';
import { log } from '../log/index.ts';

/**
 * The one place that listens to runtime messages and the one place that decides whether a sender
 * is trusted (CONVENTIONS.md "Boundaries"). `sender.id` is the signal; `sender.url` is only used
 * to tell our own pages from content scripts running in web pages, never trusted alone.
 */
export type SenderKind = 'extension-page' | 'content-script' | 'untrusted';

export interface SenderLike {
  id?: string | undefined;
  url?: string | undefined;
  tab?: unknown;
  frameId?: number | undefined;
}

export function classifySender(sender: SenderLike, selfId: string): SenderKind {
  if (!sender || typeof sender !== 'object' || sender.id !== selfId) return 'untrusted';
  const origin = `chrome-extension://${selfId}/`;
  const fromOwnPage = typeof sender.url === 'string' && sender.url.startsWith(origin);
  if (fromOwnPage) return 'extension-page';
  // Same extension id but a web page URL: our content script, which runs in a page the
  // clinician does not control. It may only send the commands listed as content-safe.
  return sender.tab !== undefined ? 'content-script' : 'untrusted';
}

/** Commands a content script may send. None yet: every current command is privileged. */
const CONTENT_SAFE: ReadonlySet<CommandName> = new Set<CommandName>();

export type Handler<N extends CommandName> = (msg: CommandOf<N>, sender: SenderKind) => unknown;
export type Handlers = { [N in CommandName]?: Handler<N> };

const fail = (code: ErrorCode): Reply => ({ ok: false, error: { code } });

function targetOf(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  return Object.prototype.hasOwnProperty.call(raw, 'target') ? (raw as { target: unknown }).target : undefined;
}

/**
 * Route one raw message. Returns undefined when the message is not addressed to `context`
 * (another context answers it), otherwise a Reply. Never throws.
 */
export async function route(
  context: Context,
  handlers: Handlers,
  raw: unknown,
  sender: SenderLike,
  selfId: string,
): Promise<Reply | undefined> {
  if (targetOf(raw) !== context) return undefined;
  if (raw !== null && typeof raw === 'object' && 'evt' in raw) return undefined;
  const kind = classifySender(sender, selfId);
  if (kind === 'untrusted') return fail('untrusted_sender');
  const parsed = Command.safeParse(raw);
  if (!parsed.success) return fail('bad_message');
  const msg = parsed.data;
  if (kind === 'content-script' && !CONTENT_SAFE.has(msg.cmd)) return fail('untrusted_sender');
  const handler = handlers[msg.cmd] as Handler<CommandName> | undefined;
  if (!handler) return fail('unknown_command');
  try {
    const data = await handler(msg as never, kind);
    return { ok: true, data: data ?? null };
  } catch (err) {
    if (err instanceof CodedError) return fail(err.code);
    log('error', 'message.handler_failed', {}, msg.cmd.replace('.', '_'));
    return fail('handler_failed');
  }
}

/**
 * A command family with its own schemas and reply shape (e.g. the vault's `vault.*`), routed by
 * its prefix. Only the extension's own pages and workers may use one; `handle` parses the message
 * itself and must never throw.
 */
export interface SubProtocol {
  prefix: string;
  handle: (raw: unknown) => Promise<unknown>;
  /**
   * The extension pages (URL paths, e.g. '/sidepanel.html', '/background.js' for the service
   * worker) that may send it; any other of our pages gets `untrusted_sender`. Absent: any page.
   */
  pages?: readonly string[];
}

/** The path of an extension-page sender's URL (query and hash dropped); null when unreadable. */
export function senderPath(sender: SenderLike): string | null {
  if (typeof sender?.url !== 'string') return null;
  try {
    return new URL(sender.url).pathname;
  } catch {
    return null;
  }
}

function subProtocolFor(raw: unknown, subs: readonly SubProtocol[]): SubProtocol | undefined {
  if (raw === null || typeof raw !== 'object' || !Object.prototype.hasOwnProperty.call(raw, 'cmd')) return undefined;
  const cmd = (raw as { cmd: unknown }).cmd;
  return typeof cmd === 'string' ? subs.find((s) => cmd.startsWith(s.prefix)) : undefined;
}

export interface ListenOptions {
  /**
   * The extension pages (URL paths, as `SubProtocol.pages`) that may send ANY command to this
   * context; every other sender, our own other pages included, gets `untrusted_sender` before a
   * handler or sub-protocol sees the message. Absent: any of our pages (route's sender rules only).
   */
  pages?: readonly string[];
}

/** Register the context's handlers (and optionally an event handler). The only raw listener. */
export function listen(context: Context, handlers: Handlers, onEvent?: (e: Event) => void, subs: readonly SubProtocol[] = [], opts: ListenOptions = {}): () => void {
  const selfId = browser.runtime.id;
  const listener = (raw: unknown, sender: Runtime.MessageSender): Promise<unknown> | undefined => {
    const isEvent = raw !== null && typeof raw === 'object' && 'evt' in raw;
    if (opts.pages && targetOf(raw) === context && !isEvent && !opts.pages.includes(senderPath(sender) ?? '')) {
      return Promise.resolve(fail('untrusted_sender'));
    }
    const sub = targetOf(raw) === context ? subProtocolFor(raw, subs) : undefined;
    if (sub) {
      if (classifySender(sender, selfId) !== 'extension-page') return Promise.resolve(fail('untrusted_sender'));
      if (sub.pages && !sub.pages.includes(senderPath(sender) ?? '')) return Promise.resolve(fail('untrusted_sender'));
      return sub.handle(raw).catch(() => fail('handler_failed'));
    }
    if (onEvent && targetOf(raw) === context && isEvent) {
      if (classifySender(sender, selfId) === 'extension-page') {
        const ev = Event.safeParse(raw);
        if (ev.success) onEvent(ev.data);
      }
      return undefined;
    }
    if (targetOf(raw) !== context) return undefined;
    return route(context, handlers, raw, sender, selfId).then((r) => r ?? fail('no_receiver'));
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

/** Send a command and parse the reply. Never throws: transport failures become codes. */
export async function send<N extends CommandName>(msg: CommandOf<N>, timeoutMs = 30_000): Promise<Reply> {
  const parsed = Command.safeParse(msg);
  if (!parsed.success) return fail('bad_message');
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const reply = await Promise.race([
      browser.runtime.sendMessage(parsed.data),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: { code: 'timeout' } }), timeoutMs);
      }),
    ]);
    const r = ReplySchema.safeParse(reply);
    return r.success ? (r.data as Reply) : fail('no_receiver');
  } catch {
    return fail('no_receiver');
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Broadcast an event to extension pages; nobody listening is fine. */
export async function emit(e: Event): Promise<void> {
  try {
    await browser.runtime.sendMessage(e);
  } catch {
    /* no page open */
  }
}
