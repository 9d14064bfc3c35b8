/** Enterprise policy: one import for the extension (see docs/deploy.md for the admin side). */
export {
  POLICY_KEYS,
  POLICY_SPECS,
  TEMPLATE_IDS,
  REJECT_REASONS,
  DEFAULT_EHR_ORIGINS,
  EffectivePolicySchema,
  buildManagedSchema,
  apiUrlProblem,
  type EffectivePolicy,
  type PolicyKey,
  type RejectReason,
  type TemplateId,
  type ProviderMode,
  type MinimizerStrictness,
} from './keys.ts';
export { resolvePolicy, type ResolveContext, policyLogFields, changedPolicyKeys, defaultPolicy, type PolicyEntry, type PolicyResolution, type PolicySource } from './resolve.ts';
export { isOriginAllowed, isValidOriginPattern } from './origins.ts';
export { watchPolicy, type WatchOptions, type ManagedStorageLike, type PolicyUpdate, type PolicyWatch } from './watch.ts';
export { attestConsent, captureGate, consentPrompt, telehealthNotice, type ConsentAttestation, type ConsentChannel, type CaptureGate } from './consent.ts';
