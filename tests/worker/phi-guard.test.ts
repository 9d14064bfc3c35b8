import { describe, expect, it } from 'vitest';
import { NoteRequest } from '../../shared/api.ts';
import type { PhiType } from '../../shared/phi-patterns.ts';
import { MAX_BANNER_NAME_HASHES, bannerNameHashes } from '../../shared/banner-hash.ts';
import { bannerDigests, containsBannerName, findIdentifier, hashBannerToken, nameTokens } from '../../worker/src/middleware/phi-guard.ts';
import { GUARDED_TYPES } from '../../shared/phi-patterns.ts';
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
    // Read from options (`bannerNameHashes` in the contract); absent → no check.
    const req = NoteRequest.parse(visit());
    expect(bannerDigests(req)).toEqual([]);
    expect(bannerDigests(NoteRequest.parse(visit({ options: { bannerNameHashes: digests } })))).toEqual(digests);
  });
});

// The extension's helper (shared/banner-hash.ts) and the guard agree, here inside workerd.
describe('bannerNameHashes (the extension helper) and the guard', () => {
  // sha256("scribe-banner-v1:" + token), computed independently with Node's crypto.
  const SANDBERG = '811e34eb812722975851a88d8f7a8074085baa5c6b2a824cb7361f5bd166d270';
  const KENJI = '22057c339126e4dd4fd8128d0999c31fb336d8c405988d713ca177d90097854d';
  const JOSE = 'd70589f0ad5d5d5fd6c234811410ef3af7ef63bc8bb7d01780eb7eae1c12aea1';
  const NUNEZ = 'abc62126445bfa960f6bf92795361605f304a7e5aaa84ba9814f808fa6d6ce93';

  it('hashes the normalised name tokens: lowercase hex, distinct, bounded, everyday words left out', async () => {
    expect(await bannerNameHashes('Sandberg, Kenji')).toEqual([SANDBERG, KENJI]);
    expect(await bannerNameHashes('  SANDBERG,  kenji  Sandberg ')).toEqual([SANDBERG, KENJI]);
    // Diacritics fold (NFKD, marks dropped) so an ASR's "Jose Nunez" matches "José Núñez".
    expect(await bannerNameHashes('Núñez, José')).toEqual([NUNEZ, JOSE]);
    expect(await bannerNameHashes('Will May')).toEqual([]);
    expect(await bannerNameHashes('')).toEqual([]);
    const many = await bannerNameHashes(Array.from({ length: 60 }, (_, i) => `zq${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`).join(' '));
    expect(many.length).toBe(MAX_BANNER_NAME_HASHES);
    for (const h of many) expect(h).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a transcript that still holds a declared name → 422 phi_detected, BANNER_NAME, name never logged or echoed', async () => {
    const bannerNameHashesOpt = await bannerNameHashes('Sandberg, Kenji');
    for (const text of ['Nice to see you again, Mr. Sandberg.', 'KENJI has had a cough.', 'Kenji’s cough is better.']) {
      const v = visit({ options: { bannerNameHashes: bannerNameHashesOpt } });
      (v.segments as Array<Record<string, unknown>>)[0] = { id: 's1', speaker: 'clinician', t0: 0, t1: 4, text };
      const { res, json, text: body } = await call(v);
      expect(res.status).toBe(422);
      expect(errorCode(json)).toBe('phi_detected');
      expect(records(logs).find((r) => r.event === 'request')?.guardRule).toBe('BANNER_NAME');
      expectNoContent([body, logs.text()], ['Sandberg', 'Kenji', 'sandberg', 'kenji', SANDBERG, KENJI, text]);
    }
    const accented = visit({ options: { bannerNameHashes: await bannerNameHashes('Núñez, José') } });
    (accented.segments as Array<Record<string, unknown>>)[1] = { id: 's2', speaker: 'patient', t0: 4, t1: 10, text: 'This is Jose Nunez calling back.' };
    expect((await call(accented)).res.status).toBe(422);
  });

  it('declared names absent (placeholders instead) → 200; malformed digests → 400 with the field path only', async () => {
    const ok = await call(visit({ options: { bannerNameHashes: await bannerNameHashes('Sandberg, Kenji') } }));
    expect(ok.res.status).toBe(200);
    const tooMany = Array.from({ length: MAX_BANNER_NAME_HASHES + 1 }, () => SANDBERG);
    for (const bad of [tooMany, [SANDBERG.toUpperCase()], ['sandberg'], [SANDBERG.slice(1)], 'x']) {
      const { res, json, text } = await call(visit({ options: { bannerNameHashes: bad } }));
      expect(res.status).toBe(400);
      expect(errorCode(json)).toBe('bad_request');
      const fields = (json as { error: { fields: unknown[][] } }).error.fields;
      expect(fields.some((f) => f[0] === 'options' && f[1] === 'bannerNameHashes')).toBe(true);
      expectNoContent([text, logs.text()], [SANDBERG, 'sandberg']);
    }
  });
});
