// Retry policy for single API calls (not watches): 429 waits for Retry-After, 5xx and transport failures get
// capped, jittered exponential backoff, any other 4xx is final and reported verbatim.
import { backoffDelay } from "../backoff.js";
import { InterruptedError } from "../errors.js";
import { sleep, type Sleep } from "../sleep.js";
import { isTransportError, retryAfterOf, statusOf, toKubeError } from "./client.js";

export type { Sleep } from "../sleep.js";
export const realSleep: Sleep = sleep;

export interface RetryOptions {
  /** Attempts in all, including the first (default 6). */
  attempts?: number;
  baseMs?: number;
  capMs?: number;
  /** Longest Retry-After honoured, seconds; longer waits are clamped (default 60). */
  maxRetryAfterS?: number;
  sleep?: Sleep;
  random?: () => number;
  signal?: AbortSignal;
  /** Called before each wait, for progress output. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

/** The shared backoff with the API's floor: never sooner than `base`. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return backoffDelay(attempt, { baseMs, capMs, floorMs: baseMs }, random);
}

export function isRetryable(err: unknown): boolean {
  const code = statusOf(err);
  if (code === undefined) return isTransportError(err);
  return code === 429 || code >= 500;
}

/**
 * Runs `fn` until it succeeds, a final error comes back, or attempts run out. Errors come out mapped by
 * toKubeError with `what` naming the operation.
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  opts: RetryOptions = {},
  server?: string,
): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const baseMs = opts.baseMs ?? 200;
  const capMs = opts.capMs ?? 10_000;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw new InterruptedError();
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || attempt + 1 >= attempts) throw toKubeError(err, what, server);
      const code = statusOf(err);
      const retryAfter = retryAfterOf(err);
      let waitMs = backoffMs(attempt, baseMs, capMs, random);
      if (code === 429 && retryAfter !== undefined) {
        waitMs = Math.max(waitMs, Math.min(retryAfter, opts.maxRetryAfterS ?? 60) * 1000);
      }
      opts.onRetry?.({
        attempt: attempt + 1,
        waitMs,
        reason: code ? `HTTP ${code}` : String((err as { code?: string }).code ?? err),
      });
      await sleep(waitMs, opts.signal);
    }
  }
}
