/**
 * WebCrypto primitives for the vault. AES-GCM-256 everywhere (NIST SP 800-38D): a fresh random
 * 96-bit IV per seal, the record's table and id bound in as additional authenticated data so a
 * ciphertext copied to another record or table fails authentication. Keys are CryptoKey objects;
 * the only extractable keys are freshly generated ones, which live for one function call while
 * they are wrapped (see vault.design.md, "Key lifetimes").
 */
import { VaultError } from './errors.ts';

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** AES-GCM IV length: 96 bits, the length GCM is specified for (SP 800-38D §8.2). */
export const IV_BYTES = 12;
export const SALT_BYTES = 16;
/** OWASP Password Storage Cheat Sheet (2023+) figure for PBKDF2-HMAC-SHA256. Never lower it. */
export const PBKDF2_MIN_PRODUCTION_ITERATIONS = 600_000;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** A copy whose buffer is a plain ArrayBuffer (WebCrypto's BufferSource in TS 5.9 wants that). */
export function bytes(u: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(u.byteLength);
  out.set(u);
  return out;
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

export function utf8(s: string): Uint8Array<ArrayBuffer> {
  return bytes(enc.encode(s));
}

export function fromUtf8(u: Uint8Array): string {
  return dec.decode(u);
}

/**
 * The binding of a ciphertext to where it lives. NUL separates the parts; ids are validated to
 * be NUL-free tokens by the schemas, so the encoding is unambiguous.
 */
export function aad(table: string, ...ids: readonly string[]): Uint8Array<ArrayBuffer> {
  return utf8(['scribe-vault/v1', table, ...ids].join('\u0000'));
}

export interface Sealed {
  readonly iv: Uint8Array;
  readonly ct: Uint8Array;
}

export async function seal(key: CryptoKey, ad: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>): Promise<Sealed> {
  const iv = randomBytes(IV_BYTES);
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: ad, tagLength: 128 }, key, plain);
  return { iv, ct: new Uint8Array(ct) };
}

/** Opens a sealed value; any failure (tag, IV, binding, wrong key) is INTEGRITY. */
export async function open(key: CryptoKey, ad: Uint8Array<ArrayBuffer>, s: Sealed): Promise<Uint8Array<ArrayBuffer>> {
  if (s.iv.byteLength !== IV_BYTES) throw new VaultError('INTEGRITY');
  try {
    const pt = await subtle().decrypt({ name: 'AES-GCM', iv: bytes(s.iv), additionalData: ad, tagLength: 128 }, key, bytes(s.ct));
    return new Uint8Array(pt);
  } catch {
    throw new VaultError('INTEGRITY');
  }
}

/** PIN → key-encryption key. Non-extractable; usable only to wrap/unwrap the vault key. */
export async function deriveKek(pin: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  // NFKC so the same PIN typed on different keyboards/IMEs derives the same key.
  const base = await subtle().importKey('raw', utf8(pin.normalize('NFKC')), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: bytes(salt), iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['wrapKey', 'unwrapKey'],
  );
}

/** A fresh AES-GCM-256 key, extractable only so it can be wrapped once; see unwrapAesKey. */
export async function generateWrappableKey(usages: KeyUsage[]): Promise<CryptoKey> {
  return subtle().generateKey({ name: 'AES-GCM', length: 256 }, true, usages);
}

export async function wrapAesKey(key: CryptoKey, wrapping: CryptoKey, ad: Uint8Array<ArrayBuffer>): Promise<Sealed> {
  const iv = randomBytes(IV_BYTES);
  const ct = await subtle().wrapKey('raw', key, wrapping, { name: 'AES-GCM', iv, additionalData: ad, tagLength: 128 });
  return { iv, ct: new Uint8Array(ct) };
}

/**
 * Unwraps an AES-GCM-256 key. `extractable` is false everywhere except the one moment a PIN
 * change needs to re-wrap the vault key. A failed tag is INTEGRITY (the caller maps it to
 * WRONG_PIN where the wrapping key came from a PIN).
 */
export async function unwrapAesKey(
  wrapped: Sealed,
  unwrapping: CryptoKey,
  ad: Uint8Array<ArrayBuffer>,
  usages: KeyUsage[],
  extractable = false,
): Promise<CryptoKey> {
  if (wrapped.iv.byteLength !== IV_BYTES) throw new VaultError('INTEGRITY');
  try {
    return await subtle().unwrapKey(
      'raw',
      bytes(wrapped.ct),
      unwrapping,
      { name: 'AES-GCM', iv: bytes(wrapped.iv), additionalData: ad, tagLength: 128 },
      { name: 'AES-GCM', length: 256 },
      extractable,
      usages,
    );
  } catch {
    throw new VaultError('INTEGRITY');
  }
}
