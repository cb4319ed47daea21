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

/** Opens `file:///abs/dir` or `s3://bucket[/prefix]`. The S3 client is loaded only for s3:// URIs. */
export async function openStore(uri: string, opts: StoreOptions = {}): Promise<ArtifactStore> {
  const policy = retryPolicy(opts.retry);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UserError(`--store: expected file:///absolute/dir or s3://bucket/prefix, found '${uri}'`);
  }
  if (url.username || url.password) {
    throw new UserError(
      "--store: credentials in the store URI are not accepted",
      "use the AWS credential chain (env, profile, role)",
    );
  }
  if (url.protocol === "file:") {
    if (url.host !== "" && url.host !== "localhost") {
      throw new UserError(`--store: file URIs need an absolute path (file:///dir), found '${uri}'`);
    }
    const { FileStore } = await import("./file-store.js");
    return new FileStore(decodeURIComponent(url.pathname), policy);
  }
  if (url.protocol === "s3:") {
    const bucket = url.host;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new UserError(
        `--store: '${bucket}' is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')`,
      );
    }
    const prefix = url.pathname.replace(/^\/+|\/+$/g, "");
    const env = opts.env ?? process.env;
    const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const { S3Store } = await import("./s3-store.js");
    return new S3Store({
      bucket,
      prefix,
      endpoint,
      region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      policy,
    });
  }
  throw new UserError(`--store: unsupported scheme '${url.protocol}' in '${uri}'; expected file:// or s3://`);
}

/** The store URI from the seed's environment: ARTIFACT_STORE wins, else s3://$S3_BUCKET. */
export function storeFromEnv(store: string | undefined, bucket: string | undefined): string | undefined {
  if (store) return store;
  if (bucket) return bucket.startsWith("s3://") ? bucket : `s3://${bucket}`;
  return undefined;
}
