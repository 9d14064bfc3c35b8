import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256HexSync } from '../../../extension/lib/audit/sha256.ts';
import { toHex } from '../../../extension/lib/audit/chain.ts';

describe('sha256HexSync', () => {
  it('matches FIPS 180-4 test vectors', () => {
    const t = (s: string) => sha256HexSync(new TextEncoder().encode(s));
    expect(t('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(t('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(t('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('long inputs grow the scratch buffer; short ones after them are unaffected by leftovers', async () => {
    for (const n of [5000, 3, 64, 1500, 0, 55, 56]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
      const ref = toHex(await crypto.subtle.digest('SHA-256', bytes));
      expect(sha256HexSync(bytes), String(n)).toBe(ref);
    }
  });

  it('matches WebCrypto on random inputs (all lengths around block boundaries)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const ref = toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
        expect(sha256HexSync(bytes)).toBe(ref);
      }),
      { numRuns: 500 },
    );
  });
});
