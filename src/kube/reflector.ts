// A list-then-watch loop over one resource, built on the official client's `Watch`, which handles a single
// stream only. It resumes from the last resourceVersion (bookmarks included), re-lists on 410 Gone whether
// the 410 comes as the HTTP status or as an ERROR event inside a 200 stream, and reconnects after resets
// with capped, jittered backoff. After a re-list it emits the difference against what it knew, so
// consumers see deletions that happened while the stream was down. A stream on which nothing arrives for
// longer than the API server's bookmark period is taken for a dead connection (a stalled path sends no
// RST) and reopened.
import { Watch, type KubeConfig } from "@kubernetes/client-node";
import { InterruptedError, KubeApiError } from "../errors.js";
import { isTransportError, statusOf, toKubeError, type Kube } from "./client.js";
import { backoffMs, realSleep, type Sleep } from "./retry.js";

export interface KMeta {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface ReflectorOptions<T extends KMeta> {
  kube: Kube;
  /** Names the resource in errors, e.g. `sparkapplications in spark`. */
  what: string;
  list: () => Promise<{ items: T[]; resourceVersion: string }>;
  /** API path of the collection, e.g. /apis/sparkoperator.k8s.io/v1beta2/namespaces/spark/sparkapplications. */
  watchPath: string;
  query?: Record<string, string | undefined>;
  onChange: (type: ChangeType, obj: T) => void;
  /** Applied to every object before it is cached or emitted: consumers that need a few fields keep memory low. */
  transform?: (obj: T) => T;
  /** After every (re)list, once its differences were emitted. */
  onSynced?: () => void;
  onConnection?: (e: {
    event: "listed" | "watching" | "closed" | "gone" | "error";
    error?: unknown;
    delayMs?: number;
  }) => void;
  signal: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  baseMs?: number;
  capMs?: number;
  /** Consecutive failures before run() rejects with InfraError (default: never give up). */
  maxFailures?: number;
  /**
   * Failures allowed before the first successful list (default: maxFailures). A daemon that never reached the
   * API at start is misconfigured more often than unlucky, and must say so and exit rather than retry forever.
   */
  maxFailuresBeforeSync?: number;
  /** Server-side watch timeout, so streams are renewed even when idle (default 290 s). */
  watchTimeoutSeconds?: number;
  /**
   * A stream that delivers nothing (no event, no bookmark) for this long is abandoned and reopened from the
   * last resourceVersion (default 150 s: the API server sends a bookmark about every 60 s on a quiet watch).
   */
  idleTimeoutMs?: number;
}

/** Thrown (as a transport error) for a watch stream that stopped delivering anything. */
export class StalledStreamError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(what: string, ms: number) {
    super(`watch ${what}: nothing received for ${ms / 1000} s (connection stalled)`);
  }
}

/**
 * A Watch whose requests' HTTP agents are handed to `onAgent`. The client's Watch gives its AbortController
 * only once response headers arrived; a request stalled before that can be ended only through its agent.
 */
function watchRecordingAgents(kc: KubeConfig, onAgent: (agent: { destroy(): void }) => void): Watch {
  const config = {
    getCurrentCluster: () => kc.getCurrentCluster(),
    applyToFetchOptions: async (o: object) => {
      const init = (await kc.applyToFetchOptions(o)) as { agent?: unknown };
      const agent = init.agent as { destroy?: () => void } | undefined;
      if (agent?.destroy) onAgent(agent as { destroy(): void });
      return init;
    },
  };
  return new Watch(config as unknown as KubeConfig);
}

const keyOf = (o: KMeta) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

interface StreamEnd {
  kind: "closed" | "gone" | "error" | "aborted";
  error?: unknown;
  sawEvents: boolean;
}

export class Reflector<T extends KMeta> {
  readonly cache = new Map<string, T>();
  resourceVersion = "";
  private failures = 0;
  private synced = false;

  constructor(private readonly o: ReflectorOptions<T>) {}

