/**
 * The extension's only logger. A log line is a code from a closed list plus numbers, booleans and
 * opaque ids — its type has no field that could carry a transcript, a note or a name
 * (DESIGN.md: "Log ids, counts, sizes, timings, codes").
 */
export type LogValue = number | boolean | null;
export type LogFields = Readonly<Record<string, LogValue>>;

/** Ids are opaque tokens (uuid-like); anything else is dropped, never printed. */
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export type LogLevel = 'info' | 'warn' | 'error';

export function log(level: LogLevel, code: string, fields: LogFields = {}, id?: string): void {
  const line: Record<string, unknown> = { level, code: /^[a-z0-9_.:-]{1,64}$/i.test(code) ? code : 'invalid_code' };
  if (id !== undefined && ID_RE.test(id)) line.id = id;
  for (const [k, v] of Object.entries(fields)) {
    if (!/^[a-zA-Z0-9_]{1,40}$/.test(k)) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) line[k] = v;
  }
  const text = JSON.stringify(line);
  if (level === 'error') console.error(text);
  else if (level === 'warn') console.warn(text);
  else console.info(text);
}
