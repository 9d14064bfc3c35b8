/**
 * fast-check generators of malformed note-API requests, shared by tests/worker/property.test.ts
 * (inside workerd) and bench/security.ts (Node). Runtime-neutral: no Node or Workers imports.
 *
 * Every generated string carries the sentinel S, so "content echoed" is one substring search over
 * the response (body and headers) and the captured logs.
 */
import fc from 'fast-check';

export const S = 'ZQXp';

export const sText = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `${S}${s}`);
const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => (typeof v === 'string' ? `${S}${v}` : v));

/** A small valid visit (placeholders only) with sentinel-free texts. */
export function validVisit(): Record<string, unknown> {
  return {
    visitId: 'visit-prop-1',
    template: 'soap',
    segments: [
      { id: 's1', speaker: 'clinician', t0: 0, t1: 4, text: 'Good morning [NAME_1], what brings you in today?' },
      { id: 's2', speaker: 'patient', t0: 4, t1: 10, text: 'I have had a dry cough for two weeks and a mild fever.' },
      { id: 's3', speaker: 'clinician', t0: 10, t1: 15, text: 'Are you taking any medications?' },
      { id: 's4', speaker: 'patient', t0: 15, t1: 20, text: 'Lisinopril 10 mg once daily. I am allergic to penicillin.' },
      { id: 's5', speaker: 'clinician', t0: 20, t1: 30, text: 'Blood pressure 128 over 82. Acute bronchitis. Rest, fluids, follow up in two weeks.' },
    ],
  };
}

export type FuzzBody = { kind: 'raw'; body: string } | { kind: 'json'; body: unknown };

const MUTATIONS = [
  'dropKey',
  'badValue',
  'extraKey',
  'badSegment',
  'extraSegKey',
  'hugeText',
  'badTemplate',
  'badId',
  'emptySegments',
  'negativeTime',
  'badOption',
  'protoKey',
  'dupIds',
  'loneSurrogate',
  'bigNumber',
  'tooManySegments',
  'sentinelSegment',
] as const;

/** Mutations of a valid request; most make it invalid, some stay valid (then a note is fine). */
export const mutated: fc.Arbitrary<FuzzBody> = fc
  .tuple(fc.constantFrom(...MUTATIONS), fc.constantFrom('visitId', 'template', 'segments', 'options'), anyJson, sText, fc.nat({ max: 4 }))
  .map(([m, key, val, txt, i]): FuzzBody => {
    const v: Record<string, unknown> = validVisit();
    const segs = v.segments as Array<Record<string, unknown>>;
    const seg = segs[i]!;
    switch (m) {
      case 'dropKey':
        delete v[key];
        break;
      case 'badValue':
        v[key] = typeof val === 'object' && val !== null && !Array.isArray(val) ? val : [val, txt];
        break;
      case 'extraKey':
        v[txt.replace(/[^A-Za-z0-9]/g, '') || `${S}k`] = val;
        break;
      case 'badSegment':
        segs[i] = { id: seg.id, speaker: txt, t0: 0, t1: 1, text: txt };
        break;
      case 'extraSegKey':
        seg[`${S}key`] = txt;
        break;
      case 'hugeText':
        seg.text = `${txt} `.repeat(Math.ceil(4100 / (txt.length + 1)));
        break;
      case 'badTemplate':
        v.template = txt;
        break;
      case 'badId':
        seg.id = `${txt} !`;
        seg.text = txt;
        break;
      case 'emptySegments':
        v.segments = [];
        v.visitId = txt;
        break;
      case 'negativeTime':
        seg.t0 = -1;
        seg.text = txt;
        break;
      case 'badOption':
        v.options = { provider: txt };
        break;
      case 'protoKey':
        // a literal "__proto__" key survives only in raw JSON text, so build the body as text
        return { kind: 'raw', body: JSON.stringify(v).replace(/^\{/, `{"__proto__":{"polluted":${JSON.stringify(txt)}},`) };
      case 'dupIds':
        seg.id = 's1';
        seg.text = txt;
        if (i === 0) segs[1]!.id = 's1';
        break;
      case 'loneSurrogate':
        seg.text = `${txt}\ud800`;
        break;
      case 'bigNumber':
        return { kind: 'raw', body: JSON.stringify({ ...v, segments: [{ ...seg, text: txt }] }).replace(/"t1":[0-9.]+/, '"t1":1e309') };
      case 'tooManySegments':
        v.segments = Array.from({ length: 5_001 }, (_, k) => ({ id: `x${k}`, speaker: 'patient', t0: 0, t1: 0, text: k === 0 ? txt : '' }));
        break;
      case 'sentinelSegment':
        // valid, sentinel in the text: a 200 note may quote it (that is the product working), so
        // callers check echoes on refusals and in logs only.
        seg.text = txt;
        break;
    }
    return { kind: 'json', body: v };
  });

/** Raw bodies: truncated JSON, random JSON values, random text, deep nesting. */
export const raw: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.tuple(fc.nat({ max: 400 }), sText).map(([n, t]): FuzzBody => {
    const v = validVisit();
    (v.segments as Array<Record<string, unknown>>)[0]!.text = t;
    const s = JSON.stringify(v);
    return { kind: 'raw', body: s.slice(0, Math.min(n, s.length - 1)) };
  }),
  anyJson.map((j): FuzzBody => ({ kind: 'json', body: j })),
  sText.map((t): FuzzBody => ({ kind: 'raw', body: t })),
  fc.tuple(fc.integer({ min: 50, max: 3_000 }), sText).map(([d, t]): FuzzBody => ({ kind: 'raw', body: `${'['.repeat(d)}"${t}"${']'.repeat(d)}` })),
);

