// The sidecar's loop: fetch a token, render ivysettings.xml, replace the file when it changed, and
// schedule the next refresh ahead of expiry. Failures keep the last good file and back off.
import { setTimeout as delay } from "node:timers/promises";
import { backoffDelay } from "../backoff.js";
import { InfraError, UserError } from "../errors.js";
import type { IvyMetrics } from "./metrics.js";
import type { TokenProvider } from "./providers/types.js";
import { discoverRealm } from "./realm.js";
import { renderIvySettings, type PrivateRepo, type PublicRepo } from "./settings.js";
import { redactUrl, type Token } from "./token.js";
import type { SettingsWriter } from "./writer.js";

export interface RepoRef {
  readonly name: string;
  /** undefined: ask the provider (CodeArtifact's GetRepositoryEndpoint). */
  readonly url?: string;
  /** undefined: read it from the server's 401 challenge. */
  readonly realm?: string;
  readonly username: string;
}

export interface Timing {
  /** Upper bound between refreshes (the seed's 5 minutes). */
  readonly intervalMs: number;
  /** Start refreshing this long before expiry (botocore's advisory window is 15 min). */
  readonly refreshBeforeMs: number;
  /** Healthy while the file's token stays valid longer than this (botocore's mandatory window, 10 min). */
  readonly marginMs: number;
  /** Each wait is shortened by up to this fraction, so sidecars started together drift apart. */
  readonly jitter: number;
  /** The first refresh waits a random 0..this, against synchronised starts. */
  readonly startJitterMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** One attempt (endpoint + realm + token) gives up after this. */
  readonly timeoutMs: number;
}

export const defaultTiming: Timing = {
  intervalMs: 5 * 60_000,
  refreshBeforeMs: 15 * 60_000,
  marginMs: 10 * 60_000,
  jitter: 0.1,
  startJitterMs: 0,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  timeoutMs: 30_000,
};

export interface RefresherConfig {
  readonly provider: TokenProvider;
  readonly writer: SettingsWriter;
  readonly cacheDir: string;
  readonly centralRoot?: string | false;
  readonly privateFirst?: boolean;
  readonly publicRepos: readonly PublicRepo[];
  readonly privateRepos: readonly RepoRef[];
  readonly timing?: Partial<Timing>;
  readonly metrics?: IvyMetrics;
}

export type LogFields = Record<string, string | number | boolean | undefined>;
export interface IvyLogger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface RefresherDeps {
  readonly now?: () => number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly log?: IvyLogger;
}

export interface RefreshResult {
  readonly written: boolean;
  readonly expiresAt?: Date;
  readonly durationMs: number;
  readonly repos: readonly { name: string; url: string }[];
}

export interface Health {
  readonly healthy: boolean;
  readonly reason: string;
  readonly expiresAt?: string;
  readonly lastSuccess?: string;
  readonly consecutiveFailures: number;
}

type Stage = "endpoint" | "realm" | "token" | "write";
class StageError extends Error {
  constructor(
    readonly stage: Stage,
    readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const silent: IvyLogger = { info() {}, warn() {}, error() {} };
const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined);

export class IvyRefresher {
  private readonly timing: Timing;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly log: IvyLogger;
  private resolved: PrivateRepo[] | undefined;
  /** What the file on disk holds: undefined until a write (or an identical file) is confirmed. */
  private good: { expiresAt?: Date } | undefined;
  private lastSuccessAt: number | undefined;
  private failures = 0;
  private stopper: AbortController | undefined;
  private wake: AbortController = new AbortController();
  private loop: Promise<void> | undefined;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly cfg: RefresherConfig,
    deps: RefresherDeps = {},
  ) {
    this.timing = { ...defaultTiming, ...cfg.timing };
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? defaultSleep;
    this.random = deps.random ?? Math.random;
    this.log = deps.log ?? silent;
  }

  /** One attempt. Throws InfraError/UserError (never holding the token); the file is untouched on failure. */
  async refreshOnce(signal?: AbortSignal): Promise<RefreshResult> {
    const started = this.now();
    const t0 = performance.now();
    const timeout = AbortSignal.timeout(this.timing.timeoutMs);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const m = this.cfg.metrics;
    try {
      const repos = await this.resolveRepos(sig);
      let token: Token;
      try {
        token = await this.cfg.provider.fetch(sig);
      } catch (err) {
        throw new StageError(
          "token",
          timeout.aborted
            ? new InfraError(
                `token provider ${this.cfg.provider.name} did not answer within ${this.timing.timeoutMs} ms`,
              )
            : err,
        );
      }
      const xml = renderIvySettings({
        cacheDir: this.cfg.cacheDir,
        ...(this.cfg.centralRoot !== undefined ? { centralRoot: this.cfg.centralRoot } : {}),
        privateFirst: this.cfg.privateFirst ?? false,
        publicRepos: this.cfg.publicRepos,
        privateRepos: repos,
        token: token.value,
      });
      let written: boolean;
      try {
        written = await this.cfg.writer.write(xml);
      } catch (err) {
        throw new StageError("write", err);
      }
      this.good = token.expiresAt ? { expiresAt: token.expiresAt } : {};
      this.lastSuccessAt = this.now();
      this.failures = 0;
      const durationMs = performance.now() - t0;
      m?.successes.inc();
      if (written) m?.writes.inc();
      m?.tokenExpiry.set(token.expiresAt ? token.expiresAt.getTime() / 1000 : 0);
      m?.lastSuccess.set(this.lastSuccessAt / 1000);
      return {
        written,
        ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
        durationMs,
        repos: repos.map((r) => ({ name: r.name, url: redactUrl(r.url) })),
      };
    } catch (err) {
      this.failures += 1;
      const stage = err instanceof StageError ? err.stage : "token";
      m?.failures.inc({ stage });
      const cause = err instanceof StageError ? err.cause : err;
      throw cause instanceof InfraError || cause instanceof UserError
        ? cause
        : new InfraError(`refresh failed at ${stage}: ${(cause as Error).message}`);
    } finally {
      m?.lastAttempt.set(Math.max(started, this.now()) / 1000);
      m?.duration.observe((performance.now() - t0) / 1000);
      m?.healthy.set(this.health().healthy ? 1 : 0);
    }
  }

