// SparkApplication operations: get, list, delete, and the idempotent create behind `submit`.
import { Observable, type ConfigurationOptions, type ObservableMiddleware } from "@kubernetes/client-node";
import { KubeApiError, UserError } from "../errors.js";
import { GROUP, PLURAL, VERSION, statusOf, toKubeError, type Kube } from "./client.js";
import { ANNOTATION_PAYLOAD_HASH, ANNOTATION_SPEC_HASH } from "./naming.js";
import type { Prepared } from "./prepare.js";
import { backoffMs, realSleep, withRetry, type RetryOptions } from "./retry.js";
import { retryAfterOf } from "./client.js";

export interface SparkApp {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: {
    applicationState?: { state?: string; errorMessage?: string };
    driverInfo?: { podName?: string; webUIAddress?: string };
    submissionID?: string;
    lastSubmissionAttemptTime?: string | null;
    terminationTime?: string | null;
    submissionAttempts?: number;
    executionAttempts?: number;
    sparkApplicationId?: string;
    executorState?: Record<string, string>;
  };
}

const ref = (ns: string, name: string) => `sparkapplication ${ns}/${name}`;

/** Per-request deadline through the client's own middleware, so a hung POST is really abandoned. */
function deadline(ms: number): ConfigurationOptions<ObservableMiddleware> {
  return {
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(AbortSignal.timeout(ms));
          return new Observable(Promise.resolve(ctx));
        },
        post: (rsp) => new Observable(Promise.resolve(rsp)),
      },
    ],
    middlewareMergeStrategy: "append",
  };
}

export async function getApp(
  kube: Kube,
  ns: string,
  name: string,
  retry: RetryOptions = {},
): Promise<SparkApp | undefined> {
  try {
    return (await withRetry(
      `get ${ref(ns, name)}`,
      () =>
        kube.custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: PLURAL,
          name,
        }),
      retry,
      kube.server,
    )) as SparkApp;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

export interface ListFilter {
  /** Undefined: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Lists in pages (limit/continue), so a namespace with thousands of applications never arrives as one huge
 * response; `map` is applied page by page (the exporter keeps a few fields of each object).
 */
export async function listApps<T = SparkApp>(
  kube: Kube,
  f: ListFilter,
  retry: RetryOptions = {},
  opts: { pageSize?: number; map?: (a: SparkApp) => T } = {},
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let resourceVersion = "";
  let cont: string | undefined;
  const what = `list sparkapplications${f.namespace ? ` in ${f.namespace}` : ""}`;
  do {
    const common = {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      labelSelector: f.labelSelector,
      fieldSelector: f.fieldSelector,
      limit: opts.pageSize ?? 500,
      _continue: cont,
    };
    const res = (await withRetry(
      what,
      () =>
        f.namespace
          ? kube.custom.listNamespacedCustomObject({ ...common, namespace: f.namespace })
          : kube.custom.listClusterCustomObject(common),
      retry,
      kube.server,
    )) as { items?: SparkApp[]; metadata?: { resourceVersion?: string; continue?: string } };
    for (const a of res.items ?? []) items.push(opts.map ? opts.map(a) : (a as T));
    // The first page's resourceVersion is the snapshot the whole list belongs to.
    resourceVersion ||= res.metadata?.resourceVersion ?? "";
    cont = res.metadata?.continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}

/** Deletes; returns false when it was already gone. */
export async function deleteApp(
  kube: Kube,
  ns: string,
  name: string,
  retry: RetryOptions = {},
): Promise<boolean> {
  try {
    await withRetry(
      `delete ${ref(ns, name)}`,
      () =>
        kube.custom.deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: PLURAL,
          name,
          propagationPolicy: "Background",
        }),
      retry,
      kube.server,
    );
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

export type EnsureAction = "created" | "attached" | "adopted" | "replaced" | "dry-run";

export interface EnsureOptions {
  replace?: boolean;
  /** `server`: the API validates and admits, nothing is stored (dryRun=All). */
  dryRun?: "server";
  /** Client-side deadline of one POST, ms (default 30 s). */
  postTimeoutMs?: number;
  /** Longest wait for a replaced application to be gone, ms. */
  replaceWaitMs?: number;
  retry?: RetryOptions;
}

export interface EnsureResult {
  action: EnsureAction;
  app: SparkApp;
}

function refuse(existing: SparkApp, why: string): UserError {
  const { namespace, name } = existing.metadata;
  return new UserError(
    `${ref(namespace, name)} already exists and ${why}`,
    "pass --replace to delete it and submit again, or change the run (--dag-id/--task-id/--run-id) to get a new name",
  );
}

/**
 * Creates the application unless this run's application exists already. Same spec: attach to it. Different
 * spec: refuse, or delete and recreate with `replace`. A 409 or an uncertain POST (timeout, reset, 5xx) is
 * followed by a GET, and an object found there is adopted only when its payload-hash annotation matches.
 */
export async function ensureApplication(
  kube: Kube,
  p: Prepared,
  opts: EnsureOptions = {},
): Promise<EnsureResult> {
  const ns = p.namespace;
  const name = p.name;
  const retry = opts.retry ?? {};
  const post = (dryRun?: string) =>
    kube.custom.createNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
        body: p.manifest,
        fieldValidation: "Strict",
        dryRun,
      },
      deadline(opts.postTimeoutMs ?? 30_000),
    ) as Promise<SparkApp>;

  if (opts.dryRun === "server") {
    try {
      return {
        action: "dry-run",
        app: await withRetry(`create ${ref(ns, name)} (dry run)`, () => post("All"), retry, kube.server),
      };
    } catch (err) {
      throw inputRefusal(err, `create ${ref(ns, name)} (dry run)`) ?? err;
    }
  }

