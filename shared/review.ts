import { z } from 'zod';
import { LIMITS, SectionKey } from './api.ts';
import { SegmentId } from './transcript.ts';

/**
 * A note as the clinician reviews it: the API's Note, except that a statement the clinician added
 * by hand has no evidence (an empty list — shown as "no evidence" in the panel, never invented).
 */
export const ReviewedStatement = z
  .object({
    text: z.string().min(1).max(LIMITS.maxStatementChars),
    evidence: z.array(SegmentId).max(LIMITS.maxEvidencePerStatement),
  })
  .strict();
export const ReviewedSection = z
  .object({ key: SectionKey, title: z.string().min(1).max(80), statements: z.array(ReviewedStatement).max(LIMITS.maxStatementsPerSection) })
  .strict();
export const ReviewedNote = z.object({ sections: z.array(ReviewedSection).max(LIMITS.maxSections) }).strict();
export type ReviewedNote = z.infer<typeof ReviewedNote>;
