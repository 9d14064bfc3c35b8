import { z } from 'zod';
import { DEFAULT_APPROVED_TTL_MS, DEFAULT_DRAFT_TTL_MS, MAX_SEGMENTS_PER_PAGE, SEGMENTS_PER_PAGE } from '../db/schema.ts';
import { PBKDF2_MIN_PRODUCTION_ITERATIONS } from './crypto.ts';

const Ms = z.number().int().positive().max(10 * 365 * 24 * 3600_000);

/**
 * Vault settings. Policy (chrome.storage.managed, parsed by lib/policy) supplies the idle lock and
 * retention figures later; until then these defaults hold. Unknown keys are rejected.
 */
export const VaultConfig = z
  .object({
    /** PBKDF2-SHA256 iterations for new wraps. Below 600,000 only with unsafeTestKdf. */
    kdfIterations: z.number().int().positive().default(PBKDF2_MIN_PRODUCTION_ITERATIONS),
    /** Set only by unit tests and benches so they can use a cheap KDF. */
    unsafeTestKdf: z.boolean().default(false),
    /** Auto-lock after this long without a vault call (default 5 minutes). */
    idleLockMs: Ms.default(5 * 60_000),
    /** Unapproved drafts expire this long after creation (default 24 h). */
    draftTtlMs: Ms.default(DEFAULT_DRAFT_TTL_MS),
    /** Approved visits expire this long after approval (default 72 h). */
    approvedTtlMs: Ms.default(DEFAULT_APPROVED_TTL_MS),
    /**
     * Audit entries (codes + ids, no content) are kept this long: default 2190 days (6 years, HIPAA
     * documentation retention), the same as the policy key auditRetentionDays' default, so a purge
     * that runs before the policy is read deletes nothing an admin expects kept.
     */
    auditTtlMs: Ms.default(2190 * 24 * 3600_000),
    /** PIN/passphrase length bounds (characters, after NFKC). */
    pinMinLength: z.number().int().min(4).max(64).default(6),
    pinMaxLength: z.number().int().min(8).max(1024).default(256),
    /** Wrong PINs allowed before back-off starts. */
    backoffFreeAttempts: z.number().int().nonnegative().max(10).default(3),
    /** First back-off delay; doubles with each further failure up to backoffMaxMs. */
    backoffBaseMs: Ms.default(5_000),
    backoffMaxMs: Ms.default(15 * 60_000),
    /** Destroy the vault after this many consecutive wrong PINs (null: never). Set from policy key pinWipeAfterFailures (0 = null). */
    wipeAfterFailures: z.number().int().min(5).nullable().default(null),
    /** Segments per sealed page (and loose writes between automatic page appends). Tests use a small one. */
    segmentsPerPage: z.number().int().min(2).max(MAX_SEGMENTS_PER_PAGE).default(SEGMENTS_PER_PAGE),
    /** Unwrapped visit keys kept in memory while unlocked (LRU); bounds memory for 10k visits. */
    visitKeyCacheSize: z.number().int().min(1).max(10_000).default(64),
  })
  .strict()
  .refine((c) => c.unsafeTestKdf || c.kdfIterations >= PBKDF2_MIN_PRODUCTION_ITERATIONS, {
    message: 'kdf_iterations_below_minimum',
    path: ['kdfIterations'],
  });
export type VaultConfig = z.output<typeof VaultConfig>;
export type VaultConfigInput = z.input<typeof VaultConfig>;

/** Delay before the next PIN attempt after `failures` consecutive wrong PINs. */
export function backoffDelayMs(failures: number, c: Pick<VaultConfig, 'backoffFreeAttempts' | 'backoffBaseMs' | 'backoffMaxMs'>): number {
  if (failures <= c.backoffFreeAttempts) return 0;
  const exp = Math.min(failures - c.backoffFreeAttempts - 1, 30);
  return Math.min(c.backoffMaxMs, c.backoffBaseMs * 2 ** exp);
}