export const headersArb = fc.record({
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', '', 'application/jsonx', `application/json; ${S}=1`),
  auth: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'none', 'bad', 'malformed'),
  origin: fc.constantFrom('none', 'none', 'none', 'allowed', 'foreign'),
  requestId: fc.boolean(),
});

/** Method and path: mostly POST /v1/notes, sometimes anything else (with the sentinel in the query). */
export const targetArb: fc.Arbitrary<{ method: string; path: string }> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ method: 'POST', path: '/v1/notes' }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.constantFrom('/v1/notes', '/v1/health', `/v1/${S}`, `/v1/notes?q=${S}`)).map(([method, path]) => ({ method, path })) },
  { weight: 1, arbitrary: fc.constantFrom('/v1/notes/', `/v1/notes/${S}`, `/${S}`, '/v1/notes?x=1', `/v1/notes#${S}`).map((path) => ({ method: 'POST', path })) },
);

export const requestArb = fc.record({ body: fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 2, arbitrary: raw }), headers: headersArb, target: targetArb });
export type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

/** Turn a generated case into a fetch Request for `base` (e.g. https://api.test). */
export function toRequest(c: FuzzRequest, base: string, tokens: { ok: string }, allowedOrigin: string): Request {
  const headers: Record<string, string> = {};
  if (c.headers.contentType !== '') headers['content-type'] = c.headers.contentType;
  if (c.headers.auth === 'ok') headers.authorization = `Bearer ${tokens.ok}`;
  else if (c.headers.auth === 'bad') headers.authorization = `Bearer ${S}bad-token`;
  else if (c.headers.auth === 'malformed') headers.authorization = `Basic ${S}`;
  if (c.headers.origin === 'allowed') headers.origin = allowedOrigin;
  else if (c.headers.origin === 'foreign') headers.origin = `https://${S.toLowerCase()}.example`;
  if (c.headers.requestId) headers['x-request-id'] = `${S}-rid`;
  const body = c.body.kind === 'raw' ? c.body.body : (JSON.stringify(c.body.body) ?? 'null');
  const init: RequestInit = { method: c.target.method, headers };
  if (c.target.method !== 'GET' && c.target.method !== 'HEAD') init.body = body;
  return new Request(`${base}${c.target.path}`, init);
}

/** Field-path keys the API may name in an error (the contract's own keys, or "_"). */
export const KNOWN_FIELD_KEYS = new Set(['visitId', 'template', 'segments', 'options', 'id', 'speaker', 't0', 't1', 'text', 'provider', 'language', 'omitEmptySections', '_']);

/** Content echoed: the sentinel in the response body or any response header. */
export function echoes(res: Response, text: string): boolean {
  if (text.includes(S)) return true;
  for (const [, v] of res.headers) if (v.includes(S)) return true;
  return false;
}
