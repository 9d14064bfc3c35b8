/**
 * The closed vocabulary of results the EHR writer answers with. A result is a code plus ids,
 * counts and timings — never a field's value, a label's neighbourhood or note text.
 */
export const EHR_CODES = [
  'ok',
  'bad_message',
  'origin_not_allowed',
  /** this frame is an about:blank/srcdoc child handled by its same-origin parent */
  'frame_deferred',
  'target_not_found',
  'no_focused_target',
  'no_section_target',
  'refused_password',
  'refused_hidden',
  'refused_disabled',
  'refused_readonly',
  'unsupported_target',
  'write_failed',
  /** the field does not hold what was written: the UI offers the clipboard fallback */
  'verify_failed',
  'nothing_to_undo',
  /** the field changed since the write; undo would destroy the clinician's later edits */
  'undo_conflict',
  'undo_failed',
  'not_found',
  'busy',
] as const;
export type EhrCode = (typeof EHR_CODES)[number];

/** Why a field is never written. */
export type Refusal = 'refused_password' | 'refused_hidden' | 'refused_disabled' | 'refused_readonly';
