import type { ProviderFailure } from '../log.ts';

export type Attempt<T> = { ok: true; value: T } | { ok: false; failure: ProviderFailure; retryable: boolean };

/**
 * Run `fn` up to 1 + maxRetries times. Retries only retryable failures (timeouts, network
 * errors, 429, 5xx), with exponential back-off and full jitter: base * 2^n, capped.
 */
export async function withRetries<T>(
  maxRetries: number,
  sleep: (ms: number) => Promise<void>,
  fn: (attempt: number) => Promise<Attempt<T>>,
  onAttempt?: (attempt: number, failure: ProviderFailure | null) => void,
  baseMs = 200,
  capMs = 2_000,
): Promise<{ ok: true; value: T; attempts: number } | { ok: false; failure: ProviderFailure; attempts: number }> {
  let last: ProviderFailure = 'network';
  for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
    const r = await fn(attempt);
    onAttempt?.(attempt, r.ok ? null : r.failure);
    if (r.ok) return { ok: true, value: r.value, attempts: attempt };
    last = r.failure;
    if (!r.retryable || attempt > maxRetries) return { ok: false, failure: last, attempts: attempt };
    const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
    await sleep(Math.floor(ceiling / 2 + (Math.random() * ceiling) / 2));
  }
  return { ok: false, failure: last, attempts: maxRetries + 1 };
}

/** Promise with a deadline; the AbortController lets fetch stop the underlying request. */
export async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; timedOut: boolean }> {
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      ctl.abort();
      resolve('timeout');
    }, ms);
  });
  try {
    const r = await Promise.race([fn(ctl.signal), deadline]);
    if (r === 'timeout') return { ok: false, timedOut: true };
    return { ok: true, value: r };
  } catch {
    return { ok: false, timedOut: ctl.signal.aborted };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
