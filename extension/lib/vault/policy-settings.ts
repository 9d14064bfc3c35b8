import type { EffectivePolicy } from '../policy/index.ts';
import type { LiveVaultSettings } from './vault.ts';

/**
 * The vault settings an effective policy sets, in one place for both users: the offscreen
 * document's vault (`VisitFlow.applyPolicy` → `Vault.reconfigure`) and the service worker's purge
 * hooks (`installBackgroundVaultHooks`), so the two cannot disagree on a retention or a TTL.
 */
export function vaultSettingsFromPolicy(p: EffectivePolicy): Required<LiveVaultSettings> {
  return {
    idleLockMs: p.idleLockMinutes * 60_000,
    draftTtlMs: p.draftRetentionHours * 3_600_000,
    approvedTtlMs: p.approvedRetentionHours * 3_600_000,
    auditTtlMs: p.auditRetentionDays * 86_400_000,
    pinMinLength: p.pinMinLength,
    wipeAfterFailures: p.pinWipeAfterFailures === 0 ? null : p.pinWipeAfterFailures,
  };
}

/** Policy keys whose change means the service worker's purge hooks must be installed again. */
export const HOOK_POLICY_KEYS: readonly (keyof EffectivePolicy)[] = ['idleLockMinutes', 'draftRetentionHours', 'approvedRetentionHours', 'auditRetentionDays'];
