import { describe, expect, it } from 'vitest';
import { AsrConfig, liveModelFor } from '../../../extension/lib/asr/protocol.ts';

describe('ASR config', () => {
  it('runs the live pass on whisper-tiny only where the browser reports 4 GB or more', () => {
    expect(liveModelFor(8)).toBe('whisper-tiny');
    expect(liveModelFor(undefined)).toBe('whisper-tiny');
    expect(liveModelFor(4)).toBe('whisper-tiny');
    expect(liveModelFor(2)).toBe('same');
    expect(liveModelFor(0.5)).toBe('same');
  });

  it('accepts the live and window options and rejects unknown values, naming the field', () => {
    const base = { model: 'whisper-base', baseUrl: 'chrome-extension://abc/', backend: 'auto', speakerMode: 'source', partials: true, prompt: true, vad: 'silero' };
    expect(AsrConfig.safeParse({ ...base, liveModel: 'whisper-tiny', livePrompt: false, windowClose: 'idle', context: 'fit' }).success).toBe(true);
    const bad = AsrConfig.safeParse({ ...base, windowClose: 'never' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['windowClose']);
    expect(AsrConfig.safeParse({ ...base, livePrompt: 'yes' }).success).toBe(false);
  });
});
