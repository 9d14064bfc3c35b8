import { z } from 'zod';

/** Where audio came from: the clinician's microphone, or the telehealth tab (remote party). */
export const Source = z.enum(['mic', 'tab']);
export type Source = z.infer<typeof Source>;

/** Speaker labels. Telehealth: from source. One in-room mic: turn-based labels, or 'unlabelled'. */
export const Speaker = z.enum(['clinician', 'remote', 'speaker1', 'speaker2', 'unlabelled']);
export type Speaker = z.infer<typeof Speaker>;

/** Segment ids are opaque, short and safe to log. */
export const SegmentId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** One transcript segment as it streams to the side panel (t0/t1 in seconds from visit start). */
export const TranscriptSegment = z
  .object({
    id: SegmentId,
    source: Source,
    speaker: Speaker,
    t0: z.number().finite().nonnegative(),
    t1: z.number().finite().nonnegative(),
    text: z.string().max(20_000),
    final: z.boolean(),
  })
  .strict();
export type TranscriptSegment = z.infer<typeof TranscriptSegment>;
