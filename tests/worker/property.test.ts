import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, NoteResponse } from '../../shared/api.ts';
import { call, captureConsole, TOKEN, visit } from './helpers.ts';

const logs = captureConsole();
const S = 'ZQXp'; // sentinel carried by every generated string

const sText = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `${S}${s}`);
const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => (typeof v === 'string' ? `${S}${v}` : v));

type Body = { kind: 'raw'; body: string } | { kind: 'json'; body: unknown };

/** Mutations of a valid request that each make it invalid. */
const mutated: fc.Arbitrary<Body> = fc
  .tuple(
    fc.constantFrom('dropKey', 'badValue', 'extraKey', 'badSegment', 'extraSegKey', 'hugeText', 'badTemplate', 'badId', 'emptySegments', 'negativeTime', 'badOption'),
    fc.constantFrom('visitId', 'template', 'segments'),
    anyJson,
    sText,
    fc.nat({ max: 4 }),
  )
  .map(([m, key, val, txt, i]) => {
    const v: Record<string, unknown> = visit();
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
    }
    return { kind: 'json', body: v };
  });

/** Raw bodies: truncated JSON, random JSON values, random text. */
const raw: fc.Arbitrary<Body> = fc.oneof(
  fc.tuple(fc.nat({ max: 400 }), sText).map(([n, t]) => {
    const v = visit();
    (v.segments as Array<Record<string, unknown>>)[0]!.text = t;
    const s = JSON.stringify(v);
    return { kind: 'raw' as const, body: s.slice(0, Math.min(n, s.length - 1)) };
  }),
  anyJson.map((j) => ({ kind: 'json' as const, body: j })),
  sText.map((t) => ({ kind: 'raw' as const, body: t })),
);

const headersArb = fc.record({
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', '', 'application/jsonx'),
  auth: fc.constantFrom('ok', 'ok', 'ok', 'none', 'bad'),
});

const KNOWN = new Set(['visitId', 'template', 'segments', 'options', 'id', 'speaker', 't0', 't1', 'text', 'provider', 'language', 'omitEmptySections', '_']);

describe('property: malformed requests', () => {
  it('1,000 malformed requests: 0 5xx, closed error bodies, no content echoed or logged', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, raw), headersArb, async (b, h) => {
        n++;
        logs.lines.length = 0;
        const body = b.kind === 'raw' ? b.body : JSON.stringify(b.body) ?? 'null';
        const headers: Record<string, string> = h.contentType === '' ? {} : { 'content-type': h.contentType };
        const { res, json, text } = await call(body, { token: h.auth === 'ok' ? TOKEN : h.auth === 'bad' ? `${S}bad-token` : null, headers });
        expect(res.status).toBeLessThan(500);
        if (res.status === 200) {
          expect(NoteResponse.safeParse(json).success).toBe(true);
          return;
        }
        const err = ApiError.safeParse(json);
        expect(err.success).toBe(true);
        for (const path of err.data?.error.fields ?? []) for (const k of path) if (typeof k === 'string') expect(KNOWN.has(k)).toBe(true);
        expect(text.includes(S)).toBe(false);
        expect(logs.text().includes(S)).toBe(false);
      }),
      { numRuns: 1000 },
    );
    expect(n).toBeGreaterThanOrEqual(1000);
  });
});
