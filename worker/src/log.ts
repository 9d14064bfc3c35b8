/**
 * The worker's only logger. One JSON line per event; the event type has no field that could hold
 * transcript, note, name or header text: only ids, route templates, codes, counts, sizes, timings.
 * Strings are checked against closed patterns at run time too, so a bug cannot smuggle text in.
 */
import type { ErrorCode, ProviderId } from '../../shared/api.ts';
import type { PhiType } from '../../shared/phi-patterns.ts';

export type LogEvent = 'request' | 'provider_attempt' | 'config_invalid' | 'unhandled_error';

/** Why a provider call failed, as a closed list. */
export type ProviderFailure =
  | 'timeout'
  | 'network'
  | 'http_4xx'
  | 'http_429'
  | 'http_5xx'
  | 'bad_json'
  | 'schema'
  | 'not_configured'
  | 'binding_error';

/** Which output-check rule refused a note. */
export type OutputRule = 'schema' | 'placeholder' | 'identifier' | 'evidence' | 'prompt_leak' | 'structure';

/** Which PHI-guard rule refused a payload: an identifier class name, never the value. */
export type GuardRule = PhiType | 'BANNER_NAME';

export interface LogRecord {
  event: LogEvent;
  rid?: string;
  method?: string;
  route?: string;
  status?: number;
  code?: ErrorCode;
  provider?: ProviderId;
  template?: string;
  reqBytes?: number;
  resBytes?: number;
  segments?: number;
  chars?: number;
  sections?: number;
  statements?: number;
  providerMs?: number;
  totalMs?: number;
  attempt?: number;
  failure?: ProviderFailure;
  outputRule?: OutputRule;
  guardRule?: GuardRule;
  tokenId?: string;
  fields?: number;
}

const SAFE = /^[A-Za-z0-9_./:@-]{0,128}$/;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);

/** Drop anything that is not a finite number or a closed-pattern string. */
function scrub(rec: LogRecord): Record<string, string | number> {
  const out: Record<string, string | number> = { ts: Date.now() };
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out[k] = Math.round(v * 100) / 100;
    } else if (typeof v === 'string') {
      if (k === 'method') out[k] = METHODS.has(v) ? v : 'OTHER';
      else out[k] = SAFE.test(v) ? v : '_';
    }
  }
  return out;
}

export type LogSink = (line: string) => void;
let sink: LogSink = (line) => console.log(line);

/** Tests may redirect the sink; production writes to console (Workers Logs). */
export function setLogSink(s: LogSink): void {
  sink = s;
}

export function log(rec: LogRecord): void {
  try {
    sink(JSON.stringify(scrub(rec)));
  } catch {
    // Logging must never break a request.
  }
}
