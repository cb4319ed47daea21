// Kubernetes objects -> ledger records. Pure: the caller passes the clock and whatever it knows from other
// objects (the application a pod belongs to, the labels of its node); no I/O, no state.
//
// What each field comes from (../shared/reference/cost.md §4, §7):
// - attribution: sparklane's labels (kube/naming.ts LABELS) on the application, else the Airflow provider's
//   labels (kube/airflow.ts) on the driver spec; the variant from `sparklane-variant`;
// - phases: the operator's lastSubmissionAttemptTime and terminationTime; "running" is the driver container's
//   start, which is also what start latency measures (kube/pods.ts startLatencySeconds, the exporter's too);
// - pod requests: the effective requests the scheduler reserves, max(Σ containers, largest init container)
//   + overhead (native sidecars count with the containers, as the scheduler counts them);
// - pod times: created, PodScheduled, the Spark container's startedAt/finishedAt, deletion.
import type { SparkApp } from "../kube/apps.js";
import { originOf } from "../kube/airflow.js";
import { LABELS } from "../kube/naming.js";
import { DRIVER_CONTAINER, conditionTime, startLatencySeconds, type ContainerStatus } from "../kube/pods.js";
import { kubeQuantity } from "../manifest/quantity.js";
import type {
  AppRecord,
  Attribution,
  NodeInfo,
  NodeRecord,
  Outcome,
  PodRecord,
  RunSource,
} from "./schema.js";

export const EXECUTOR_CONTAINER = "spark-kubernetes-executor";
/** The operator's label on driver and executor pods: the application's name. */
export const APP_NAME_LABEL = "sparkoperator.k8s.io/app-name";
export const ROLE_LABEL = "spark-role";

/** The pod labels a run is attributed by (kube/naming.ts), for readers of the ledger that may not import kube/. */
export const RUN_LABELS = LABELS;

/** Node labels cost reads (Karpenter's and the well-known ones, cost.md §6.1). */
export const NODE_LABELS = {
  instanceType: "node.kubernetes.io/instance-type",
  capacityType: "karpenter.sh/capacity-type",
  zone: "topology.kubernetes.io/zone",
} as const;

type Time = string | Date | null | undefined;
type Resources = { requests?: Record<string, string | number> };
interface ContainerSpec {
  name: string;
  resources?: Resources;
  restartPolicy?: string;
}

/** The parts of a Pod (as the API or a watch delivers it) that the ledger reads. */
export interface LedgerPod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    creationTimestamp?: Time;
    deletionTimestamp?: Time;
    ownerReferences?: { kind?: string; name?: string; uid?: string; controller?: boolean }[];
  };
  spec?: {
    nodeName?: string;
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
    overhead?: Record<string, string | number>;
  };
  status?: {
    conditions?: { type: string; status: string; lastTransitionTime?: Time }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface LedgerNode {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    creationTimestamp?: Time;
    deletionTimestamp?: Time;
  };
  status?: { allocatable?: Record<string, string | number>; capacity?: Record<string, string | number> };
}

/** Epoch ms of an API time, or undefined. */
export function ms(t: Time): number | undefined {
  if (t === undefined || t === null) return undefined;
  const v = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(v) ? v : undefined;
}

const TERMINAL: Record<string, Outcome> = { COMPLETED: "completed", FAILED: "failed" };

/** The outcome of a terminal application state, the exporter's mapping (COMPLETED, FAILED), else undefined. */
export function outcomeOf(state: string | undefined): Outcome | undefined {
  return state === undefined ? undefined : TERMINAL[state];
}

const driverLabels = (app: SparkApp): Record<string, string> =>
  (app.spec?.driver as { labels?: Record<string, string> } | undefined)?.labels ?? {};

/** Who a run is charged to: sparklane's labels first, then what Airflow's provider put on the driver. */
export function attributionOf(labels: Record<string, string>, app?: SparkApp): Attribution {
  const origin = app ? originOf(app) : undefined;
  const variant = labels[LABELS.variant];
  const a: Attribution = {
    dag: labels[LABELS.dagId] ?? origin?.dagId,
    task: labels[LABELS.taskId] ?? origin?.taskId,
    executionDate: labels[LABELS.executionDate],
    module: labels[LABELS.module],
    variant: variant === "standard" || variant === "pre-baked" ? variant : undefined,
    runId: labels[LABELS.runId] ?? origin?.runId,
    tryNumber: origin?.tryNumber,
  };
  for (const k of Object.keys(a) as (keyof Attribution)[]) if (a[k] === undefined) delete a[k];
  return a;
}

/**
 * A SparkApplication as the ledger keeps it. `runningAt` and `startLatencySeconds` come from the driver pod
 * (pass its Spark container's start when known): the application's status carries no such time.
 */
