/** Tamper-evident audit trail: one import for the extension (design: ./audit.design.md). */
export {
  AUDIT_ACTIONS,
  AUDIT_CODES,
  AuditAction,
  AuditCode,
  AuditDetails,
  AuditEvent,
  AuditRecord,
  AuditOutcome,
  SYSTEM_ACTOR,
} from './record.ts';
export { GENESIS_HASH, canonicalRecord, hashRecord, verifyChain, type BreakReason, type ChainAnchor, type ChainBreak, type ChainVerification } from './chain.ts';
export { MemoryAuditStore, type AuditStore } from './store.ts';
export { AuditTrail, type AppendResult, type ExportResult, type TrailOptions } from './trail.ts';
export { buildExport, verifyExport, ExportHeader, EXPORT_TYPE, type ExportVerification, type ExportVerifyCode } from './export.ts';
export {
  openInstallSigner,
  signerFromPair,
  memoryKeyStore,
  indexedDbKeyStore,
  jwkThumbprint,
  verifySignature,
  type AuditSigner,
  type InstallKeyStore,
  type PublicJwk,
} from './signer.ts';
export { privacyReport, type PrivacyReport } from './report.ts';
