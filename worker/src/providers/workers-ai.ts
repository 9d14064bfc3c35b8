import { z } from 'zod';
import { buildPrompt, llmJsonSchema } from '../prompts/note-prompt.ts';
import { parseLlmNote } from './llm-output.ts';
import { withRetries, withTimeout, type Attempt } from './retry.ts';
import type { NoteProvider } from './types.ts';

/** Workers AI text generation returns `{response}`: a string, or parsed JSON in JSON mode. */
const AiOutput = z.looseObject({ response: z.unknown() });

/** The Workers AI binding (env.AI), model from WORKERS_AI_MODEL, JSON mode with the template schema. */
export const workersAiProvider: NoteProvider = {
  id: 'workers-ai',
  async generate(req, { config, env, deps, onAttempt }) {
    const ai = env.AI;
    if (ai === undefined || typeof ai.run !== 'function') return { ok: false, failure: 'not_configured', attempts: 0 };
    const prompt = buildPrompt(req);
    const inputs = {
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      temperature: 0,
      max_tokens: 4096,
      response_format: { type: 'json_schema', json_schema: llmJsonSchema(req.template) },
    };
    const result = await withRetries<unknown>(
      config.openai.maxRetries,
      deps.sleep,
      async (): Promise<Attempt<unknown>> => {
        const r = await withTimeout(config.openai.timeoutMs, () => ai.run(config.workersAiModel, inputs));
        if (!r.ok) return { ok: false, failure: r.timedOut ? 'timeout' : 'binding_error', retryable: true };
        const parsed = AiOutput.safeParse(r.value);
        if (!parsed.success || parsed.data.response === undefined || parsed.data.response === null) {
          return { ok: false, failure: 'schema', retryable: false };
        }
        return { ok: true, value: parsed.data.response };
      },
      onAttempt,
    );
    if (!result.ok) return result;
    const note = parseLlmNote(req, result.value);
    if (!note.ok) return { ok: false, failure: note.failure, attempts: result.attempts };
    return { ok: true, note: note.note, attempts: result.attempts, secrets: { canary: prompt.canary, system: prompt.system } };
  },
};
