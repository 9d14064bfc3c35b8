/**
 * The vault's public surface. The offscreen document hosts one Vault (see vault.design.md);
 * other contexts talk to it through ./protocol.ts.
 */
export { Vault, systemClock, JsonContent, AuditEvent } from './vault.ts';
export type { Clock, VisitSummary, AuditEntry, LockReason, VaultStatus } from './vault.ts';
export { VaultConfig, backoffDelayMs } from './config.ts';
export type { VaultConfigInput } from './config.ts';
export { VaultError, isVaultError, VAULT_ERROR_CODES } from './errors.ts';
export type { VaultErrorCode } from './errors.ts';
export { purgeExpiredRows, deleteVisitRows, expiryOf } from './retention.ts';
export type { PurgeResult, RetentionPolicy } from './retention.ts';
export { VaultDb, DB_NAME, DB_VERSION } from '../db/schema.ts';
export {
  VaultClient,
  VaultCommand,
  VaultReply,
  VaultLockedEvent,
  VAULT_COMMAND_SCHEMAS,
  VAULT_RESULTS,
  handleVaultCommand,
  vaultHandlers,
  vaultCommandAllowedFrom,
  VAULT_SENDER_PAGES,
  DESTROY_VAULT,
  DELETE_ALL_VISITS,
} from './protocol.ts';
export type { VaultCommandName, VaultResult } from './protocol.ts';
export { startVaultHost, installBackgroundVaultHooks, PURGE_ALARM } from './host.ts';
export type { VaultHost, BackgroundVaultHooks, IdleApi, AlarmsApi, StartupApi } from './host.ts';
export { VaultAuditStore } from './audit-store.ts';
