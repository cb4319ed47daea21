// `submit` as a library call: prepare -> ensure (create / attach / adopt / replace) -> optionally wait with
// logs -> clean up -> typed outcome. Progress goes to hooks; the caller decides how to print it.
import { stringify } from "yaml";
import { InterruptedError, JobFailedError } from "../errors.js";
import { connect, type Kube, type KubeOptions } from "./client.js";
import { deleteApp, ensureApplication, type EnsureAction, type SparkApp } from "./apps.js";
import { warningEvents, type WarningEvent } from "./events.js";
import { PodLogFollower, printLogsOnce, type LogLine } from "./logs.js";
import { describeInitFailure, describeStuck, type Pod } from "./pods.js";
import { summarizeOperatorError, type OperatorErrorSummary } from "./operator-error.js";
import { prepareApplication, type Prepared } from "./prepare.js";
import type { RetryOptions, Sleep } from "./retry.js";
import {
  waitForApplication,
  type ObjectHook,
  type Outcome,
  type PhaseTimings,
  type Transition,
  type WaitResult,
} from "./wait.js";
import type { SparkApplication } from "../manifest/index.js";

export interface SubmitInput {
  /** A checked manifest (render's result), or one as plain data. */
  manifest: SparkApplication | Record<string, unknown>;
  payload: Record<string, unknown>;
  variant: string;
  context: { dagId: string; taskId: string; ds: string; runId: string };
}

export interface SubmitOptions extends KubeOptions {
  wait?: boolean;
  logs?: boolean;
  deleteOnTermination?: boolean;
  keep?: boolean;
  timeoutMs?: number;
  terminationGraceMs?: number;
  dryRun?: "client" | "server";
  replace?: boolean;
  postTimeoutMs?: number;
  /** Ctrl-C. */
  signal?: AbortSignal;
  retry?: RetryOptions;
  sleep?: Sleep;
  /** A watch on which nothing arrives for this long is reopened (default 150 s; see ReflectorOptions). */
  watchIdleMs?: number;
}

export interface SubmitHooks {
  onAction?: (action: EnsureAction, app: SparkApp) => void;
  onTransition?: (t: Transition) => void;
  onLog?: (l: LogLine) => void;
  onNotice?: (msg: string) => void;
  /** Every application and pod event the wait sees (the CLI records them in the run ledger). */
  onObject?: ObjectHook;
}

export interface SubmitResult {
  ok: boolean;
  namespace: string;
  name: string;
  action?: EnsureAction | "dry-run-client";
  outcome?: Outcome;
  state?: string;
  errorMessage?: string;
  stuck?: string;
  deleted?: boolean;
  /** The key line of errorMessage and the API server's refusal in it (SUBMISSION_FAILED carries a stack trace). */
  errorSummary?: OperatorErrorSummary;
  /** An init container that failed the run, described ("driver pod ...: init container ... exited with code 1"). */
  failedContainer?: string;
  /** Containers still running in the driver pod after the driver container ended (the application stays RUNNING). */
  lingering?: { pod: string; containers: string[] };
  /** Recent Warning events of the application and its driver pod, when it did not complete. */
  events?: WarningEvent[];
  transitions?: Transition[];
  timings?: PhaseTimings;
  offsets?: WaitResult["offsets"];
  manifest?: Record<string, unknown>;
  /** Set when the run did not succeed: the error the CLI raises after printing the result. */
  error?: Error;
}

/** The object as it would be created, as YAML (for --dry-run output). */
export function manifestYaml(manifest: Record<string, unknown>): string {
  return stringify(manifest);
}

export function prepare(input: SubmitInput, namespace?: string, defaultNamespace?: string): Prepared {
  return prepareApplication({ ...input, namespace, defaultNamespace });
}

export async function submit(
  input: SubmitInput,
  o: SubmitOptions,
  hooks: SubmitHooks = {},
): Promise<SubmitResult> {
  if (o.dryRun === "client") {
    const p = prepare(input, o.namespace);
    return { ok: true, namespace: p.namespace, name: p.name, action: "dry-run-client", manifest: p.manifest };
  }
  const kube = connect(o);
  const p = prepare(input, o.namespace, kube.contextNamespace);
  const retry: RetryOptions = {
    ...o.retry,
    signal: o.signal,
    onRetry: (r) => hooks.onNotice?.(`API call failed (${r.reason}), retry ${r.attempt} in ${r.waitMs} ms`),
  };
  const ensured = await ensureApplication(kube, p, {
    replace: o.replace,
    dryRun: o.dryRun === "server" ? "server" : undefined,
    postTimeoutMs: o.postTimeoutMs,
    retry,
  });
  hooks.onAction?.(ensured.action, ensured.app);
  const base: SubmitResult = { ok: true, namespace: p.namespace, name: p.name, action: ensured.action };
  if (ensured.action === "dry-run")
    return { ...base, manifest: ensured.app as unknown as Record<string, unknown> };
  if (!o.wait && !o.logs) return base;
  return waitAndClean(kube, p, o, hooks, base);
}

