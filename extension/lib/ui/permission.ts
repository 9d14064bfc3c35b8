import type { ErrorCode } from '../../../shared/messages.ts';

/**
 * Make sure the extension holds the microphone permission before the offscreen document opens
 * the mic: an offscreen document cannot show a permission prompt, so the prompt (or the stored
 * grant) has to come from a visible extension page. The stream opened here is closed at once.
 */
export async function ensureMicPermission(): Promise<{ ok: true } | { ok: false; code: ErrorCode }> {
  try {
    const s = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of s.getTracks()) t.stop();
    return { ok: true };
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return { ok: false, code: 'mic_not_found' };
    return { ok: false, code: 'mic_permission_denied' };
  }
}