export function appRecord(
  app: SparkApp,
  o: { source: RunSource; now: number; driverStartedAt?: number },
): AppRecord | undefined {
  const md = app.metadata;
  if (!md.uid) return undefined;
  // The driver's labels reach the pods, and the provider writes only there: both are the run's labels.
  const labels = { ...driverLabels(app), ...(md.labels ?? {}) };
  const state = app.status?.applicationState?.state || undefined;
  const createdAt = ms(md.creationTimestamp) ?? o.now;
  const outcome = outcomeOf(state);
  const r: AppRecord = {
    uid: md.uid,
    namespace: md.namespace,
    name: md.name,
    source: o.source,
    labels,
    attribution: attributionOf(labels, app),
    createdAt,
    submittedAt: ms(app.status?.lastSubmissionAttemptTime),
    runningAt: o.driverStartedAt,
    // terminationTime is also set on a run being retried; only a terminal state ends the run.
    terminatedAt: outcome ? ms(app.status?.terminationTime) : undefined,
    state,
    outcome,
    startLatencySeconds: startLatencySeconds(ms(md.creationTimestamp), o.driverStartedAt),
    observedAt: o.now,
  };
  return dropUndefined(r);
}

export function roleOfPod(pod: LedgerPod): "driver" | "executor" | undefined {
  const r = pod.metadata?.labels?.[ROLE_LABEL];
  return r === "driver" || r === "executor" ? r : undefined;
}

/** How a pod names its application: the owner SparkApplication (drivers), the owner pod (executors, owned by
 * their driver), and the operator's app-name label. */
export function podOwner(pod: LedgerPod): { appUid?: string; ownerPodUid?: string; appName?: string } {
  const refs = pod.metadata?.ownerReferences ?? [];
  return {
    appUid: refs.find((r) => r.kind === "SparkApplication")?.uid,
    ownerPodUid: refs.find((r) => r.kind === "Pod")?.uid,
    appName: pod.metadata?.labels?.[APP_NAME_LABEL],
  };
}

function sumRequests(cs: ContainerSpec[] | undefined, res: string): number {
  return (cs ?? []).reduce((s, c) => s + (kubeQuantity(c.resources?.requests?.[res]) ?? 0), 0);
}

/**
 * Kubernetes' effective pod request for one resource: init containers run one at a time, each alongside the
 * native sidecars started before it; the pod reserves the larger of that peak and all long-running containers
 * (containers + sidecars), plus the RuntimeClass overhead.
 */
export function effectiveRequest(spec: LedgerPod["spec"], res: "cpu" | "memory"): number {
  const inits = spec?.initContainers ?? [];
  let sidecars = 0;
  let initPeak = 0;
  for (const c of inits) {
    const q = kubeQuantity(c.resources?.requests?.[res]) ?? 0;
    if (c.restartPolicy === "Always") sidecars += q;
    else initPeak = Math.max(initPeak, sidecars + q);
  }
  const running = sumRequests(spec?.containers, res) + sidecars;
  const overhead = kubeQuantity(spec?.overhead?.[res]) ?? 0;
  return Math.round((Math.max(running, initPeak) + overhead) * 1e9) / 1e9;
}

function sparkContainer(pod: LedgerPod): ContainerStatus | undefined {
  const name = roleOfPod(pod) === "executor" ? EXECUTOR_CONTAINER : DRIVER_CONTAINER;
  return pod.status?.containerStatuses?.find((c) => c.name === name);
}

export function nodeInfoOf(labels: Record<string, string> | undefined): NodeInfo {
  return dropUndefined({
    instanceType: labels?.[NODE_LABELS.instanceType],
    capacityType: labels?.[NODE_LABELS.capacityType],
    zone: labels?.[NODE_LABELS.zone],
  });
}

/**
 * A driver or executor pod as the ledger keeps it, or undefined for a pod that is neither (or has no uid).
 * `deleted`: the object came in a DELETED event: its deletionTimestamp (else `now`) is when the pod ended.
 */
export function podRecord(
  pod: LedgerPod,
  o: { appUid: string; now: number; nodeInfo?: NodeInfo; deleted?: boolean },
): PodRecord | undefined {
  const md = pod.metadata;
  const role = roleOfPod(pod);
  if (!md?.uid || !md.name || !role) return undefined;
  const spark = sparkContainer(pod);
  const state = spark?.state;
  const started = state?.running?.startedAt ?? state?.terminated?.startedAt;
  const r: PodRecord = {
    uid: md.uid,
    appUid: o.appUid,
    namespace: md.namespace ?? "",
    name: md.name,
    role,
    node: pod.spec?.nodeName || undefined,
    nodeInfo: o.nodeInfo ?? {},
    cpuCores: effectiveRequest(pod.spec, "cpu"),
    memoryBytes: effectiveRequest(pod.spec, "memory"),
    createdAt: ms(md.creationTimestamp) ?? o.now,
    scheduledAt: ms(conditionTime(pod as Parameters<typeof conditionTime>[0], "PodScheduled")),
    mainStartedAt: ms(started),
    mainFinishedAt: ms(state?.terminated?.finishedAt),
    // Only the final object counts: a pod being deleted carries deletionTimestamp = request + grace period (30 s
    // by default), which the kubelet's final delete shortens to the moment the containers had stopped.
    deletedAt: o.deleted ? (ms(md.deletionTimestamp) ?? o.now) : undefined,
    observedAt: o.now,
  };
  return dropUndefined(r);
}

