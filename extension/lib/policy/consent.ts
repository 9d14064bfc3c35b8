import { sha256Hex } from '../audit/chain.ts';
import type { AuditEvent } from '../audit/record.ts';
import type { EffectivePolicy } from './keys.ts';

/**
 * Recording consent (issue 9 §4). Many US states require every party's consent to record. Before
 * capture starts the clinician attests that the patient consented, in the admin's wording
 * (policy consentWording); when policy consentRequired is true, capture cannot start without it.
 * The attestation is itself an audit record (consent_attested) that carries the sha-256 of the
 * wording attested — provable later, and no text in the record.
 */

export type ConsentChannel = 'in_person' | 'telehealth';

export interface ConsentAttestation {
  readonly visitId: string;
  readonly actor: string;
  readonly channel: ConsentChannel;
  /** sha-256 (hex) of the exact wording shown when the clinician attested */
  readonly wordingSha256: string;
  readonly ts: string;
}

/** What the side panel shows next to the "Patient consented" checkbox. */
export function consentPrompt(policy: EffectivePolicy): { required: boolean; wording: string } {
  return { required: policy.consentRequired, wording: policy.consentWording };
}

/** Builds the attestation and the audit event to append for it (one call from the side panel). */
export async function attestConsent(
  policy: EffectivePolicy,
  a: { visitId: string; actor: string; channel: ConsentChannel; now?: Date },
): Promise<{ attestation: ConsentAttestation; audit: AuditEvent }> {
  const wordingSha256 = await sha256Hex(policy.consentWording);
  const ts = (a.now ?? new Date()).toISOString();
  return {
    attestation: { visitId: a.visitId, actor: a.actor, channel: a.channel, wordingSha256, ts },
    audit: {
      actor: a.actor,
      action: 'consent_attested',
      visitId: a.visitId,
      outcome: 'ok',
      details: { channel: a.channel, sha256: wordingSha256 },
    },
  };
}

export type CaptureGate = { allowed: true } | { allowed: false; code: 'consent_required' };

/**
 * May capture start for this visit? The background asks this before starting the offscreen
 * capture; when refused it appends {action:'capture_started', outcome:'denied', details:{code:'consent_required'}}.
 */
export function captureGate(policy: EffectivePolicy, visitId: string, attestation: ConsentAttestation | undefined): CaptureGate {
  if (!policy.consentRequired) return { allowed: true };
  if (attestation !== undefined && attestation.visitId === visitId) return { allowed: true };
  return { allowed: false, code: 'consent_required' };
}

/** The telehealth notice to read out or paste into the call chat (admin wording from policy). */
export function telehealthNotice(policy: EffectivePolicy): string {
  return policy.telehealthNoticeWording;
}
