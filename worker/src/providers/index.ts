import type { ProviderId } from '../../../shared/api.ts';
import type { Deps } from '../types.ts';
import { extractorProvider } from './extractor.ts';
import { openAiCompatibleProvider } from './openai-compatible.ts';
import type { NoteProvider } from './types.ts';
import { workersAiProvider } from './workers-ai.ts';

const BUILT_IN: Record<ProviderId, NoteProvider> = {
  extractor: extractorProvider,
  'openai-compatible': openAiCompatibleProvider,
  'workers-ai': workersAiProvider,
};

export function getProvider(id: ProviderId, deps: Deps): NoteProvider {
  return deps.providers?.[id] ?? BUILT_IN[id];
}
