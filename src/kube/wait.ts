// Waits for one SparkApplication to finish: watches the application and its pods, reports state transitions,
// fails fast on pods that can never start, and records phase timings. Completion comes from
// status.applicationState.state and from the driver container's termination, never from the pod phase, so
// a sidecar that keeps the driver pod Running cannot hang the wait.
import { GROUP, PLURAL, VERSION, type Kube } from "./client.js";
import type { SparkApp } from "./apps.js";
import { listApps } from "./apps.js";
import {
  anyContainerStartedAt,
  conditionTime,
  containerStartedAt,
  detectStuck,
  driverTermination,
  otherRunningContainers,
  roleOf,
  unschedulable,
  DRIVER_CONTAINER,
  type Pod,
  type Stuck,
} from "./pods.js";
import { Reflector } from "./reflector.js";
import { withRetry, type Sleep } from "./retry.js";

export const TERMINAL_STATES = ["COMPLETED", "FAILED"];

export interface Transition {
  at: string;
  from: string;
  to: string;
  errorMessage?: string;
}

export type Outcome =
  "COMPLETED" | "FAILED" | "SUBMISSION_FAILED" | "STUCK" | "TIMEOUT" | "DELETED" | "INTERRUPTED";

export interface PhaseTimings {
  created?: string;
  submitted?: string;
  driverScheduled?: string;
  initContainersDone?: string;
  driverRunning?: string;
  firstExecutorRunning?: string;
  terminal?: string;
}

export const PHASES: { key: keyof PhaseTimings; label: string }[] = [
  { key: "created", label: "created" },
  { key: "submitted", label: "submitted" },
  { key: "driverScheduled", label: "driver scheduled" },
  { key: "initContainersDone", label: "init containers done" },
  { key: "driverRunning", label: "driver running" },
  { key: "firstExecutorRunning", label: "first executor running" },
  { key: "terminal", label: "terminal" },
];

export interface WaitResult {
  outcome: Outcome;
  /** Last application state seen ("NEW" for the empty state). */
  state: string;
  errorMessage?: string;
  stuck?: Stuck;
  /** Set when the outcome was concluded from the driver container because the application stayed non-terminal. */
  concludedFromDriver?: boolean;
  /** With concludedFromDriver: the driver pod and its containers still running (what keeps it RUNNING). */
  lingering?: { pod: string; containers: string[] };
  transitions: Transition[];
  timings: PhaseTimings;
  /** Seconds from `created` to each phase. */
  offsets: Partial<Record<keyof PhaseTimings, number>>;
  app?: SparkApp;
}

export interface WaitOptions {
  namespace: string;
  name: string;
  signal: AbortSignal;
  timeoutMs?: number;
  /** How long the application may stay non-terminal after the driver container ended (default 30 s). */
  terminationGraceMs?: number;
  onTransition?: (t: Transition) => void;
  onDriverPod?: (pod: Pod) => void;
  onConnection?: (msg: string) => void;
  now?: () => Date;
  sleep?: Sleep;
  random?: () => number;
  /** Consecutive watch failures before giving up with InfraError (default 8). */
  maxFailures?: number;
}

export const stateOf = (app: SparkApp | undefined): string => app?.status?.applicationState?.state || "NEW";

