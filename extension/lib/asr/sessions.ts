import type { WhisperParts } from './whisper.ts';

/** the kinds of onnxruntime session timed in stats.runtime */
export type RunKind = 'encoder' | 'decoder' | 'vad';
/** runs fn, adding its wall time to the kind's total */
export type Timer = <T>(kind: RunKind, fn: () => Promise<T>) => Promise<T>;

type Session = { run?: (feeds: unknown, ...rest: unknown[]) => Promise<unknown>; outputNames?: readonly string[] };

/**
 * Wraps a loaded Whisper's encoder and decoder sessions' run() with the timer. Both are also asked
 * for everything but their attention maps: transformers.js fetches every output, and the maps are
 * read only for word-level timestamps, which we never request. The encoder's are the big ones: 6
 * layers × 8 heads × 1500 × 1500 floats, 432 MB per 30 s pass for whisper-base, allocated as
 * outputs, copied out of the WASM heap and held by JS until collected (what that cost: asr.design.md,
 * "Memory"); the decoder's are 6 × 8 × 1500 floats of cross-attention per token step. The models
 * the build ships no longer have those outputs at all (scripts/whisper-context.ts
 * `dropAttentionOutputs`: a graph output is kept to the end of the run even when nobody fetches
 * it), so this narrowing matters only for a model staged without that transform. A call that names
 * its own fetches is passed through as it is.
 */
export function instrumentSessions(parts: WhisperParts, timed: Timer): void {
  const sessions = (parts.model as { sessions?: Record<string, Session> }).sessions ?? {};
  for (const [name, kind] of [['model', 'encoder'], ['decoder_model_merged', 'decoder']] as const) {
    const s = sessions[name];
    const run = s?.run?.bind(s);
    if (!s || !run) continue;
    const fetches = (s.outputNames ?? []).filter((n) => !n.includes('attentions'));
    const narrow = fetches.length > 0 && fetches.length < (s.outputNames ?? []).length;
    s.run = (feeds: unknown, ...rest: unknown[]) => timed(kind, () => (narrow && rest.length === 0 ? run(feeds, fetches) : run(feeds, ...rest)));
  }
}
