import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { WhisperTranscriber, type WhisperParts } from '../../../extension/lib/asr/whisper.ts';
import { repairDrugNames } from '../../../extension/lib/asr/vocab.ts';
import { SHARED } from '../notes/golden.ts';

const MODELS = join(SHARED, 'models');

// The word test the worker hands drug-name repair: Whisper's real tokenizer, loaded from disk.
describe.skipIf(!existsSync(join(MODELS, 'whisper-base/tokenizer.json')))('WhisperTranscriber.isCommonWord (real tokenizer)', () => {
  it('knows ordinary words whole, lower case or capitalised, and not names it assembles from pieces', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = `${MODELS}/`;
    const tokenizer = (await AutoTokenizer.from_pretrained('whisper-base')) as unknown as WhisperParts['tokenizer'];
    const parts: WhisperParts = {
      processor: () => Promise.reject(new Error('not used')),
      model: { generate: () => Promise.reject(new Error('not used')) },
      tokenizer,
    };
    const w = new WhisperTranscriber(parts, null);
    for (const x of ['oxygen', 'medicine', 'april', 'prior', 'rest']) expect(w.isCommonWord(x)).toBe(true);
    for (const x of ['alacro', 'illiquose', 'aphalax', 'eliquis', 'Oxygen', 'o2', '']) expect(w.isCommonWord(x)).toBe(false);
    const isCommon = (x: string): boolean => w.isCommonWord(x);
    expect(repairDrugNames('My mother takes alacro 180 mg daily.', isCommon)).toBe('My mother takes allegra 180 mg daily.');
    expect(repairDrugNames('I was on oxygen 2 puffs.', isCommon)).toBe('I was on oxygen 2 puffs.');
  });
});
