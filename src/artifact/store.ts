// Artifact stores behind one interface: `file:///dir` and `s3://bucket/prefix`. Keys are relative
// POSIX paths under the store's base. Every remote call goes through `retrying`, which gives bounded
// retries with exponential backoff and full jitter, then an InfraError naming the store and the last error.
import { backoff } from "../backoff.js";
import { InfraError, InterruptedError, UserError } from "../errors.js";
import { sleep } from "../sleep.js";

export interface ArtifactStore {
  /** The store's URI, safe to print (no credentials ever appear in it). */
  readonly uri: string;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  /** Writes the object whole. With `ifAbsent`, returns false instead of replacing an existing object. */
  put(key: string, body: Buffer, opts?: { ifAbsent?: boolean }): Promise<boolean>;
  /** Names of the immediate "folders" under `prefix` (a key ending without '/'). */
  listDirs(prefix: string): Promise<string[]>;
  /** Creates what a first publish needs (the folder of a file store). */
  prepareWrite?(): Promise<void>;
}

export interface RetryPolicy {
  /** Total attempts per call, first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly signal?: AbortSignal;
}

export interface StoreOptions {
  /** S3-compatible endpoint; defaults to AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly env?: NodeJS.ProcessEnv;
}

export const defaultSleep = sleep;

export function retryPolicy(p: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    attempts: Math.max(1, p.attempts ?? 4),
    baseDelayMs: p.baseDelayMs ?? 500,
    maxDelayMs: p.maxDelayMs ?? 8000,
    sleep: p.sleep ?? defaultSleep,
    random: p.random ?? Math.random,
    signal: p.signal,
  };
}

/** Thrown by a store operation for a failure that retrying cannot fix (missing bucket, access denied). */
export class PermanentStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentStoreError";
  }
}

export async function retrying<T>(
  storeUri: string,
  what: string,
  policy: RetryPolicy,
  fn: () => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (policy.signal?.aborted) throw new InterruptedError();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UserError || err instanceof InterruptedError) throw err;
      if (err instanceof PermanentStoreError) {
        throw new InfraError(`store ${storeUri}: ${what} refused: ${err.message}`, undefined, { cause: err });
      }
      last = err;
      if (attempt < policy.attempts) {
        await backoff(attempt - 1, { baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs }, policy);
      }
    }
  }
  const msg =
    last instanceof Error ? `${last.name === "Error" ? "" : `${last.name}: `}${last.message}` : String(last);
  throw new InfraError(
    `store ${storeUri}: ${what} failed after ${policy.attempts} attempt${policy.attempts === 1 ? "" : "s"}; last error: ${msg || "(no message)"}`,
    "check that the store is reachable from here (endpoint, network, credentials) and retry",
    { cause: last },
  );
}

/** The store URI from the seed's environment: ARTIFACT_STORE wins, else s3://$S3_BUCKET. */
export function storeFromEnv(store: string | undefined, bucket: string | undefined): string | undefined {
  if (store) return store;
  if (bucket) return bucket.startsWith("s3://") ? bucket : `s3://${bucket}`;
  return undefined;
}

/** `--retries` (and BOOTSTRAP_RETRIES): attempts per store call, bounded so a typo cannot stall a pod. */
export function attemptsFrom(text: string): number {
  const attempts = Number(text);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20)
    throw new UserError(`--retries: expected an integer 1-20, found '${text}'`);
  return attempts;
}