  /** Runs until the signal aborts (resolves) or a final error (rejects). */
  async run(): Promise<void> {
    const sleep = this.o.sleep ?? realSleep;
    const random = this.o.random ?? Math.random;
    let needList = true;
    while (!this.o.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const end = await this.stream();
        if (end.kind === "aborted") break;
        if (end.kind === "gone") {
          this.o.onConnection?.({ event: "gone" });
          needList = true;
          this.failures = 0;
          continue;
        }
        if (end.kind === "closed") {
          this.o.onConnection?.({ event: "closed" });
          // A normal end (server timeout): resume at once; a stream that closes with nothing in it backs off
          // a little, so a misbehaving server is not hammered.
          if (end.sawEvents) {
            this.failures = 0;
            continue;
          }
          await this.pause(sleep, random);
          continue;
        }
        throw end.error;
      } catch (err) {
        if (this.o.signal.aborted || err instanceof InterruptedError) break;
        const code = statusOf(err);
        if (code === 410) {
          needList = true;
          continue;
        }
        if (code !== undefined && code !== 429 && code < 500)
          throw toKubeError(err, `watch ${this.o.what}`, this.o.kube.server);
        if (code === undefined && !isTransportError(err) && !(err instanceof KubeApiError)) throw err;
        this.failures++;
        const limit = this.synced ? this.o.maxFailures : (this.o.maxFailuresBeforeSync ?? this.o.maxFailures);
        if (limit !== undefined && this.failures >= limit)
          throw toKubeError(err, `watch ${this.o.what}`, this.o.kube.server);
        try {
          await this.pause(sleep, random, err);
        } catch {
          break;
        }
      }
    }
  }

  private async pause(sleep: Sleep, random: () => number, error?: unknown): Promise<void> {
    const delayMs = backoffMs(
      Math.min(this.failures, 10),
      this.o.baseMs ?? 200,
      this.o.capMs ?? 10_000,
      random,
    );
    this.o.onConnection?.({ event: "error", error, delayMs });
    await sleep(delayMs, this.o.signal);
  }

  private async relist(): Promise<void> {
    const listed = await this.o.list();
    const resourceVersion = listed.resourceVersion;
    const items = this.o.transform ? listed.items.map(this.o.transform) : listed.items;
    listed.items = [];
    const seen = new Set<string>();
    for (const item of items) {
      const k = keyOf(item);
      seen.add(k);
      const old = this.cache.get(k);
      this.cache.set(k, item);
      if (!old) this.o.onChange("ADDED", item);
      else if (
        old.metadata?.resourceVersion !== item.metadata?.resourceVersion ||
        old.metadata?.uid !== item.metadata?.uid
      )
        this.o.onChange("MODIFIED", item);
    }
    for (const [k, old] of [...this.cache]) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.o.onChange("DELETED", old);
      }
    }
    this.resourceVersion = resourceVersion;
    this.failures = 0;
    this.synced = true;
    this.o.onConnection?.({ event: "listed" });
    this.o.onSynced?.();
  }

  private stream(): Promise<StreamEnd> {
    return new Promise<StreamEnd>((resolve) => {
      let settled = false;
      let sawEvents = false;
      let gone = false;
      let controller: AbortController | undefined;
      let agent: { destroy(): void } | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      const idleMs = this.o.idleTimeoutMs ?? 150_000;
      const finish = (end: StreamEnd) => {
        if (settled) return;
        settled = true;
        clearTimeout(idleTimer);
        this.o.signal.removeEventListener("abort", onAbort);
        controller?.abort();
        resolve(end);
      };
      const armIdle = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          finish({ kind: "error", error: new StalledStreamError(this.o.what, idleMs), sawEvents });
          // Ends the request even when it stalled before its response headers (no controller yet).
          agent?.destroy();
        }, idleMs);
      };
      const onAbort = () => finish({ kind: "aborted", sawEvents });
      // The consumer may have stopped us from inside onChange during the list, before this listener existed.
      if (this.o.signal.aborted) return onAbort();
      this.o.signal.addEventListener("abort", onAbort, { once: true });
      const query: Record<string, string> = {
        allowWatchBookmarks: "true",
        timeoutSeconds: String(this.o.watchTimeoutSeconds ?? 290),
        resourceVersion: this.resourceVersion,
      };
      for (const [k, v] of Object.entries(this.o.query ?? {})) if (v !== undefined) query[k] = v;
      this.o.onConnection?.({ event: "watching" });
      armIdle();
      watchRecordingAgents(this.o.kube.kc, (a) => (agent = a))
        .watch(
          this.o.watchPath,
          query,
          (type: string, raw: T & { code?: number }) => {
            if (settled) return;
            armIdle();
            const obj =
              this.o.transform && type !== "ERROR" && type !== "BOOKMARK"
                ? (this.o.transform(raw) as T & { code?: number })
                : raw;
            if (type === "ERROR") {
              if (obj?.code === 410) {
                gone = true;
                finish({ kind: "gone", sawEvents });
              } else {
                finish({
                  kind: "error",
                  error: new KubeApiError(`watch ${this.o.what}: ${JSON.stringify(obj)}`, obj?.code ?? 500),
                  sawEvents,
                });
              }
              return;
            }
            const rv = obj?.metadata?.resourceVersion;
            if (rv) this.resourceVersion = rv;
            sawEvents = true;
            if (type === "BOOKMARK") return;
            if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") return;
            const k = keyOf(obj);
            if (type === "DELETED") this.cache.delete(k);
            else this.cache.set(k, obj);
            this.failures = 0;
            this.o.onChange(type, obj);
          },
          (err: unknown) => {
            if (this.o.signal.aborted) return finish({ kind: "aborted", sawEvents });
            if (gone) return finish({ kind: "gone", sawEvents });
            if (!err) return finish({ kind: "closed", sawEvents });
            if (statusOf(err) === 410) return finish({ kind: "gone", sawEvents });
            const name = (err as { name?: string })?.name;
            if (name === "AbortError") return finish({ kind: settled ? "aborted" : "closed", sawEvents });
            finish({ kind: "error", error: err, sawEvents });
          },
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        })
        .catch((err: unknown) => finish({ kind: "error", error: err, sawEvents }));
    });
  }
}
