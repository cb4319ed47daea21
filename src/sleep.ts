// The one abortable sleep that retries and backoffs share: rejects with InterruptedError when the signal aborts.
import { setTimeout as delay } from "node:timers/promises";
import { InterruptedError } from "./errors.js";

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  delay(ms, undefined, { signal }).then(
    () => undefined,
    (err: unknown) => {
      if (signal?.aborted) throw new InterruptedError();
      throw err;
    },
  );
