// Read-only views for `status` and `list`: one application with its pods, and filtered listings by the
// cost-attribution labels.
import { UserError } from "../errors.js";
import type { Kube } from "./client.js";
import { getApp, listApps, type SparkApp } from "./apps.js";
import { LABELS, sanitizeLabelValue } from "./naming.js";
import { isSuffixedName, labelMatches, originOf, type AppOrigin, type Origin } from "./airflow.js";
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
  /** Who submitted it (Airflow's provider or sparklane) and the Airflow run it belongs to. */
  origin: AppOrigin;
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

/**
 * The application called `name`, or the one Airflow's provider submitted from that name (it appends a random
 * `-xxxxxxxx`): the name a template renders finds the application Airflow created from it. Several such runs
 * are refused with their names, newest first.
 */
export async function findApp(kube: Kube, ns: string, name: string): Promise<SparkApp | undefined> {
  const app = await getApp(kube, ns, name);
  if (app) return app;
  const { items } = await listApps(kube, { namespace: ns });
  const found = items
    .filter((a) => isSuffixedName(a.metadata.name, name))
    .sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""));
  if (found.length > 1) {
    throw new UserError(
      `sparkapplication ${ns}/${name} not found; Airflow submitted ${found.length} applications from that name: ${found
        .map((a) => a.metadata.name)
        .join(", ")}`,
      "pass the full name (the newest first above)",
    );
  }
  return found[0];
}

/** The application's status, or undefined when neither `name` nor an Airflow-suffixed run of it exists. */
export async function appStatus(kube: Kube, ns: string, name: string): Promise<AppStatus | undefined> {
  const app = await findApp(kube, ns, name);
  if (!app) return undefined;
  name = app.metadata.name;
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
    origin: originOf(app),
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
  /** Airflow DAG id: the template's airflow-dag-id label or the provider's dag_id label. */
  dag?: string;
  /** Airflow task id: airflow-task-id or the provider's task_id. */
  task?: string;
  /** Airflow run id as Airflow has it (manual__2026-03-15T00:00:00+00:00), whoever submitted. */
  runId?: string;
  /** Airflow's try number (applications the provider submitted). */
  tryNumber?: string;
  /** airflow (the provider submitted it), sparklane, or unknown. */
  origin?: Origin;
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
  origin: Origin;
  runId?: string;
  tryNumber?: number;
  created?: string;
  terminated?: string;
}

/**
 * A label selector from the filters on template labels; values go through the same sanitiser as the labels
 * themselves. DAG, task and run are matched after listing: Airflow's provider puts its own labels on the driver
 * and executors, not on the application, so no selector can ask for either kind.
 */
export function selectorFor(q: ListQuery): string | undefined {
  const parts: string[] = [];
  const add = (k: string, v: string | undefined) =>
    v !== undefined && parts.push(`${k}=${sanitizeLabelValue(v)}`);
  add(LABELS.module, q.module);
  add(LABELS.executionDate, q.executionDate);
  add(LABELS.variant, q.variant);
  return parts.length ? parts.join(",") : undefined;
}

function matchesRun(a: SparkApp, o: AppOrigin, q: ListQuery): boolean {
  const l = a.metadata.labels ?? {};
  const is = (v: string | undefined, want: string | undefined) =>
    want === undefined || labelMatches(v, want, sanitizeLabelValue);
  return (
    (is(o.dagId, q.dag) || is(l[LABELS.dagId], q.dag)) &&
    (is(o.taskId, q.task) || is(l[LABELS.taskId], q.task)) &&
    is(o.runId, q.runId) &&
    (q.tryNumber === undefined || String(o.tryNumber) === q.tryNumber) &&
    (q.origin === undefined || o.origin === q.origin)
  );
}

export async function listApplications(kube: Kube, q: ListQuery): Promise<ListRow[]> {
  const { items } = await listApps(kube, {
    namespace: q.allNamespaces ? undefined : (q.namespace ?? kube.namespace),
    labelSelector: selectorFor(q),
  });
  return items
    .flatMap((a) => {
      const l = a.metadata.labels ?? {};
      const o = originOf(a);
      if (!matchesRun(a, o, q)) return [];
      return [
        {
          namespace: a.metadata.namespace,
          name: a.metadata.name,
          state: stateOf(a),
          module: l[LABELS.module],
          variant: l[LABELS.variant],
          executionDate: l[LABELS.executionDate],
          dag: o.dagId ?? l[LABELS.dagId],
          task: o.taskId ?? l[LABELS.taskId],
          origin: o.origin,
          runId: o.runId,
          tryNumber: o.tryNumber,
          created: a.metadata.creationTimestamp,
          terminated: a.status?.terminationTime ?? undefined,
        },
      ];
    })
    .filter((r) => !q.state || r.state === q.state.toUpperCase())
    .sort((a, b) => (b.created ?? "").localeCompare(a.created ?? "") || a.name.localeCompare(b.name));
}
