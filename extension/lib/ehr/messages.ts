/**
 * Messages into the EHR content script, parsed with zod at the receiving end (strict objects,
 * bounded sizes). Note content travels as structured blocks; the content script renders HTML
 * itself from escaped text. Answers carry codes, ids, kinds, counts and field labels — never a
 * field's value or note text (the banner answer is the one exception: the identifiers it reads
 * are its purpose, and they stay on the device).
 */
import { z } from 'zod';
import { EHR_CODES, type EhrCode } from './codes.ts';
import { isValidOriginPattern } from './origin.ts';

export const TargetId = z.string().regex(/^t[0-9]{1,6}$/);
export const WriteId = z.string().regex(/^w[0-9]{1,9}$/);
const SectionKey = z.string().regex(/^[a-z_]{1,32}$/);
const OriginPattern = z.string().max(300).refine(isValidOriginPattern);
const AllowedOrigins = z.array(OriginPattern).min(1).max(100);

export const BlockSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heading'), text: z.string().min(1).max(200) }).strict(),
  z.object({ type: z.literal('paragraph'), text: z.string().min(1).max(20_000) }).strict(),
  z.object({ type: z.literal('list'), items: z.array(z.string().min(1).max(20_000)).min(1).max(500) }).strict(),
]);

export const TargetRef = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), id: TargetId }).strict(),
  /** the field that has the focus in this frame */
  z.object({ by: z.literal('focused') }).strict(),
  /** the best field labelled for this section */
  z.object({ by: z.literal('section'), key: SectionKey }).strict(),
  /** focused field, else the best-labelled whole-note field, else the largest multi-line field */
  z.object({ by: z.literal('auto') }).strict(),
]);
export type TargetRef = z.infer<typeof TargetRef>;

const base = { target: z.literal('content').optional(), allowedOrigins: AllowedOrigins };

export const EhrScan = z.object({ cmd: z.literal('ehr.scan'), ...base, sections: z.array(SectionKey).max(32).optional() }).strict();
export const EhrWrite = z
  .object({
    cmd: z.literal('ehr.write'),
    ...base,
    writes: z
      .array(z.object({ target: TargetRef, blocks: z.array(BlockSchema).min(1).max(2_000) }).strict())
      .min(1)
      .max(32),
  })
  .strict()
  .refine((m) => JSON.stringify(m.writes).length <= 1_000_000, { message: 'too_large' });
export const EhrUndo = z.object({ cmd: z.literal('ehr.undo'), ...base, writeId: WriteId.optional(), force: z.boolean().optional() }).strict();
export const EhrBanner = z.object({ cmd: z.literal('ehr.banner'), ...base }).strict();
/** Click-to-target: outline fields under the pointer; resolves with the clicked field (Esc cancels). */
export const EhrPick = z.object({ cmd: z.literal('ehr.pick'), ...base, timeoutMs: z.number().int().min(1_000).max(300_000).optional() }).strict();
export const EhrPickCancel = z.object({ cmd: z.literal('ehr.pick.cancel'), target: z.literal('content').optional() }).strict();

export const EhrCommand = z.union([EhrScan, EhrWrite, EhrUndo, EhrBanner, EhrPick, EhrPickCancel]);
export type EhrCommand = z.infer<typeof EhrCommand>;
export type EhrWriteCmd = z.infer<typeof EhrWrite>;

export const EhrCodeSchema = z.enum(EHR_CODES);

export const TargetKindSchema = z.enum(['textarea', 'input', 'contenteditable', 'ckeditor5', 'tinymce', 'quill', 'prosemirror']);

export const ScanTarget = z
  .object({
    id: TargetId,
    kind: TargetKindSchema,
    /** the field's own label (page chrome, not content), ≤ 80 chars */
    label: z.string().max(80),
    section: SectionKey.nullable(),
    score: z.number(),
    wholeNote: z.boolean(),
    focused: z.boolean(),
    multiline: z.boolean(),
  })
  .strict();
export type ScanTarget = z.infer<typeof ScanTarget>;

export const ScanReply = z
  .object({
    code: EhrCodeSchema,
    /** the frame's origin (scheme://host:port, never a path): policy and the audit trail */
    origin: z.string().max(300),
    top: z.boolean(),
    /** the frame's focused element is a child frame (its own script answers for it) */
    focusInChildFrame: z.boolean(),
    targets: z.array(ScanTarget),
    refused: z.number().int().nonnegative(),
  })
  .strict();
export type ScanReply = z.infer<typeof ScanReply>;

/** `chars`: length of the field's text after the operation (a size, never the text). */
export const WriteResult = z
  .object({ id: TargetId.nullable(), kind: TargetKindSchema.nullable(), code: EhrCodeSchema, ms: z.number(), chars: z.number().int().nonnegative() })
  .strict();
export type WriteResult = z.infer<typeof WriteResult>;
export const WriteReply = z.object({ code: EhrCodeSchema, writeId: WriteId.nullable(), results: z.array(WriteResult) }).strict();
export type WriteReply = z.infer<typeof WriteReply>;

export const UndoReply = z.object({ code: EhrCodeSchema, writeId: WriteId.nullable(), results: z.array(WriteResult) }).strict();
export type UndoReply = z.infer<typeof UndoReply>;

export const BannerReply = z
  .object({
    code: EhrCodeSchema,
    via: z.enum(['selector', 'heuristic']).nullable(),
    patient: z
      .object({ name: z.string().max(120).optional(), dob: z.string().max(40).optional(), mrn: z.string().max(40).optional() })
      .strict()
      .nullable(),
  })
  .strict();
export type BannerReply = z.infer<typeof BannerReply>;

export const PickReply = z.object({ code: EhrCodeSchema, target: ScanTarget.nullable() }).strict();
export type PickReply = z.infer<typeof PickReply>;

export type EhrReply = ScanReply | WriteReply | UndoReply | BannerReply | PickReply | { code: EhrCode };
