// The one backoff: capped exponential growth with jitter, for every retry loop (Kubernetes calls and watches,
// artifact stores, the Ivy token refresher). Randomness and sleep are injected so tests can pin them.
import { sleep as realSleep, type Sleep } from "./sleep.js";

export interface BackoffPolicy {
  /** The ceiling of the first wait; each retry doubles it. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly capMs: number;
  /**
   * The shortest wait (default 0). A floor keeps a loop that retries for ever from spinning when the random
   * draw is near zero; it never exceeds the ceiling.
   */
  readonly floorMs?: number;
}

/**
 * Wait before retry `retry` (0 for the first retry): "full jitter", uniform in [0, ceiling] with
 * ceiling = min(cap, base * 2^retry), raised to the floor when below it, rounded to whole milliseconds.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(0, retry), 52));
  const floor = Math.min(policy.floorMs ?? 0, ceiling);
  return Math.round(Math.max(floor, random() * ceiling));
}

/** Sleeps the backoff for `retry`; rejects with InterruptedError when `signal` aborts. Returns the wait. */
export async function backoff(
  retry: number,
  policy: BackoffPolicy,
  deps: { readonly random?: () => number; readonly sleep?: Sleep; readonly signal?: AbortSignal } = {},
): Promise<number> {
  const ms = backoffDelay(retry, policy, deps.random);
  await (deps.sleep ?? realSleep)(ms, deps.signal);
  return ms;
}
