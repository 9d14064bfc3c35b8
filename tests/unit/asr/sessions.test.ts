import { describe, expect, it } from 'vitest';
import { instrumentSessions, type RunKind } from '../../../extension/lib/asr/sessions.ts';
import type { WhisperParts } from '../../../extension/lib/asr/whisper.ts';

// output names as whisper-base's ONNX files list them (onnxruntime session.outputNames)
const ENCODER_OUT = ['last_hidden_state', ...[0, 1, 2, 3, 4, 5].map((l) => `encoder_attentions.${l}`)];
const DECODER_OUT = [
  'logits',
  ...[0, 1].flatMap((l) => ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((k) => `present.${l}.${k}`)),
  ...[0, 1].flatMap((l) => [`decoder_attentions.${l}`, `cross_attentions.${l}`]),
];

function fakeSession(outputNames: string[]) {
  const calls: unknown[][] = [];
  return { outputNames, calls, run: async (...args: unknown[]) => (calls.push(args), {}) };
}

function setUp() {
  const encoder = fakeSession(ENCODER_OUT);
  const decoder = fakeSession(DECODER_OUT);
  const parts = { model: { sessions: { model: encoder, decoder_model_merged: decoder } } } as unknown as WhisperParts;
  const timedKinds: RunKind[] = [];
  instrumentSessions(parts, (kind, fn) => (timedKinds.push(kind), fn()));
  const sessions = (parts.model as unknown as { sessions: Record<string, { run: (...a: unknown[]) => Promise<unknown> }> }).sessions;
  return { encoder, decoder, timedKinds, run: (name: string, ...a: unknown[]) => sessions[name]!.run(...a) };
}

describe('instrumentSessions', () => {
  it('asks the encoder for its hidden state only, never its 432 MB of attention maps', async () => {
    const { encoder, run } = setUp();
    await run('model', { input_features: 1 });
    expect(encoder.calls).toEqual([[{ input_features: 1 }, ['last_hidden_state']]]);
  });

  it('asks the decoder for logits and the whole cache, without attention maps', async () => {
    const { decoder, run } = setUp();
    await run('decoder_model_merged', { input_ids: 1 });
    const fetches = decoder.calls[0]![1] as string[];
    expect(fetches[0]).toBe('logits');
    expect(fetches.filter((n) => n.startsWith('present.'))).toHaveLength(8);
    expect(fetches.some((n) => n.includes('attentions'))).toBe(false);
  });

  it('times each run by kind and passes a call that names its own fetches through as it is', async () => {
    const { encoder, timedKinds, run } = setUp();
    await run('model', { input_features: 1 }, ['encoder_attentions.0']);
    await run('decoder_model_merged', {});
    expect(encoder.calls[0]).toEqual([{ input_features: 1 }, ['encoder_attentions.0']]);
    expect(timedKinds).toEqual(['encoder', 'decoder']);
  });

  it('leaves a session without attention outputs, or a missing one, alone', async () => {
    const vadLike = fakeSession(['output', 'stateN']);
    const parts = { model: { sessions: { model: vadLike } } } as unknown as WhisperParts;
    instrumentSessions(parts, (_k, fn) => fn());
    await (parts.model as unknown as { sessions: { model: { run: (f: unknown) => Promise<unknown> } } }).sessions.model.run({ x: 1 });
    expect(vadLike.calls).toEqual([[{ x: 1 }]]);
  });
});
