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
  /** Every event of the application and of its pods, as received (the CLI records them in the run ledger). */
  onObject?: ObjectHook;
  onConnection?: (msg: string) => void;
  now?: () => Date;
  sleep?: Sleep;
  random?: () => number;
  /** Consecutive watch failures before giving up with InfraError (default 8). */
  maxFailures?: number;
  /** A watch on which nothing arrives for this long is reopened (default 150 s; see ReflectorOptions). */
  watchIdleMs?: number;
}

export type ObjectHook = (
  kind: "app" | "pod",
  type: "ADDED" | "MODIFIED" | "DELETED",
  obj: SparkApp | Pod,
) => void;

export const stateOf = (app: SparkApp | undefined): string => app?.status?.applicationState?.state || "NEW";

export function waitForApplication(kube: Kube, o: WaitOptions): Promise<WaitResult> {
  return new Promise<WaitResult>((resolve, reject) => new ApplicationWait(kube, o, resolve, reject).start());
}

/** One wait: the state both watches feed, and the single way it ends (`finish` or `fail`). */
class ApplicationWait {
  private readonly now: () => Date;
  private readonly ctl = new AbortController();
  private readonly transitions: Transition[] = [];
  private readonly timings: PhaseTimings = {};
  private app: SparkApp | undefined;
  private uid: string | undefined;
  private lastState: string | undefined;
  private lastUnschedulable: string | undefined;
  private driverEnded: { exitCode: number; reason?: string } | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private done = false;
  private driverPod: Pod | undefined;
  private readonly onAbort = (): void => this.finish("INTERRUPTED");

  constructor(
    private readonly kube: Kube,
    private readonly o: WaitOptions,
    private readonly resolve: (r: WaitResult) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    const { o } = this;
    if (o.signal.aborted) return this.finish("INTERRUPTED");
    o.signal.addEventListener("abort", this.onAbort, { once: true });
    if (o.timeoutMs !== undefined) this.timeoutTimer = setTimeout(() => this.finish("TIMEOUT"), o.timeoutMs);
    for (const r of [this.appReflector(), this.podReflector()]) r.run().catch((err) => this.fail(err));
  }

  /** Ends the wait once: timers, the abort listener and both watches are released before settling. */
  private settle(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.o.signal.removeEventListener("abort", this.onAbort);
    this.ctl.abort();
    return true;
  }

  private finish(outcome: Outcome, extra: Partial<WaitResult> = {}): void {
    if (!this.settle()) return;
    const { app, timings } = this;
    if (outcome !== "INTERRUPTED" && outcome !== "TIMEOUT" && outcome !== "STUCK")
      timings.terminal ??= app?.status?.terminationTime ?? this.now().toISOString();
    this.resolve({
      outcome,
      state: stateOf(app),
      transitions: this.transitions,
      timings,
      offsets: offsets(timings),
      app,
      errorMessage: app?.status?.applicationState?.errorMessage,
      ...extra,
    });
  }

  private fail(err: unknown): void {
    if (this.settle()) this.reject(err);
  }

  private restartPolicy(): string {
    return (this.app?.spec?.restartPolicy as { type?: string } | undefined)?.type ?? "Never";
  }

  private onApp(type: string, obj: SparkApp): void {
    if (this.done) return;
    if (type === "DELETED") {
      if (!this.uid || obj.metadata.uid === this.uid) this.finish("DELETED");
      return;
    }
    if (this.uid && obj.metadata.uid !== this.uid) return;
    this.uid = obj.metadata.uid;
    this.app = obj;
    this.timings.created ??= obj.metadata.creationTimestamp;
    if (obj.status?.lastSubmissionAttemptTime)
      this.timings.submitted ??= obj.status.lastSubmissionAttemptTime;
    const state = stateOf(obj);
    this.recordTransition(state, obj);
    if (state === "SUBMITTED") this.timings.submitted ??= this.now().toISOString();
    if (state === "COMPLETED") return this.finish("COMPLETED");
    if (state === "FAILED") return this.finishFailed();
    // With a Never restart policy the operator will not resubmit, so SUBMISSION_FAILED is final.
    if (state === "SUBMISSION_FAILED" && this.restartPolicy() === "Never")
      return this.finish("SUBMISSION_FAILED");
  }

  private recordTransition(state: string, obj: SparkApp): void {
    if (state === this.lastState) return;
    const t: Transition = {
      at: this.now().toISOString(),
      from: this.lastState ?? "",
      to: state,
      errorMessage: obj.status?.applicationState?.errorMessage,
    };
    this.transitions.push(t);
    this.lastState = state;
    this.o.onTransition?.(t);
  }

  private onPod(type: string, pod: Pod): void {
    if (this.done || type === "DELETED") return;
    const role = roleOf(pod);
    if (role === "executor") return this.onExecutorPod(pod);
    if (role !== "driver") return;
    const expected = this.app?.status?.driverInfo?.podName;
    if (expected && pod.metadata?.name !== expected) return;
    this.onDriverPod(pod);
  }

