/**
 * The vault's closed error vocabulary. A VaultError carries a code and, at most, a retry delay —
 * its message is the code itself, so nothing a caller logs or rethrows can carry content
 * (DESIGN.md: "Log ids, counts, sizes, timings, codes").
 */
export const VAULT_ERROR_CODES = [
  /** No vault exists yet: call setup(pin). */
  'NOT_INITIALIZED',
  /**
   * This unlock was the last wrong PIN policy allows (`wipeAfterFailures`): the vault was destroyed
   * (every visit, key and its trail) and is now NOT_INITIALIZED. Only the wiping call gets it.
   */
  'WIPED',
  /** setup() on a vault that already exists. */
  'ALREADY_INITIALIZED',
  /** The vault is locked: unlock(pin) first. Nothing was read or written. */
  'LOCKED',
  /** The PIN did not unwrap the vault key. Nothing was decrypted. */
  'WRONG_PIN',
  /** Too many wrong PINs: wait retryAfterMs before the next attempt (persisted across restarts). */
  'BACKOFF',
  /** The PIN is too short/long for policy. */
  'PIN_POLICY',
  /** A ciphertext, IV, wrapped key or its binding (table, id) failed authentication. */
  'INTEGRITY',
  /** The record or visit does not exist (or was deleted / purged). */
  'NOT_FOUND',
  /** The visit's data key is gone (crypto-shredded): leftover ciphertext is unreadable. */
  'SHREDDED',
  /** A stored record did not match its schema (corruption or an unknown version). */
  'CORRUPT',
  /** An argument did not match its schema. */
  'INVALID_INPUT',
  /** IndexedDB refused the operation (quota, closed database, aborted transaction). */
  'STORAGE',
] as const;
export type VaultErrorCode = (typeof VAULT_ERROR_CODES)[number];

export class VaultError extends Error {
  readonly code: VaultErrorCode;
  /** Only for BACKOFF / WRONG_PIN: how long until the next PIN attempt is accepted. */
  readonly retryAfterMs: number | undefined;

  constructor(code: VaultErrorCode, retryAfterMs?: number) {
    // The message is the code: never interpolate ids or content into it.
    super(code);
    this.name = 'VaultError';
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export function isVaultError(e: unknown): e is VaultError {
  return e instanceof VaultError;
}

/**
 * Maps anything thrown below the vault (Dexie, IndexedDB, WebCrypto) to a VaultError without
 * copying its message (a DOMException message could in principle echo a key path or value).
 */
export function toVaultError(e: unknown, fallback: VaultErrorCode = 'STORAGE'): VaultError {
  if (e instanceof VaultError) return e;
  return new VaultError(fallback);
}