  const adoptOrRefuse = (existing: SparkApp): EnsureResult => {
    const ann = existing.metadata.annotations ?? {};
    if (ann[ANNOTATION_PAYLOAD_HASH] !== p.payloadHash)
      throw refuse(existing, "was not created from this payload (payload-hash annotation differs)");
    if (ann[ANNOTATION_SPEC_HASH] !== p.specHash)
      throw refuse(existing, "has a different spec (the template, project variables or variant changed)");
    return { action: "adopted", app: existing };
  };

  let replaced = false;
  const existing = await getApp(kube, ns, name, retry);
  if (existing) {
    const same =
      existing.metadata.annotations?.[ANNOTATION_SPEC_HASH] === p.specHash &&
      existing.metadata.annotations?.[ANNOTATION_PAYLOAD_HASH] === p.payloadHash;
    const finished = ["COMPLETED", "FAILED"].includes(existing.status?.applicationState?.state ?? "");
    // --replace reruns a finished run; a live one with the same spec is always attached, never killed.
    if (same && !(opts.replace && finished)) return { action: "attached", app: existing };
    if (!same && !opts.replace) {
      throw refuse(
        existing,
        existing.metadata.annotations?.[ANNOTATION_PAYLOAD_HASH] === p.payloadHash
          ? "has a different spec (the template, project variables or variant changed)"
          : "was not created from this payload (payload-hash annotation differs)",
      );
    }
    await deleteApp(kube, ns, name, retry);
    // Not just the application: its pods outlive it until the garbage collector comes, and a new run of the
    // same name meets the old driver pod ("driver pod already exist") and fails its submission.
    await waitGone(kube, ns, name, opts.replaceWaitMs ?? 60_000, retry);
    replaced = true;
  }

  const attempts = retry.attempts ?? 6;
  const sleep = retry.sleep ?? realSleep;
  const random = retry.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      const app = await post();
      return { action: replaced ? "replaced" : "created", app };
    } catch (err) {
      const code = statusOf(err);
      if (code === 409) {
        const found = await getApp(kube, ns, name, retry);
        if (found) return adoptOrRefuse(found);
        // Gone again between the 409 and the GET (being deleted): try once more.
      } else if (code === 404) {
        const e = toKubeError(err, `create ${ref(ns, name)}`, kube.server);
        const kind = (e as KubeApiError).body as { details?: { kind?: string } } | undefined;
        throw Object.assign(e, {
          hint:
            kind?.details?.kind === "namespaces"
              ? `namespace ${ns} does not exist: create it (and make it one of the operator's job namespaces), or pass -n with an existing one`
              : `is the Spark Operator installed, with its CRD sparkapplications.${GROUP} (${VERSION}), and does namespace ${ns} exist? (sparklane doctor checks both)`,
        });
      } else if (code !== undefined && code !== 429 && code < 500) {
        throw (
          inputRefusal(err, `create ${ref(ns, name)}`) ??
          toKubeError(err, `create ${ref(ns, name)}`, kube.server)
        );
      }
      if (attempt + 1 >= attempts) throw toKubeError(err, `create ${ref(ns, name)}`, kube.server);
      let waitMs = backoffMs(attempt, retry.baseMs ?? 200, retry.capMs ?? 10_000, random);
      const ra = retryAfterOf(err);
      if (code === 429 && ra !== undefined)
        waitMs = Math.max(waitMs, Math.min(ra, retry.maxRetryAfterS ?? 60) * 1000);
      retry.onRetry?.({
        attempt: attempt + 1,
        waitMs,
        reason: code
          ? `HTTP ${code}`
          : String((err as { code?: string; name?: string }).code ?? (err as Error).name),
      });
      await sleep(waitMs, retry.signal);
      if (code !== 429 && code !== 409) {
        // The POST may have been applied even though no answer arrived: look before posting again.
        const found = await getApp(kube, ns, name, retry);
        if (found) return adoptOrRefuse(found);
      }
    }
  }
}

async function waitGone(
  kube: Kube,
  ns: string,
  name: string,
  maxMs: number,
  retry: RetryOptions,
): Promise<void> {
  const sleep = retry.sleep ?? realSleep;
  const start = Date.now();
  const podsLeft = async () => {
    const res = await withRetry(
      `list pods of ${ref(ns, name)}`,
      () =>
        kube.core.listNamespacedPod({
          namespace: ns,
          labelSelector: `sparkoperator.k8s.io/app-name=${name}`,
        }),
      retry,
      kube.server,
    );
    return res.items.length;
  };
  while ((await getApp(kube, ns, name, retry)) || (await podsLeft()) > 0) {
    if (Date.now() - start > maxMs) {
      throw new UserError(
        `${ref(ns, name)} or its pods are still being deleted after ${Math.round(maxMs / 1000)} s`,
        "wait for them to go, then submit again",
      );
    }
    await sleep(250, retry.signal);
  }
}

/**
 * A refusal of the object itself (exit 2): Strict field validation and schema errors (400, 422) and admission
 * webhook denials, whose messages name the field. RBAC (403 without a webhook) and the rest stay cluster
 * problems (exit 3).
 */
export function inputRefusal(err: unknown, what: string): UserError | undefined {
  const e = toKubeError(err, what);
  if (!(e instanceof KubeApiError)) return undefined;
  const webhook = /admission webhook "[^"]*" denied the request/.test(e.message);
  if (!webhook && e.code !== 400 && e.code !== 422) return undefined;
  return new UserError(
    e.message,
    webhook
      ? "the Spark Operator's webhook refused the application: change the template or payload as the message says"
      : "the API server refused a field of the application: change the template or payload as the message says (sparklane doctor compares the cluster's CRD with sparklane's schema)",
    { cause: err },
  );
}
