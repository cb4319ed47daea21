// Read-only views for `status` and `list`: one application with its pods, and filtered listings by the
// cost-attribution labels.
import { UserError } from "../errors.js";
import type { Kube } from "./client.js";
import { getApp, listApps, type SparkApp } from "./apps.js";
import { LABELS, sanitizeLabelValue } from "./naming.js";
import {
  anyContainerStartedAt,
  conditionTime,
  containerStartedAt,
  detectStuck,
  roleOf,
  DRIVER_CONTAINER,
  type Pod,
  type Stuck,
} from "./pods.js";
import { offsets, stateOf, type PhaseTimings } from "./wait.js";
import { withRetry } from "./retry.js";
import { warningEvents, type WarningEvent } from "./events.js";

export interface AppStatus {
  namespace: string;
  name: string;
  state: string;
  errorMessage?: string;
  driverPod?: string;
  driverPhase?: string;
  submissionAttempts?: number;
  executionAttempts?: number;
  labels: Record<string, string>;
  executors: { name: string; phase?: string }[];
  stuck?: Stuck;
  /** Recent Warning events of the application and its driver pod. */
  events: WarningEvent[];
  timings: PhaseTimings;
  offsets: Partial<Record<keyof PhaseTimings, number>>;
}

export function timingsFrom(app: SparkApp, pods: Pod[]): PhaseTimings {
  const t: PhaseTimings = { created: app.metadata.creationTimestamp };
  if (app.status?.lastSubmissionAttemptTime) t.submitted = app.status.lastSubmissionAttemptTime;
  const driver = pods.find((p) => roleOf(p) === "driver");
  if (driver) {
    t.driverScheduled = conditionTime(driver, "PodScheduled");
    t.initContainersDone = conditionTime(driver, "Initialized");
    t.driverRunning = containerStartedAt(driver, DRIVER_CONTAINER);
  }
  const execTimes = pods
    .filter((p) => roleOf(p) === "executor")
    .map(anyContainerStartedAt)
    .filter((x): x is string => !!x)
    .sort();
  if (execTimes[0]) t.firstExecutorRunning = execTimes[0];
  if (app.status?.terminationTime) t.terminal = app.status.terminationTime;
  for (const k of Object.keys(t) as (keyof PhaseTimings)[]) if (!t[k]) delete t[k];
  return t;
}

export async function podsOf(kube: Kube, ns: string, name: string): Promise<Pod[]> {
  const res = await withRetry(
    `list pods of ${ns}/${name}`,
    () =>
      kube.core.listNamespacedPod({ namespace: ns, labelSelector: `sparkoperator.k8s.io/app-name=${name}` }),
    {},
    kube.server,
  );
  return res.items;
}

export async function appStatus(kube: Kube, ns: string, name: string): Promise<AppStatus> {
  const app = await getApp(kube, ns, name);
  if (!app)
    throw new UserError(
      `sparkapplication ${ns}/${name} not found`,
      "`sparklane list` shows the applications in the namespace; pass --namespace if it is elsewhere",
    );
  const pods = await podsOf(kube, ns, name);
  const driver = pods.find((p) => roleOf(p) === "driver");
  const timings = timingsFrom(app, pods);
  return {
    namespace: ns,
    name,
    state: stateOf(app),
    errorMessage: app.status?.applicationState?.errorMessage,
    driverPod: app.status?.driverInfo?.podName ?? driver?.metadata?.name,
    driverPhase: driver?.status?.phase,
    submissionAttempts: app.status?.submissionAttempts,
    executionAttempts: app.status?.executionAttempts,
    labels: app.metadata.labels ?? {},
    executors: pods
      .filter((p) => roleOf(p) === "executor")
      .map((p) => ({ name: p.metadata?.name ?? "?", phase: p.status?.phase })),
    stuck: driver ? detectStuck(driver) : undefined,
    events: await warningEvents(kube, ns, [
      name,
      app.status?.driverInfo?.podName ?? driver?.metadata?.name ?? `${name}-driver`,
    ]),
    timings,
    offsets: offsets(timings),
  };
}

export interface ListQuery {
  namespace?: string;
  allNamespaces?: boolean;
  module?: string;
  dag?: string;
  task?: string;
  executionDate?: string;
  variant?: string;
  state?: string;
}

export interface ListRow {
  namespace: string;
  name: string;
  state: string;
  module?: string;
  variant?: string;
  executionDate?: string;
  dag?: string;
  task?: string;
  created?: string;
  terminated?: string;
}

/** A label selector from the filters; values go through the same sanitiser as the labels themselves. */
export function selectorFor(q: ListQuery): string | undefined {
  const parts: string[] = [];
  const add = (k: string, v: string | undefined) =>
    v !== undefined && parts.push(`${k}=${sanitizeLabelValue(v)}`);
  add(LABELS.module, q.module);
  add(LABELS.dagId, q.dag);
  add(LABELS.taskId, q.task);
  add(LABELS.executionDate, q.executionDate);
  add(LABELS.variant, q.variant);
  return parts.length ? parts.join(",") : undefined;
}

export async function listApplications(kube: Kube, q: ListQuery): Promise<ListRow[]> {
  const { items } = await listApps(kube, {
    namespace: q.allNamespaces ? undefined : (q.namespace ?? kube.namespace),
    labelSelector: selectorFor(q),
  });
  return items
    .map((a) => {
      const l = a.metadata.labels ?? {};
      return {
        namespace: a.metadata.namespace,
        name: a.metadata.name,
        state: stateOf(a),
        module: l[LABELS.module],
        variant: l[LABELS.variant],
        executionDate: l[LABELS.executionDate],
        dag: l[LABELS.dagId],
        task: l[LABELS.taskId],
        created: a.metadata.creationTimestamp,
        terminated: a.status?.terminationTime ?? undefined,
      };
    })
    .filter((r) => !q.state || r.state === q.state.toUpperCase())
    .sort((a, b) => (b.created ?? "").localeCompare(a.created ?? "") || a.name.localeCompare(b.name));
}