export function waitForApplication(kube: Kube, o: WaitOptions): Promise<WaitResult> {
  const now = o.now ?? (() => new Date());
  const ctl = new AbortController();
  const transitions: Transition[] = [];
  const timings: PhaseTimings = {};
  let app: SparkApp | undefined;
  let lastState: string | undefined;
  let driverEnded: { exitCode: number; reason?: string } | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let uid: string | undefined;
  let lastUnschedulable: string | undefined;
  let driverPod: Pod | undefined;

  return new Promise<WaitResult>((resolve, reject) => {
    let done = false;
    // Ends the wait once: timers, the abort listener and both watches are released before settling.
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      if (graceTimer) clearTimeout(graceTimer);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      o.signal.removeEventListener("abort", onAbort);
      ctl.abort();
      return true;
    };
    const finish = (outcome: Outcome, extra: Partial<WaitResult> = {}) => {
      if (!settle()) return;
      if (outcome !== "INTERRUPTED" && outcome !== "TIMEOUT" && outcome !== "STUCK")
        timings.terminal ??= app?.status?.terminationTime ?? now().toISOString();
      resolve({
        outcome,
        state: stateOf(app),
        transitions,
        timings,
        offsets: offsets(timings),
        app,
        errorMessage: app?.status?.applicationState?.errorMessage,
        ...extra,
      });
    };
    const fail = (err: unknown) => {
      if (settle()) reject(err);
    };
    const onAbort = () => finish("INTERRUPTED");
    if (o.signal.aborted) return finish("INTERRUPTED");
    o.signal.addEventListener("abort", onAbort, { once: true });
    if (o.timeoutMs !== undefined) timeoutTimer = setTimeout(() => finish("TIMEOUT"), o.timeoutMs);

    const restartPolicy = () => (app?.spec?.restartPolicy as { type?: string } | undefined)?.type ?? "Never";

    const onApp = (type: string, obj: SparkApp) => {
      if (done) return;
      if (type === "DELETED") {
        if (!uid || obj.metadata.uid === uid) finish("DELETED");
        return;
      }
      if (uid && obj.metadata.uid !== uid) return;
      uid = obj.metadata.uid;
      app = obj;
      timings.created ??= obj.metadata.creationTimestamp;
      if (obj.status?.lastSubmissionAttemptTime) timings.submitted ??= obj.status.lastSubmissionAttemptTime;
      const state = stateOf(obj);
      if (state !== lastState) {
        const t: Transition = {
          at: now().toISOString(),
          from: lastState ?? "",
          to: state,
          errorMessage: obj.status?.applicationState?.errorMessage,
        };
        transitions.push(t);
        lastState = state;
        o.onTransition?.(t);
      }
      if (state === "SUBMITTED") timings.submitted ??= now().toISOString();
      if (state === "COMPLETED") return finish("COMPLETED");
      if (state === "FAILED") return finishFailed();
      // With a Never restart policy the operator will not resubmit, so SUBMISSION_FAILED is final.
      if (state === "SUBMISSION_FAILED" && restartPolicy() === "Never") return finish("SUBMISSION_FAILED");
    };

    // The operator reports a failed init container only as "driver container status missing"; name it
    // whichever event came first, reading the driver pod once if its watch has not delivered it yet.
    const finishFailed = () => {
      const fromPod = (pod: Pod | undefined) => {
        const stuck = pod ? detectStuck(pod) : undefined;
        finish("FAILED", stuck?.initContainer ? { stuck } : {});
      };
      if (driverPod) return fromPod(driverPod);
      const name = app?.status?.driverInfo?.podName;
      if (!name) return fromPod(undefined);
      kube.core.readNamespacedPod({ namespace: o.namespace, name }).then(
        (p) => fromPod(p as Pod),
        () => fromPod(undefined),
      );
    };

    const onPod = (type: string, pod: Pod) => {
      if (done || type === "DELETED") return;
      const role = roleOf(pod);
      if (role === "executor") {
        const t = anyContainerStartedAt(pod);
        if (t && (!timings.firstExecutorRunning || t < timings.firstExecutorRunning))
          timings.firstExecutorRunning = t;
        return;
      }
      if (role !== "driver") return;
      const expected = app?.status?.driverInfo?.podName;
      if (expected && pod.metadata?.name !== expected) return;
      driverPod = pod;
      timings.driverScheduled ??= conditionTime(pod, "PodScheduled");
      timings.initContainersDone ??= conditionTime(pod, "Initialized");
      timings.driverRunning ??= containerStartedAt(pod, DRIVER_CONTAINER);
      o.onDriverPod?.(pod);
      const stuck = detectStuck(pod);
      // An init container that exited in a pod that has failed (Spark's pods never restart) is the run's
      // failure, the same outcome as when the operator's FAILED arrives first; waiting reasons stay STUCK.
      if (stuck && stuck.exitCode !== undefined && pod.status?.phase === "Failed")
        return finish("FAILED", { stuck });
      if (stuck) return finish("STUCK", { stuck });
      const pending = unschedulable(pod);
      if (pending && pending !== lastUnschedulable)
        o.onConnection?.(`driver pod ${pod.metadata?.name} not scheduled yet: ${pending}`);
      lastUnschedulable = pending;
      const ended = driverTermination(pod);
      if (ended && !driverEnded) {
        driverEnded = ended;
        // The operator normally follows within seconds; if it does not (a sidecar keeps the pod Running, so
        // the phase never changes), conclude from the driver container itself.
        graceTimer = setTimeout(() => {
          const state = stateOf(app);
          if (TERMINAL_STATES.includes(state)) return;
          const still = driverPod ? otherRunningContainers(driverPod) : [];
          const lingering = still.length
            ? { pod: driverPod?.metadata?.name ?? "", containers: still }
            : undefined;
          if (ended.exitCode === 0) finish("COMPLETED", { concludedFromDriver: true, lingering });
          else
            finish("FAILED", {
              concludedFromDriver: true,
              lingering,
              errorMessage: `driver container exited with code ${ended.exitCode}${ended.reason ? ` (${ended.reason})` : ""}`,
            });
        }, o.terminationGraceMs ?? 30_000);
      }
    };

    const common = {
      kube,
      signal: ctl.signal,
      sleep: o.sleep,
      random: o.random,
      maxFailures: o.maxFailures ?? 8,
      onConnection: (e: { event: string; error?: unknown; delayMs?: number }) => {
        if (e.event === "gone") o.onConnection?.("watch expired (410 Gone): listing again");
        if (e.event === "error")
          o.onConnection?.(`watch interrupted (${errText(e.error)}): reconnecting in ${e.delayMs} ms`);
      },
    };
    const ns = o.namespace;
    const appReflector = new Reflector<SparkApp>({
      ...common,
      what: `sparkapplication ${ns}/${o.name}`,
      list: () => listApps(kube, { namespace: ns, fieldSelector: `metadata.name=${o.name}` }),
      watchPath: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`,
      query: { fieldSelector: `metadata.name=${o.name}` },
      onChange: onApp,
      onSynced: () => {
        if (!done && !app) finish("DELETED");
      },
    });
    const podReflector = new Reflector<Pod>({
      ...common,
      what: `pods of ${ns}/${o.name}`,
      list: async () => {
        const res = await withRetry(`list pods of ${ns}/${o.name}`, () =>
          kube.core.listNamespacedPod({
            namespace: ns,
            labelSelector: `sparkoperator.k8s.io/app-name=${o.name}`,
          }),
        );
        return { items: res.items as Pod[], resourceVersion: res.metadata?.resourceVersion ?? "" };
      },
      watchPath: `/api/v1/namespaces/${ns}/pods`,
      query: { labelSelector: `sparkoperator.k8s.io/app-name=${o.name}` },
      onChange: onPod,
    });
    for (const r of [appReflector, podReflector]) r.run().catch(fail);
  });
}

function errText(err: unknown): string {
  const e = err as { code?: string; message?: string; statusCode?: number };
  return e?.code ?? (e?.statusCode ? `HTTP ${e.statusCode}` : (e?.message ?? String(err)));
}

export function offsets(t: PhaseTimings): Partial<Record<keyof PhaseTimings, number>> {
  const out: Partial<Record<keyof PhaseTimings, number>> = {};
  const base = t.created ? Date.parse(t.created) : NaN;
  if (Number.isNaN(base)) return out;
  for (const { key } of PHASES) {
    const v = t[key];
    if (v) out[key] = Math.round((Date.parse(v) - base) / 10) / 100;
  }
  return out;
}
