import { z } from 'zod';
import { buildPrompt, llmJsonSchema } from '../prompts/note-prompt.ts';
import { parseLlmNote } from './llm-output.ts';
import { withRetries, withTimeout, type Attempt } from './retry.ts';
import type { NoteProvider } from './types.ts';

/** The part of a chat-completions response we read; everything else is ignored. */
const ChatCompletion = z.looseObject({
  choices: z
    .array(z.looseObject({ message: z.looseObject({ content: z.string().nullable().optional() }) }))
    .min(1),
});

/**
 * Any OpenAI-compatible chat-completions endpoint (OPENAI_BASE_URL + OPENAI_MODEL, key in the
 * OPENAI_API_KEY secret), e.g. one covered by a BAA. Temperature 0, JSON-schema structured
 * output; the reply is still validated against the contract (models do not always comply).
 */
export const openAiCompatibleProvider: NoteProvider = {
  id: 'openai-compatible',
  async generate(req, { config, deps, onAttempt }) {
    const { baseUrl, apiKey, model, timeoutMs, maxRetries } = config.openai;
    // https only (the transcript travels in it); plain http only to loopback (a local gateway or the test mock)
    if (!endpointAllowed(baseUrl) || model === '') return { ok: false, failure: 'not_configured', attempts: 0 };
    const prompt = buildPrompt(req);
    const body = JSON.stringify({
      model,
      temperature: 0,
      max_tokens: 4096,
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'clinical_note', strict: true, schema: llmJsonSchema(req.template) } },
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey !== '') headers.authorization = `Bearer ${apiKey}`;

    const result = await withRetries<string>(
      maxRetries,
      deps.sleep,
      async (): Promise<Attempt<string>> => {
        const r = await withTimeout(timeoutMs, async (signal) => {
          const res = await deps.fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers, body, signal });
          // Read the body under the same deadline: a stalled stream is a timeout too.
          return { status: res.status, text: await res.text() };
        });
        if (!r.ok) return { ok: false, failure: r.timedOut ? 'timeout' : 'network', retryable: true };
        const { status, text } = r.value;
        if (status === 429) return { ok: false, failure: 'http_429', retryable: true };
        if (status >= 500) return { ok: false, failure: 'http_5xx', retryable: true };
        if (status < 200 || status >= 300) return { ok: false, failure: 'http_4xx', retryable: false };
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return { ok: false, failure: 'bad_json', retryable: false };
        }
        const parsed = ChatCompletion.safeParse(json);
        const content = parsed.success ? parsed.data.choices[0]?.message.content : undefined;
        if (typeof content !== 'string') return { ok: false, failure: 'schema', retryable: false };
        return { ok: true, value: content };
      },
      onAttempt,
    );
    if (!result.ok) return result;
    const note = parseLlmNote(req, result.value);
    if (!note.ok) return { ok: false, failure: note.failure, attempts: result.attempts };
    return { ok: true, note: note.note, attempts: result.attempts, secrets: { canary: prompt.canary, system: prompt.system } };
  },
};

/** An LLM endpoint the transcript may be sent to: https, or http to this machine only. */
export function endpointAllowed(baseUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
}
