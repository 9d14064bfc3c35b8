import type { Note, NoteRequest, ProviderId } from '../../../shared/api.ts';
import type { Config, Env } from '../env.ts';
import type { ProviderFailure } from '../log.ts';
import type { Deps } from '../types.ts';

export interface ProviderContext {
  config: Config;
  env: Env;
  deps: Deps;
  /** Called once per upstream attempt with its outcome (for content-free logs). */
  onAttempt?: (attempt: number, failure: ProviderFailure | null) => void;
}

/** Secrets a provider's prompt held; the output check refuses a note that reveals them. */
export interface PromptSecrets {
  canary: string;
  system: string;
}

export type ProviderResult =
  | { ok: true; note: Note; attempts: number; secrets?: PromptSecrets }
  | { ok: false; failure: ProviderFailure; attempts: number };

/** One interface for every way of turning a minimized transcript into a note. */
export interface NoteProvider {
  readonly id: ProviderId;
  generate(req: NoteRequest, ctx: ProviderContext): Promise<ProviderResult>;
}
