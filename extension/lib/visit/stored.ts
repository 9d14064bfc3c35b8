/**
 * What the vault holds for a visit's note (vault.putNote / vault.getNote, sealed under the visit's
 * data key). The note is the RESTORED note (real identifiers back in, on the device), as the
 * clinician last edited it. Only a note whose visit is `approved` in the vault, with
 * `approvedAt` set here, may be written into the EHR (lib/background enforces it).
 */
import { z } from 'zod';
import { ProviderId, TemplateId } from '../../../shared/api.ts';
import { ReviewedNote } from '../../../shared/review.ts';

/** How the note was made: `cloud` = the minimized transcript went to the note API; `device` = the on-device extractor, nothing left. */
export const NoteMode = z.enum(['cloud', 'device']);
export type NoteMode = z.infer<typeof NoteMode>;

export const StoredNote = z
  .object({
    v: z.literal(1),
    note: ReviewedNote,
    template: TemplateId,
    mode: NoteMode,
    provider: ProviderId,
    generatedAt: z.number().int().nonnegative(),
    /** last clinician edit (null: as generated) */
    editedAt: z.number().int().nonnegative().nullable(),
    /** set when the clinician approved exactly this note */
    approvedAt: z.number().int().nonnegative().nullable(),
    /** placeholders in the returned note that the device could not restore (shown to the clinician) */
    unresolved: z.array(z.string().max(64)).max(500),
  })
  .strict();
export type StoredNote = z.infer<typeof StoredNote>;
