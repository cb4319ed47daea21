// Connection to the cluster through the official client and the user's kubeconfig, and the one place that
// turns client failures into sparklane's error vocabulary.
import { existsSync } from "node:fs";
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, Log, Watch } from "@kubernetes/client-node";
import { InfraError, KubeApiError, UserError } from "../errors.js";

export const GROUP = "sparkoperator.k8s.io";
export const VERSION = "v1beta2";
export const PLURAL = "sparkapplications";

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Kube {
  readonly kc: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly watch: Watch;
  readonly log: Log;
  /** --namespace, else the context's namespace, else "default". */
  readonly namespace: string;
  /** The current context's own namespace, when it sets one (see namespace.ts for the rule). */
  readonly contextNamespace?: string;
  /** The API server URL, for messages. */
  readonly server: string;
}

/**
 * With no KUBECONFIG, no ~/.kube/config and no service-account token, the client falls back to an unauthenticated
 * http://localhost:8080 cluster under a context named `loaded-context`, and the first call then fails with an
 * unrelated TLS message. That fallback is recognised here so the user hears what is actually missing.
 */
function isClientFallback(kc: KubeConfig): boolean {
  const cluster = kc.getCurrentCluster();
  return (
    kc.getCurrentContext() === "loaded-context" &&
    kc.getContexts().length === 1 &&
    cluster?.server === "http://localhost:8080"
  );
}

export function connect(opts: KubeOptions = {}): Kube {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) {
      if (!existsSync(opts.kubeconfig)) {
        throw new UserError(
          `--kubeconfig ${opts.kubeconfig}: no such file`,
          "pass the path of a kubeconfig file, or omit the flag to use $KUBECONFIG or ~/.kube/config",
        );
      }
      kc.loadFromFile(opts.kubeconfig);
    } else {
      kc.loadFromDefault();
      if (isClientFallback(kc)) {
        // Exit 2 like a missing --kubeconfig file: the user must supply the configuration; nothing was reached.
        throw new UserError(
          "no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod",
          "pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (e.g. with your cluster's CLI)",
        );
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `cannot read kubeconfig ${opts.kubeconfig ?? (process.env.KUBECONFIG ? `$KUBECONFIG ${process.env.KUBECONFIG}` : "~/.kube/config")}: ${(err as Error).message}`,
      undefined,
      { cause: err },
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UserError(
        `--context ${opts.context}: no such context in the kubeconfig`,
        known.length ? `known contexts: ${known.join(", ")}` : undefined,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new UserError("the kubeconfig has no current cluster", "set current-context, or pass --context");
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
  const namespace = opts.namespace ?? contextNamespace ?? "default";
  return {
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
    watch: new Watch(kc),
    log: new Log(kc),
    namespace,
    contextNamespace,
    server: cluster.server,
  };
}

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

function parseBody(body: unknown): StatusBody | undefined {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === "object" ? body : undefined;
}

/** HTTP status of a client failure, or undefined for transport errors. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.code;
  if (err instanceof ApiException) return err.code;
  const sc = (err as { statusCode?: unknown })?.statusCode;
  return typeof sc === "number" ? sc : undefined;
}

export function retryAfterOf(err: unknown): number | undefined {
  const headers =
    (err as { headers?: Record<string, string> })?.headers ??
    (err as { body?: { headers?: Record<string, string> } })?.body?.headers;
  const v = headers?.["retry-after"];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, (t - Date.now()) / 1000) : undefined;
}

/** Transport-level failures (refused, reset, DNS, timeout) as opposed to API answers. */
export function isTransportError(err: unknown): boolean {
  if (err instanceof ApiException || err instanceof KubeApiError) return false;
  const e = err as { code?: string; type?: string; name?: string };
  return (
    e?.type === "system" ||
    e?.name === "FetchError" ||
    e?.name === "AbortError" ||
    typeof e?.code === "string"
  );
}

/**
 * Maps a client failure to KubeApiError (the API answered: message verbatim) or InfraError (unreachable).
 * `what` names the operation and resource, e.g. `create sparkapplication spark/x`.
 */
export function toKubeError(err: unknown, what: string, server?: string): Error {
  if (err instanceof KubeApiError || err instanceof InfraError || err instanceof UserError) return err;
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    const message = body?.message ?? `HTTP ${err.code}`;
    return new KubeApiError(
      `${what}: the API answered ${err.code}${body?.reason ? ` ${body.reason}` : ""}: ${message}`,
      err.code,
      body?.reason,
      body,
      { cause: err },
    );
  }
  const code = statusOf(err);
  if (code !== undefined)
    return new KubeApiError(`${what}: the API answered ${code}`, code, undefined, undefined, { cause: err });
  const e = err as { code?: string; message?: string };
  return new InfraError(
    `${what}: cannot reach the Kubernetes API${server ? ` at ${server}` : ""}: ${e?.code ?? e?.message ?? String(err)}`,
    "check the kubeconfig (--kubeconfig, --context) and that the cluster is reachable",
    { cause: err },
  );
}