  /** The operator reports a failed init container only as "driver container status missing": name it whichever
   * event came first, reading the driver pod once if its watch has not delivered it yet. */
  private finishFailed(): void {
    const fromPod = (pod: Pod | undefined) => {
      const stuck = pod ? detectStuck(pod) : undefined;
      this.finish("FAILED", stuck?.initContainer ? { stuck } : {});
    };
    if (this.driverPod) return fromPod(this.driverPod);
    const name = this.app?.status?.driverInfo?.podName;
    if (!name) return fromPod(undefined);
    this.kube.core.readNamespacedPod({ namespace: this.o.namespace, name }).then(
      (p) => fromPod(p as Pod),
      () => fromPod(undefined),
    );
  }

  private onExecutorPod(pod: Pod): void {
    const t = anyContainerStartedAt(pod);
    if (t && (!this.timings.firstExecutorRunning || t < this.timings.firstExecutorRunning))
      this.timings.firstExecutorRunning = t;
  }

  private onDriverPod(pod: Pod): void {
    const { timings, o } = this;
    this.driverPod = pod;
    timings.driverScheduled ??= conditionTime(pod, "PodScheduled");
    timings.initContainersDone ??= conditionTime(pod, "Initialized");
    timings.driverRunning ??= containerStartedAt(pod, DRIVER_CONTAINER);
    o.onDriverPod?.(pod);
    const stuck = detectStuck(pod);
    // An init container that exited in a pod that has failed (Spark's pods never restart) is the run's
    // failure, the same outcome as when the operator's FAILED arrives first; waiting reasons stay STUCK.
    if (stuck && stuck.exitCode !== undefined && pod.status?.phase === "Failed")
      return this.finish("FAILED", { stuck });
    if (stuck) return this.finish("STUCK", { stuck });
    const pending = unschedulable(pod);
    if (pending && pending !== this.lastUnschedulable)
      o.onConnection?.(`driver pod ${pod.metadata?.name} not scheduled yet: ${pending}`);
    this.lastUnschedulable = pending;
    const ended = driverTermination(pod);
    if (ended && !this.driverEnded) this.armDriverGrace(ended);
  }

  /** The operator normally follows the driver's end within seconds; if it does not (a sidecar keeps the pod
   * Running, so the phase never changes), conclude from the driver container itself. */
  private armDriverGrace(ended: { exitCode: number; reason?: string }): void {
    this.driverEnded = ended;
    this.graceTimer = setTimeout(() => {
      if (TERMINAL_STATES.includes(stateOf(this.app))) return;
      const still = this.driverPod ? otherRunningContainers(this.driverPod) : [];
      const lingering = still.length
        ? { pod: this.driverPod?.metadata?.name ?? "", containers: still }
        : undefined;
      if (ended.exitCode === 0) this.finish("COMPLETED", { concludedFromDriver: true, lingering });
      else
        this.finish("FAILED", {
          concludedFromDriver: true,
          lingering,
          errorMessage: `driver container exited with code ${ended.exitCode}${ended.reason ? ` (${ended.reason})` : ""}`,
        });
    }, this.o.terminationGraceMs ?? 30_000);
  }

  private common() {
    const { o } = this;
    return {
      kube: this.kube,
      signal: this.ctl.signal,
      sleep: o.sleep,
      random: o.random,
      maxFailures: o.maxFailures ?? 8,
      idleTimeoutMs: o.watchIdleMs,
      onConnection: (e: { event: string; error?: unknown; delayMs?: number }) => {
        if (e.event === "gone") o.onConnection?.("watch expired (410 Gone): listing again");
        if (e.event === "error")
          o.onConnection?.(`watch interrupted (${errText(e.error)}): reconnecting in ${e.delayMs} ms`);
      },
    };
  }

  private appReflector(): Reflector<SparkApp> {
    const { kube, o } = this;
    const ns = o.namespace;
    return new Reflector<SparkApp>({
      ...this.common(),
      what: `sparkapplication ${ns}/${o.name}`,
      list: () => listApps(kube, { namespace: ns, fieldSelector: `metadata.name=${o.name}` }),
      watchPath: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`,
      query: { fieldSelector: `metadata.name=${o.name}` },
      onChange: (type, obj) => {
        o.onObject?.("app", type, obj);
        this.onApp(type, obj);
      },
      onSynced: () => {
        if (!this.done && !this.app) this.finish("DELETED");
      },
    });
  }

  private podReflector(): Reflector<Pod> {
    const { kube, o } = this;
    const ns = o.namespace;
    const labelSelector = `sparkoperator.k8s.io/app-name=${o.name}`;
    return new Reflector<Pod>({
      ...this.common(),
      what: `pods of ${ns}/${o.name}`,
      list: async () => {
        const res = await withRetry(`list pods of ${ns}/${o.name}`, () =>
          kube.core.listNamespacedPod({ namespace: ns, labelSelector }),
        );
        return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? "" };
      },
      watchPath: `/api/v1/namespaces/${ns}/pods`,
      query: { labelSelector },
      onChange: (type, pod) => {
        o.onObject?.("pod", type, pod);
        this.onPod(type, pod);
      },
    });
  }
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
