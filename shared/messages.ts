import { z } from 'zod';
import { TemplateId } from './api.ts';
import { ReviewedNote } from './review.ts';
import { Source, TranscriptSegment } from './transcript.ts';

/**
 * The one message protocol between the extension's contexts (background, offscreen, side panel,
 * options, content script). Every message is parsed with these schemas at the receiving end;
 * objects are strict (unknown keys rejected) and carry no free text except where a command's
 * purpose is content (none in this file yet), so an error about a message can never echo content.
 */

export const Context = z.enum(['background', 'offscreen', 'panel', 'content']);
export type Context = z.infer<typeof Context>;

const VisitId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
/** chrome.tabCapture stream ids are opaque base64-ish tokens. */
const StreamId = z.string().regex(/^[A-Za-z0-9+/=_-]{8,512}$/);
const TabId = z.number().int().nonnegative().max(2 ** 31);

const cmd = <C extends string, T extends Context, S extends z.ZodRawShape>(target: T, name: C, shape: S) =>
  z.object({ target: z.literal(target), cmd: z.literal(name), ...shape }).strict();

/** in-room (one mic) or telehealth (the call tab is captured too) */
export const Channel = z.enum(['in_person', 'telehealth']);
export type Channel = z.infer<typeof Channel>;

export const CaptureStart = cmd('offscreen', 'capture.start', {
  // No visitId: every capture starts a new visit through the flow's gates (vault unlocked, consent
  // per policy, audited). A caller-chosen id would have skipped them (strict: an id is refused).
  mic: z.boolean(),
  /** the clinician attested the patient's consent to recording (checked against policy) */
  consent: z.boolean().default(false),
  tabStreamId: StreamId.optional(),
  /** keep the captured tab audible to the clinician (capturing mutes it otherwise) */
  playTabAudio: z.boolean().default(true),
});

export const Command = z.discriminatedUnion('cmd', [
  // side panel → background
  cmd('background', 'visit.start', { mic: z.boolean(), tabStreamId: StreamId.optional(), tabId: TabId.optional(), consent: z.boolean().default(false) }),
  cmd('background', 'visit.pause', {}),
  cmd('background', 'visit.resume', {}),
  cmd('background', 'visit.stop', {}),
  cmd('background', 'visit.status', {}),
  cmd('background', 'visit.summary', {}),
  // background → offscreen
  CaptureStart,
  cmd('offscreen', 'capture.pause', {}),
  cmd('offscreen', 'capture.resume', {}),
  cmd('offscreen', 'capture.stop', {}),
  cmd('offscreen', 'capture.status', {}),
  cmd('offscreen', 'capture.summary', {}),
  // panel/demo → offscreen: the visit's transcript (final segments, time order) and ASR status
  cmd('offscreen', 'asr.transcript', {}),
  cmd('offscreen', 'asr.status', {}),
  // background → offscreen: the effective policy (the offscreen document cannot read chrome.storage);
  // parsed there with lib/policy's EffectivePolicySchema
  cmd('offscreen', 'flow.policy', { policy: z.record(z.string(), z.unknown()), changed: z.array(z.string().regex(/^[A-Za-z]{1,40}$/)).max(40) }),
  // side panel → offscreen: review of a visit (lib/visit/flow.ts). Content travels only between
  // extension pages and the offscreen document; replies are parsed with lib/visit/protocol.ts.
  cmd('offscreen', 'review.list', {}),
  cmd('offscreen', 'review.get', { visitId: VisitId }),
  cmd('offscreen', 'review.prepare', {
    visitId: VisitId,
    template: TemplateId,
    banner: z.object({ name: z.string().max(200).optional(), dob: z.string().max(40).optional(), mrn: z.string().max(64).optional() }).strict().optional(),
    extraIdentifiers: z.array(z.string().min(1).max(200)).max(500).optional(),
  }),
  cmd('offscreen', 'review.generate', { visitId: VisitId, previewId: z.string().regex(/^[0-9a-f]{64}$/), mode: z.enum(['cloud', 'device']) }),
  cmd('offscreen', 'review.save', { visitId: VisitId, note: ReviewedNote }),
  cmd('offscreen', 'review.approve', { visitId: VisitId }),
  cmd('offscreen', 'review.delete', { visitId: VisitId }),
  cmd('offscreen', 'review.deleteAll', { confirm: z.literal('DELETE_ALL_VISITS') }),
  cmd('offscreen', 'audit.report', { visitId: VisitId }),
  cmd('offscreen', 'audit.export', {}),
  // background → offscreen: an audited action the background performed (EHR insert, policy change)
  cmd('offscreen', 'audit.append', {
    action: z.enum(['note_inserted', 'note_insert_undone', 'policy_changed', 'visit_expired']),
    visitId: VisitId.optional(),
    outcome: z.enum(['ok', 'denied', 'error']),
    code: z.string().regex(/^[a-z_]{1,40}$/).optional(),
    origin: z.string().max(262).optional(),
    count: z.number().int().nonnegative().max(1_000_000).optional(),
  }),
]);
export type Command = z.infer<typeof Command>;
export type CommandName = Command['cmd'];
export type CommandOf<N extends CommandName> = Extract<Command, { cmd: N }>;

export const CaptureState = z.enum(['idle', 'starting', 'recording', 'paused', 'stopped', 'error']);
export type CaptureState = z.infer<typeof CaptureState>;

