import { describe, expect, it } from 'vitest';
import { NoteRequest } from '../../shared/api.ts';
import type { PhiType } from '../../shared/phi-patterns.ts';
import { GUARDED_TYPES, bannerDigests, containsBannerName, findIdentifier, hashBannerToken, nameTokens } from '../../worker/src/middleware/phi-guard.ts';
import { call, captureConsole, errorCode, expectNoContent, records, visit } from './helpers.ts';

const logs = captureConsole();

// Synthetic identifiers only (555 numbers, example.com, made-up ids).
const LEAKS: Array<[string, string, string]> = [
  ['SSN', 'My social is 123-45-6789 if you need it.', '123-45-6789'],
  ['PHONE', 'Call me back at (412) 555-0147 after lunch.', '555-0147'],
  ['PHONE', 'My cell is 412.555.0199.', '412.555.0199'],
  ['EMAIL', 'Send it to pat.zqx@example.com please.', 'pat.zqx@example.com'],
  ['EMAIL', 'It is pat dot zqx at example dot com.', 'pat dot zqx'],
  ['MRN', 'The MRN on the screen says MR1934144.', 'MR1934144'],
  ['ANY', 'Medical record number 88123457 is the new one.', '88123457'],
  ['FAX', 'Their fax is 659.392.2759.', '659.392.2759'],
  ['ANY', 'The pump serial is 412-555-0147, call the device line.', '412-555-0147'],
  ['ANY', 'Member id W999830664 on the insurance card.', 'W999830664'],
  ['URL', 'The portal is https://portal.example.com/zqx for results.', 'portal.example.com'],
  ['IP', 'My router is at 192.168.14.77 if that matters.', '192.168.14.77'],
];

describe('PHI guard (422, code only)', () => {
  it.each(LEAKS)('%s left in a segment → 422 phi_detected, value not logged or echoed', async (type, text, value) => {
    const v = visit();
    (v.segments as Array<Record<string, unknown>>)[2] = { id: 's3', speaker: 'patient', t0: 10, t1: 15, text };
    const { res, json, text: body } = await call(v);
    expect(res.status).toBe(422);
    expect(errorCode(json)).toBe('phi_detected');
    const rec = records(logs).find((r) => r.event === 'request');
    if (type === 'ANY') expect(GUARDED_TYPES.has(rec?.guardRule as PhiType)).toBe(true);
    else expect(rec?.guardRule).toBe(type);
    expectNoContent([body, logs.text()], [value, text]);
  });

  it('placeholders and clinical numbers pass (doses, vitals, scores, years)', async () => {
    const texts = [
      'Call [NAME_1] at [PHONE_1], email [EMAIL_1], MRN [MRN_1], SSN [SSN_1].',
      'Blood pressure 138/86, heart rate 72, SpO2 97%, temp 98.6, A1c 7.2, PHQ-9 of 14.',
      'Metformin 500 mg twice daily, carbidopa-levodopa 25/100 three times a day.',
      'She had COVID-19 in 2021 and a flu shot in 2024. Follow up in 3-4 weeks.',
      'Pain is 7/10 today, was 4/10 last week. HbA1c 6.9, B12 low, PHQ-9 14, GAD-7 9.',
    ];
    for (const text of texts) {
      const { res } = await call(visit({ segments: [{ id: 'a1', speaker: 'patient', t0: 0, t1: 1, text }] }));
      expect(res.status).toBe(200);
    }
    expect(findIdentifier(texts)).toBeNull();
  });

  it('banner names are matched by digest only (the name itself is never sent)', async () => {
    expect(nameTokens('Sandberg, Kenji')).toEqual(['sandberg', 'kenji']);
    const digests = await Promise.all(['sandberg', 'kenji'].map(hashBannerToken));
    expect(await containsBannerName(['Nice to see you again, Mr. SANDBERG.'], digests)).toBe(true);
    expect(await containsBannerName(['Nice to see you again, [NAME_1].'], digests)).toBe(false);
    expect(await containsBannerName(['Kenji’s cough is better.'], digests)).toBe(true);
    expect(await containsBannerName(['anything'], [])).toBe(false);
    // Read from options when the contract carries `bannerNameHashes`; absent → no check.
    const req = NoteRequest.parse(visit());
    expect(bannerDigests(req)).toEqual([]);
    expect(bannerDigests({ ...req, options: { ...req.options, bannerNameHashes: digests } as typeof req.options })).toEqual(digests);
  });
});