/**
 * Only the fields podRecord reads, so a watch cache of pods stays small (a driver pod's env and volumes are
 * most of its size). podRecord(slimPod(p)) equals podRecord(p).
 */
export function slimPod(p: LedgerPod): LedgerPod {
  const md = p.metadata;
  const c = (cs: ContainerSpec[] | undefined) =>
    cs?.map((x) => ({
      name: x.name,
      resources: { requests: x.resources?.requests },
      restartPolicy: x.restartPolicy,
    }));
  return {
    metadata: md && {
      name: md.name,
      namespace: md.namespace,
      uid: md.uid,
      labels: md.labels,
      creationTimestamp: md.creationTimestamp,
      deletionTimestamp: md.deletionTimestamp,
      ownerReferences: md.ownerReferences?.map((r) => ({ kind: r.kind, name: r.name, uid: r.uid })),
    },
    spec: p.spec && {
      nodeName: p.spec.nodeName,
      containers: c(p.spec.containers),
      initContainers: c(p.spec.initContainers),
      overhead: p.spec.overhead,
    },
    status: p.status && {
      conditions: p.status.conditions?.filter((x) => x.type === "PodScheduled"),
      containerStatuses: p.status.containerStatuses?.filter(
        (x) => x.name === DRIVER_CONTAINER || x.name === EXECUTOR_CONTAINER,
      ),
    },
  };
}

/** A node as the ledger keeps it: its cost labels and allocatable (capacity when allocatable is absent). */
export function nodeRecord(
  node: LedgerNode,
  o: { now: number; deleted?: boolean; firstSeenAt?: number },
): NodeRecord | undefined {
  const name = node.metadata?.name;
  if (!name) return undefined;
  const q = (res: string) =>
    kubeQuantity(node.status?.allocatable?.[res]) ?? kubeQuantity(node.status?.capacity?.[res]) ?? 0;
  return dropUndefined({
    name,
    info: nodeInfoOf(node.metadata?.labels),
    cpuCores: q("cpu"),
    memoryBytes: q("memory"),
    firstSeenAt: o.firstSeenAt ?? ms(node.metadata?.creationTimestamp) ?? o.now,
    lastSeenAt: o.now,
    deletedAt: ms(node.metadata?.deletionTimestamp) ?? (o.deleted ? o.now : undefined),
  });
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** What a `run --local` tells the ledger (the CLI reads it off the run's report). */
export interface LocalRun {
  /** Stable for this run: `local-<runHash>-<start>` (the same payload run twice is two runs). */
  uid: string;
  name: string;
  /** The labels submit would give it (costLabels): the same attribution as on the cluster. */
  labels: Record<string, string>;
  /** This machine's name: the run's "node". */
  host: string;
  /** sparklane started, spark-submit started (the runtime was ready), and the run ended: epoch ms. */
  startedAt: number;
  submittedAt?: number;
  endedAt: number;
  status: "succeeded" | "failed" | "interrupted";
  /** What the plan gave Spark on this machine: local[N] cores and the driver memory. */
  cpuCores: number;
  memoryBytes: number;
  now: number;
}

/**
 * A local run as one application and one driver pod. Its phases map onto the cluster's: created = sparklane
 * started; running = spark-submit started, so start latency and the pod's bootstrap are render + runtime
 * preparation, as the init containers are on the cluster; terminated = the run ended.
 */
export function localRunRecords(r: LocalRun): { app: AppRecord; pod: PodRecord } {
  const state = r.status === "succeeded" ? "COMPLETED" : r.status === "failed" ? "FAILED" : "INTERRUPTED";
  const outcome = outcomeOf(state);
  const app = dropUndefined<AppRecord>({
    uid: r.uid,
    namespace: "local",
    name: r.name,
    source: "local",
    labels: r.labels,
    attribution: attributionOf(r.labels),
    createdAt: r.startedAt,
    submittedAt: r.submittedAt,
    runningAt: r.submittedAt,
    terminatedAt: r.endedAt,
    state,
    outcome,
    startLatencySeconds: startLatencySeconds(r.startedAt, r.submittedAt),
    observedAt: r.now,
  });
  const pod = dropUndefined<PodRecord>({
    uid: `${r.uid}-driver`,
    appUid: r.uid,
    namespace: "local",
    name: `${r.name}-driver`,
    role: "driver",
    node: r.host,
    nodeInfo: {},
    cpuCores: r.cpuCores,
    memoryBytes: r.memoryBytes,
    createdAt: r.startedAt,
    scheduledAt: r.startedAt,
    mainStartedAt: r.submittedAt,
    mainFinishedAt: r.endedAt,
    observedAt: r.now,
  });
  return { app, pod };
}
