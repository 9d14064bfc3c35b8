/**
 * Canary strings and the scans that look for them (issue 10 item 1, the canary sweep).
 *
 *   const c = makeCanaries(42);          // deterministic per seed; c.all = every identifier
 *   // c.surname 'Zorblattuvek', c.fullName 'Quenby Zorblattuvek', c.mrn 'ZQ-58213907',
 *   // c.phone '404-555-0137', c.email, c.dob, c.phrase (content, not an identifier)
 *   scanDir(profileDir, c.all)   -> { files, skipped, hits: [{file, canary, encoding, count}] }
 *   scanTrace(traceDir, c.all, { allowIn: ['egress'] })
 *                                -> { files, hits: [{file, where, canary, encoding, allowed, line?}],
 *                                     disallowed: number, allowed: number }
 *
 * scanDir looks at every regular file under `dir` (bytes, not text: LevelDB, SQLite, blobs) for
 * each canary and its variants (as written, lower case, upper case, URL-encoded) in UTF-8 and in
 * UTF-16LE (how Chromium stores many strings). Files larger than `maxBytes` (64 MiB) are not read
 * and are listed in `skipped`, never silently dropped.
 *
 * scanTrace reads a directory written by startTrace (trace.ts). requests.jsonl is scanned request
 * by request: a hit in a request's body is `where: 'body'`, a hit in its method, URL or headers is
 * `where: 'request'` (binary bodies, stored as "base64:...", are decoded first). `allowIn: ['egress']` allows hits in the BODY of egress requests only (by
 * default POST to a path ending in /v1/notes; pass `isEgress` to change that); any other entry of
 * allowIn is a file name in the trace dir whose hits are all allowed. Everything else counts in
 * `disallowed`. For identifiers the sweep should pass no allowIn at all (they may not appear even in
 * the egress payload); for content canaries (c.phrase) allowIn ['egress'].
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TraceRequest } from './trace.ts';

export interface Canaries {
  given: string;
  surname: string;
  fullName: string;
  mrn: string;
  phone: string;
  email: string;
  dob: string;
  /** a content canary (a made-up symptom phrase): may travel in the egress payload, nowhere else */
  phrase: string;
  /** every identifier above (not the phrase) */
  all: string[];
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same canaries. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'];
const VOW = ['a', 'e', 'i', 'o', 'u'];

/** Pronounceable syllables (consonant-vowel-consonant), so ASR-like text keeps them whole. */
function syllables(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += CONS[Math.floor(r() * CONS.length)]! + VOW[Math.floor(r() * VOW.length)]! + CONS[Math.floor(r() * CONS.length)]!;
  return s;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function makeCanaries(seed: number): Canaries {
  const r = rng(seed);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const given = cap(syllables(r, 2));
  const surname = `Zorblatt${syllables(r, 1)}`;
  const mrn = `ZQ-${digits(8)}`;
  const phone = `404-555-01${digits(2)}`; // 555-0100..0199: reserved for fiction
  const email = `${given.toLowerCase()}.${surname.toLowerCase()}@example.invalid`;
  const dob = `19${40 + Math.floor(r() * 50)}-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 10)}`;
  const phrase = `${syllables(r, 2)} tremor of the ${syllables(r, 1)}`;
  return { given, surname, fullName: `${given} ${surname}`, mrn, phone, email, dob, phrase, all: [`${given} ${surname}`, surname, mrn, phone, email, dob] };
}

/** The forms a canary is looked for in: as written, lower, upper, URL-encoded. */
export function variants(canary: string): string[] {
  return [...new Set([canary, canary.toLowerCase(), canary.toUpperCase(), encodeURIComponent(canary), canary.replace(/ /g, '+')])];
}

interface Needle {
  canary: string;
  encoding: 'utf8' | 'utf16le';
  bytes: Buffer;
}

function needles(canaries: readonly string[], withVariants = true): Needle[] {
  return canaries.flatMap((canary) =>
    (withVariants ? variants(canary) : [canary]).flatMap((v) => [
      { canary, encoding: 'utf8' as const, bytes: Buffer.from(v, 'utf8') },
      { canary, encoding: 'utf16le' as const, bytes: Buffer.from(v, 'utf16le') },
    ]),
  );
}

function count(buf: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) n++;
  return n;
}

export interface DirHit {
  /** path relative to the scanned dir */
  file: string;
  canary: string;
  encoding: 'utf8' | 'utf16le';
  count: number;
}