  private async resolveRepos(signal: AbortSignal): Promise<PrivateRepo[]> {
    if (this.resolved) return this.resolved;
    const out: PrivateRepo[] = [];
    for (const r of this.cfg.privateRepos) {
      let url = r.url;
      if (url === undefined) {
        if (!this.cfg.provider.repositoryUrl)
          throw new StageError(
            "endpoint",
            new UserError(`private repository ${r.name} has no URL`, "pass --repo-url"),
          );
        try {
          url = await this.cfg.provider.repositoryUrl(signal);
        } catch (err) {
          throw new StageError("endpoint", err);
        }
      }
      let realm = r.realm;
      if (realm === undefined) {
        try {
          realm = await discoverRealm(url, signal);
        } catch (err) {
          throw new StageError("realm", err);
        }
      }
      out.push({ name: r.name, url, realm, username: r.username });
    }
    this.resolved = out;
    return out;
  }

  /** Unhealthy only when the file holds no token that stays valid past the margin. */
  health(): Health {
    const now = this.now();
    const base = {
      consecutiveFailures: this.failures,
      ...(this.lastSuccessAt ? { lastSuccess: new Date(this.lastSuccessAt).toISOString() } : {}),
      ...(this.good?.expiresAt ? { expiresAt: this.good.expiresAt.toISOString() } : {}),
    };
    if (!this.good) return { healthy: false, reason: "no token written yet", ...base };
    const exp = this.good.expiresAt;
    if (!exp) return { healthy: true, reason: "token written (its expiry is unknown)", ...base };
    const left = exp.getTime() - now;
    if (left <= this.timing.marginMs) {
      return {
        healthy: false,
        reason:
          left <= 0
            ? "token expired"
            : `token expires within the ${Math.round(this.timing.marginMs / 1000)} s margin`,
        ...base,
      };
    }
    return { healthy: true, reason: `token valid for ${Math.round(left / 1000)} s more`, ...base };
  }

  /** Next wait after a success: the interval, or earlier to land before the refresh window; jittered down. */
  nextDelay(expiresAt?: Date): number {
    const t = this.timing;
    let ms = t.intervalMs;
    if (expiresAt) {
      const untilWindow = expiresAt.getTime() - t.refreshBeforeMs - this.now();
      // A token shorter-lived than the window: refresh at half its remaining life instead of spinning.
      const fallback = (expiresAt.getTime() - this.now()) / 2;
      ms = Math.min(ms, untilWindow > 0 ? untilWindow : fallback);
    }
    ms = ms * (1 - t.jitter * this.random());
    return Math.max(ms, 1_000);
  }

  /** The shared backoff after `failures` failures, never under 50 ms: a daemon must not spin. */
  backoffDelay(failures: number): number {
    const t = this.timing;
    return backoffDelay(
      failures - 1,
      { baseMs: t.backoffBaseMs, capMs: t.backoffMaxMs, floorMs: 50 },
      this.random,
    );
  }

  /** Starts the loop. Stops on `signal` or stop(). */
  start(signal?: AbortSignal): void {
    if (this.loop) return;
    this.stopper = new AbortController();
    const stop = signal ? AbortSignal.any([signal, this.stopper.signal]) : this.stopper.signal;
    this.unwatch = this.cfg.provider.watch?.(() => this.kick("token source changed"));
    this.loop = this.run(stop).finally(() => this.unwatch?.());
  }

  /** Refreshes now instead of at the scheduled time (a rotated token file). */
  kick(why: string): void {
    this.log.info("refresh requested", { reason: why });
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopper?.abort();
    await this.loop;
  }

  private async run(stop: AbortSignal): Promise<void> {
    let wait = this.timing.startJitterMs * this.random();
    while (!stop.aborted) {
      if (wait > 0) {
        await this.sleep(wait, AbortSignal.any([stop, this.wake.signal]));
        if (this.wake.signal.aborted) this.wake = new AbortController();
      }
      if (stop.aborted) break;
      try {
        const r = await this.refreshOnce(stop);
        wait = this.nextDelay(r.expiresAt);
        this.log.info(r.written ? "ivysettings written" : "token unchanged, file left as is", {
          out: this.cfg.writer.path,
          expiresAt: r.expiresAt?.toISOString(),
          refreshMs: Math.round(r.durationMs * 10) / 10,
          nextRefreshInS: Math.round(wait / 1000),
        });
      } catch (err) {
        if (stop.aborted) break;
        wait = this.backoffDelay(this.failures);
        const h = this.health();
        const fields = {
          out: this.cfg.writer.path,
          consecutiveFailures: this.failures,
          retryInMs: Math.round(wait),
          healthy: h.healthy,
          keptFile: this.good !== undefined,
          expiresAt: h.expiresAt,
        };
        const msg = `refresh failed: ${(err as Error).message}`;
        if (h.healthy) this.log.warn(`${msg}; keeping the last good file`, fields);
        else this.log.error(`${msg}; no valid token past the margin`, fields);
      }
    }
    this.log.info("refresher stopped", { out: this.cfg.writer.path });
  }
}