/** Error and warning codes: a closed vocabulary shown to the clinician by code → plain sentence. */
export const ErrorCode = z.enum([
  'bad_message',
  'untrusted_sender',
  'unknown_command',
  'handler_failed',
  'no_receiver',
  'mic_permission_denied',
  'mic_not_found',
  'mic_ended',
  'tab_capture_failed',
  'tab_ended',
  'audio_context_failed',
  'already_recording',
  'not_recording',
  'offscreen_failed',
  'timeout',
  // visit flow (lib/visit)
  'vault_locked',
  'vault_not_set_up',
  'consent_required',
  'visit_not_found',
  'no_transcript',
  'preview_expired',
  'offline_only',
  'api_unreachable',
  'api_timeout',
  'api_refused',
  'api_bad_response',
  'note_not_found',
  'note_invalid',
  'already_approved',
  'export_not_allowed',
  'audit_chain_broken',
  'storage_failed',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const SourceStats = z
  .object({
    source: Source,
    sampleRate: z.literal(16000),
    inputSampleRate: z.number().positive(),
    frames: z.number().int().nonnegative(),
    samples: z.number().int().nonnegative(),
    durationS: z.number().nonnegative(),
    /** RMS envelope at 10 Hz (one value per 1,600 samples) */
    envelope: z.array(z.number().nonnegative()),
    ended: ErrorCode.nullable(),
    latencyMs: z.object({ p50: z.number(), p95: z.number(), max: z.number() }).strict(),
    /** peak level of the tab audio played back to the clinician (null: not played back) */
    playbackPeak: z.number().nonnegative().nullable(),
  })
  .strict();
export type SourceStats = z.infer<typeof SourceStats>;

export const CaptureStatus = z
  .object({
    state: CaptureState,
    visitId: VisitId.nullable(),
    sources: z.array(z.object({ source: Source, level: z.number(), durationS: z.number(), active: z.boolean() }).strict()),
    errors: z.array(z.object({ code: ErrorCode, source: Source.nullable() }).strict()),
  })
  .strict();
export type CaptureStatus = z.infer<typeof CaptureStatus>;

export const CaptureSummary = z
  .object({
    visitId: VisitId.nullable(),
    sources: z.array(SourceStats),
    errors: z.array(z.object({ code: ErrorCode, source: Source.nullable() }).strict()),
    cpuMsPerAudioS: z.number().nonnegative().nullable(),
    memoryBytes: z.number().nonnegative().nullable(),
  })
  .strict();
export type CaptureSummary = z.infer<typeof CaptureSummary>;

/** On-device ASR (extension/lib/asr): model, backend and load state, shown in the side panel. */
export const AsrModelId = z.enum(['whisper-base', 'whisper-tiny']);
export type AsrModelId = z.infer<typeof AsrModelId>;
export const AsrBackend = z.enum(['webgpu', 'wasm']);
export type AsrBackend = z.infer<typeof AsrBackend>;
/** ASR load/run failures: a closed list; `file` names the model file at fault when known. */
export const AsrErrorCode = z.enum([
  'model_file_missing',
  'model_file_corrupt',
  'model_file_wrong_format',
  'model_load_failed',
  'runtime_load_failed',
  'decode_failed',
  'worker_failed',
]);
export type AsrErrorCode = z.infer<typeof AsrErrorCode>;
/** a model file as named in models.manifest.json, e.g. "whisper-base/onnx/encoder_model_quantized.onnx" */
export const AsrModelFile = z.string().regex(/^[a-z0-9-]{1,40}\/[A-Za-z0-9_./-]{1,120}$/);
export const AsrStatus = z
  .object({
    phase: z.enum(['idle', 'loading', 'ready', 'error']),
    model: AsrModelId,
    backend: AsrBackend.nullable(),
    crossOriginIsolated: z.boolean(),
    threads: z.number().int().nonnegative(),
    vad: z.enum(['silero-v5', 'energy']).nullable(),
    /** 0..1 over all model files (size-weighted) */
    progress: z.number().min(0).max(1),
    loadMs: z.number().nonnegative().nullable(),
    error: z.object({ code: AsrErrorCode, file: AsrModelFile.nullable() }).strict().nullable(),
  })
  .strict();
export type AsrStatus = z.infer<typeof AsrStatus>;

/** Events broadcast by the offscreen document to the extension's pages. */
export const Event = z.discriminatedUnion('evt', [
  z.object({ target: z.literal('panel'), evt: z.literal('capture.status'), status: CaptureStatus }).strict(),
  z.object({ target: z.literal('panel'), evt: z.literal('asr.status'), status: AsrStatus }).strict(),
  /** a partial (final: false) or final segment; a final replaces earlier versions with the same id */
  z.object({ target: z.literal('panel'), evt: z.literal('transcript.segment'), segment: TranscriptSegment }).strict(),
  /** the vault locked (any cause): every page drops the decrypted content it shows */
  z.object({ target: z.literal('panel'), evt: z.literal('vault.locked'), reason: z.enum(['manual', 'idle_timeout', 'system_idle', 'system_locked', 'reset', 'pin_changed']) }).strict(),
]);
export type Event = z.infer<typeof Event>;

export type Reply<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode } };
export const ReplySchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: z.object({ code: ErrorCode }).strict() }).strict(),
]);

/** An error that carries only a code from the closed list (never content). */
export class CodedError extends Error {
  constructor(readonly code: ErrorCode) {
    super(code);
    this.name = 'CodedError';
  }
}