async function waitAndClean(
  kube: Kube,
  p: Prepared,
  o: SubmitOptions,
  hooks: SubmitHooks,
  base: SubmitResult,
): Promise<SubmitResult> {
  const signal = o.signal ?? new AbortController().signal;
  const logCtl = new AbortController();
  let follower: PodLogFollower | undefined;
  const onDriverPod = (pod: Pod) => {
    if (!o.logs) return;
    follower ??= new PodLogFollower(kube, pod.metadata?.name ?? "", {
      namespace: p.namespace,
      signal: logCtl.signal,
      onLine: (l) => hooks.onLog?.(l),
      onNotice: hooks.onNotice,
      sleep: o.sleep,
    });
    follower.update(pod);
  };
  const ref = `sparkapplication ${p.namespace}/${p.name}`;
  const res = await waitForApplication(kube, {
    namespace: p.namespace,
    name: p.name,
    signal,
    timeoutMs: o.timeoutMs,
    terminationGraceMs: o.terminationGraceMs,
    onTransition: hooks.onTransition,
    onDriverPod,
    onObject: hooks.onObject,
    onConnection: hooks.onNotice,
    sleep: o.sleep,
    watchIdleMs: o.watchIdleMs,
  });
  if (follower) {
    // Let the log stream deliver the driver's last lines; a few seconds at most.
    if (res.outcome === "INTERRUPTED") logCtl.abort();
    const t = setTimeout(() => logCtl.abort(), 5_000);
    await follower.done;
    clearTimeout(t);
  } else if (o.logs && res.outcome !== "INTERRUPTED") {
    // Re-attached to a run that had already ended before its driver pod was seen: print what is there.
    await printLogsOnce(kube, p.namespace, p.name, {
      signal: logCtl.signal,
      onLine: (l) => hooks.onLog?.(l),
      onNotice: hooks.onNotice,
    });
  }
  logCtl.abort();
  const result: SubmitResult = {
    ...base,
    outcome: res.outcome,
    state: res.state,
    errorMessage: res.errorMessage,
    transitions: res.transitions,
    timings: res.timings,
    offsets: res.offsets,
    ...(res.errorMessage ? { errorSummary: summarizeOperatorError(res.errorMessage) } : {}),
    ...(res.lingering ? { lingering: res.lingering } : {}),
  };
  if (res.lingering) {
    hooks.onNotice?.(
      `the driver container has ended, but ${res.lingering.containers.map((c) => `"${c}"`).join(", ")} keep${res.lingering.containers.length === 1 ? "s" : ""} pod ${res.lingering.pod} Running, so the operator keeps ${ref} RUNNING` +
        (o.deleteOnTermination
          ? "; deleting it (--delete-on-termination)"
          : `; sparklane delete ${p.name} (or --delete-on-termination) removes it`),
    );
  }
  if (["FAILED", "SUBMISSION_FAILED", "STUCK", "TIMEOUT"].includes(res.outcome)) {
    // Read before any clean-up deletes the objects they are about.
    const driverPod = res.app?.status?.driverInfo?.podName ?? `${p.name}-driver`;
    result.events = await warningEvents(kube, p.namespace, [p.name, driverPod]);
  }
  const remove = async () => {
    // Clean-up must happen even after Ctrl-C, so it does not use the aborted signal.
    result.deleted = await deleteApp(kube, p.namespace, p.name, { ...o.retry, attempts: 3 });
  };
  switch (res.outcome) {
    case "COMPLETED":
      if (o.deleteOnTermination) await remove();
      return result;
    case "FAILED":
    case "SUBMISSION_FAILED": {
      if (o.deleteOnTermination) await remove();
      result.ok = false;
      if (res.stuck) result.failedContainer = describeInitFailure(res.stuck);
      const s = result.errorSummary;
      // One short summary: the failed container, else the key line of the operator's message, and the API
      // server's refusal when spark-submit quotes one. The whole message stays in errorMessage.
      const why =
        result.failedContainer ??
        (s
          ? `${s.keyLine}${s.refusal && !s.keyLine.includes(s.refusal) ? `\n  the API server refused: ${s.refusal}` : ""}`
          : "");
      result.error = new JobFailedError(
        `${ref} ${res.outcome}${why ? `: ${why}` : ""}` +
          (result.failedContainer && res.errorMessage ? ` (the operator says: ${s?.keyLine})` : "") +
          // An Airflow retry of the same run re-attaches to the failed application; say how to run it again.
          (base.action === "attached" && res.transitions.length === 1
            ? " (it had failed before this command attached to it; --replace runs it again)"
            : ""),
      );
      return result;
    }
    case "STUCK": {
      result.stuck = describeStuck(res.stuck!);
      if (!o.keep) await remove();
      result.ok = false;
      result.error = new JobFailedError(
        `${ref} cannot start: ${result.stuck}${result.deleted ? " (application deleted; --keep keeps it)" : ""}`,
      );
      return result;
    }
    case "TIMEOUT":
      if (!o.keep) await remove();
      result.ok = false;
      result.error = new JobFailedError(
        `${ref}: timed out after ${Math.round((o.timeoutMs ?? 0) / 1000)} s in state ${res.state}${result.deleted ? " (application deleted; --keep keeps it)" : ""}`,
      );
      return result;
    case "DELETED":
      result.ok = false;
      result.error = new JobFailedError(`${ref} was deleted while waiting for it`);
      return result;
    case "INTERRUPTED":
      if (o.deleteOnTermination) await remove();
      result.ok = false;
      result.error = new InterruptedError(
        `interrupted while waiting for ${ref}${result.deleted ? " (application deleted)" : " (the application keeps running; rerun the same command to re-attach)"}`,
      );
      return result;
  }
}