/** Hits of one buffer, one per canary and encoding (variants summed). */
function scanBuf(buf: Buffer, ns: Needle[]): Array<Omit<DirHit, 'file'>> {
  const by = new Map<string, Omit<DirHit, 'file'>>();
  for (const n of ns) {
    const c = count(buf, n.bytes);
    if (!c) continue;
    const k = `${n.canary}\0${n.encoding}`;
    const h = by.get(k) ?? { canary: n.canary, encoding: n.encoding, count: 0 };
    h.count += c;
    by.set(k, h);
  }
  return [...by.values()];
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** `variants: false` looks for the canaries exactly as given (as tests/e2e/vault.e2e.ts does). */
export function scanDir(dir: string, canaries: readonly string[], opts: { maxBytes?: number; variants?: boolean } = {}): { files: number; skipped: string[]; hits: DirHit[] } {
  const max = opts.maxBytes ?? 64 * 1024 * 1024;
  const ns = needles(canaries, opts.variants ?? true);
  const hits: DirHit[] = [];
  const skipped: string[] = [];
  let files = 0;
  for (const p of listFiles(dir)) {
    let buf: Buffer;
    try {
      if (statSync(p).size > max) {
        skipped.push(relative(dir, p));
        continue;
      }
      buf = readFileSync(p);
    } catch {
      continue; // removed while we walked (a live profile)
    }
    files++;
    for (const h of scanBuf(buf, ns)) hits.push({ file: relative(dir, p), ...h });
  }
  return { files, skipped, hits };
}

export interface TraceHit extends DirHit {
  /** 'body' / 'request' for requests.jsonl; 'file' elsewhere */
  where: 'body' | 'request' | 'file';
  /** 1-based line of the file (requests.jsonl: the request's line) */
  line?: number;
  allowed: boolean;
}

export const isNoteEgress = (r: Pick<TraceRequest, 'method' | 'url'>): boolean => {
  try {
    return r.method === 'POST' && /\/v1\/notes\/?$/.test(new URL(r.url).pathname);
  } catch {
    return false;
  }
};

export function scanTrace(
  traceDir: string,
  canaries: readonly string[],
  opts: { allowIn?: string[]; isEgress?: (r: TraceRequest) => boolean } = {},
): { files: number; hits: TraceHit[]; disallowed: number; allowed: number } {
  const allow = new Set(opts.allowIn ?? []);
  const isEgress = opts.isEgress ?? isNoteEgress;
  const ns = needles(canaries);
  const hits: TraceHit[] = [];
  let files = 0;
  for (const p of listFiles(traceDir)) {
    const file = relative(traceDir, p);
    const buf = readFileSync(p);
    files++;
    if (file === 'requests.jsonl') {
      const lines = buf.toString('utf8').split('\n');
      lines.forEach((text, i) => {
        if (!text.trim()) return;
        let r: TraceRequest;
        try {
          r = JSON.parse(text) as TraceRequest;
        } catch {
          for (const h of scanBuf(Buffer.from(text), ns)) hits.push({ file, where: 'request', line: i + 1, allowed: allow.has(file), ...h });
          return;
        }
        const { body, ...rest } = r;
        if (body) {
          const ok = allow.has(file) || (allow.has('egress') && isEgress(r));
          const bytes = body.startsWith('base64:') ? Buffer.from(body.slice(7), 'base64') : Buffer.from(body);
          for (const h of scanBuf(bytes, ns)) hits.push({ file, where: 'body', line: i + 1, allowed: ok, ...h });
        }
        for (const h of scanBuf(Buffer.from(JSON.stringify(rest)), ns)) hits.push({ file, where: 'request', line: i + 1, allowed: allow.has(file), ...h });
      });
      // bytes JSON escaping would hide (UTF-16, or text JSON-escaped as \uXXXX): scan raw too
      const raw = scanBuf(buf, ns).filter((h) => h.encoding === 'utf16le');
      for (const h of raw) hits.push({ file, where: 'file', allowed: allow.has(file), ...h });
      continue;
    }
    const perCanary = scanBuf(buf, ns);
    if (!perCanary.length) continue;
    const text = buf.toString('utf8');
    for (const h of perCanary) {
      const first = variants(h.canary)
        .map((v) => text.indexOf(v))
        .filter((x) => x >= 0)
        .sort((a, b) => a - b)[0];
      const line = first === undefined ? undefined : text.slice(0, first).split('\n').length;
      hits.push({ file, where: 'file', ...(line !== undefined ? { line } : {}), allowed: allow.has(file), ...h });
    }
  }
  return { files, hits, disallowed: hits.filter((h) => !h.allowed).length, allowed: hits.filter((h) => h.allowed).length };
}
