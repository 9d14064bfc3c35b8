import type { NoteRequest } from '../../shared/api.ts';
import type { Config, Env } from './env.ts';
import type { LogRecord } from './log.ts';
import type { NoteProvider } from './providers/types.ts';

/** Everything a middleware may put on the context: ids, parsed data, counters — no raw text. */
export interface Vars {
  requestId: string;
  started: number;
  config: Config;
  tokenId: string;
  noteRequest: NoteRequest;
  /** Fields merged into the one access-log line for this request. */
  logFields: Partial<LogRecord>;
}

/** Injected dependencies (tests swap the outbound fetch, the clock and the providers). */
export interface Deps {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  providers?: Partial<Record<NoteProvider['id'], NoteProvider>>;
}

export interface AppEnv {
  Bindings: Env;
  Variables: Vars;
}
