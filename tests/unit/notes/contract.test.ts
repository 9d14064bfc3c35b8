import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  ERROR_STATUS,
  ErrorCode,
  LIMITS,
  NoteRequest,
  NoteResponse,
  TEMPLATE_IDS,
  apiError,
} from '../../../shared/api.ts';

const seg = (id: string, text = 'Synthetic text.', extra: Record<string, unknown> = {}) => ({
  id,
  speaker: 'clinician',
  t0: 0,
  t1: 1,
  text,
  ...extra,
});
const req = (over: Record<string, unknown> = {}) => ({
  visitId: 'visit-1',
  template: 'soap',
  segments: [seg('s1'), seg('s2')],
  ...over,
});

describe('NoteRequest', () => {
  it('accepts a minimal valid request and defaults options', () => {
    const r = NoteRequest.safeParse(req());
    expect(r.success).toBe(true);
    expect(r.data?.options).toEqual({});
  });

  it('accepts every template id and no other', () => {
    for (const t of TEMPLATE_IDS) expect(NoteRequest.safeParse(req({ template: t })).success).toBe(true);
    expect(NoteRequest.safeParse(req({ template: 'discharge' })).success).toBe(false);
  });

  it('rejects unknown keys at every level', () => {
    expect(NoteRequest.safeParse(req({ prompt: 'x' })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1', 't', { role: 'system' })] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ options: { temperature: 1 } })).success).toBe(false);
    const proto = JSON.parse('{"visitId":"v","template":"soap","segments":[{"id":"s1","speaker":"patient","t0":0,"t1":1,"text":"t"}],"__proto__":{"x":1}}') as unknown;
    expect(NoteRequest.safeParse(proto).success).toBe(false);
    const protoless = JSON.parse('{"visitId":"v","template":"soap","segments":[{"id":"s1","speaker":"patient","t0":0,"t1":1,"text":"t"}]}') as unknown;
    expect(NoteRequest.safeParse(protoless).success).toBe(true);
  });

  it('enforces bounds on counts, lengths and ids', () => {
    expect(NoteRequest.safeParse(req({ segments: [] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1', 'x'.repeat(LIMITS.maxSegmentChars + 1))] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1', 'x'.repeat(LIMITS.maxSegmentChars))] })).success).toBe(true);
    const many = Array.from({ length: LIMITS.maxSegments + 1 }, (_, i) => seg(`s${i}`, 'a'));
    expect(NoteRequest.safeParse(req({ segments: many })).success).toBe(false);
    const tooLong = Array.from({ length: 200 }, (_, i) => seg(`s${i}`, 'y'.repeat(LIMITS.maxSegmentChars)));
    expect(NoteRequest.safeParse(req({ segments: tooLong })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ visitId: 'has space' })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('bad/id')] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1'), seg('s1')] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1', 't', { t0: 5, t1: 2 })] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1', 't', { t0: Number.NaN })] })).success).toBe(false);
    expect(NoteRequest.safeParse(req({ segments: [seg('s1', 't', { speaker: 'system' })] })).success).toBe(false);
  });

  it('reports failures by path only, never by value', () => {
    const secret = 'Synthetic Secretname 555-0100';
    const r = NoteRequest.safeParse(req({ segments: [seg('s1', secret, { speaker: secret })] }));
    expect(r.success).toBe(false);
    const body = apiError('bad_request', 'req-1', r.error?.issues.map((i) => i.path) ?? []);
    expect(ApiError.safeParse(body).success).toBe(true);
    expect(JSON.stringify(body)).not.toContain('Secretname');
    expect(body.error.fields?.[0]).toEqual(['segments', 0, 'speaker']);
  });

  it('property: any well-formed request parses; any extra top-level key is rejected', () => {
    const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    const segArb = fc.record({
      speaker: fc.constantFrom('clinician', 'patient', 'family', 'remote', 'speaker1', 'speaker2', 'unlabelled'),
      t0: fc.double({ min: 0, max: 1000, noNaN: true }),
      dt: fc.double({ min: 0, max: 60, noNaN: true }),
      text: fc.string({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(idArb, fc.constantFrom(...TEMPLATE_IDS), fc.array(segArb, { minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 10 }), (visitId, template, segs, key) => {
        const body = {
          visitId,
          template,
          segments: segs.map((s, i) => ({ id: `s${i}`, speaker: s.speaker, t0: s.t0, t1: s.t0 + s.dt, text: s.text })),
        };
        expect(NoteRequest.safeParse(body).success).toBe(true);
        if (!['visitId', 'template', 'segments', 'options'].includes(key)) {
          expect(NoteRequest.safeParse({ ...body, [key]: 1 }).success).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('NoteResponse and ApiError', () => {
  const good = {
    note: { sections: [{ key: 'plan', title: 'Plan', statements: [{ text: 'Physical therapy referral.', evidence: ['s1'] }] }] },
    provider: 'extractor',
    timings: { totalMs: 3, providerMs: 2 },
  };

  it('accepts a valid response and rejects statements without evidence or unknown keys', () => {
    expect(NoteResponse.safeParse(good).success).toBe(true);
    const noEvidence = structuredClone(good);
    noEvidence.note.sections[0]!.statements[0]!.evidence = [];
    expect(NoteResponse.safeParse(noEvidence).success).toBe(false);
    expect(NoteResponse.safeParse({ ...good, debug: true }).success).toBe(false);
    expect(NoteResponse.safeParse({ ...good, provider: 'gpt' }).success).toBe(false);
  });

  it('error codes are a closed list, each with an HTTP status', () => {
    for (const code of ErrorCode.options) {
      expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(ApiError.safeParse(apiError(code, 'r1')).success).toBe(true);
    }
    expect(ApiError.safeParse({ error: { code: 'oops', requestId: 'r1' } }).success).toBe(false);
    expect(ApiError.safeParse({ error: { code: 'internal', requestId: 'r1', message: 'x' } }).success).toBe(false);
  });

  it('apiError never lets a value through a field path or request id', () => {
    const body = apiError('bad_request', 'not a valid id!', [['segments', 3, 'John Example'], [Symbol('x')]]);
    expect(body.error.requestId).toBe('unknown');
    expect(body.error.fields).toEqual([['segments', 3, '_'], ['_']]);
  });
});
