// SparkApplications that Airflow's cncf.kubernetes provider submitted (SparkKubernetesOperator), recognised so
// status, list, logs and the exporter serve them as they serve sparklane's own. Pure: no I/O.
//
// What the provider does after rendering (../shared/reference/airflow.md §6, observed with provider 10.25.0):
// the name gets `-<8 random [a-z0-9]>`; `dag_id`, `task_id`, `run_id`, `spark_kubernetes_operator` and
// `try_number` (and `map_index` for mapped tasks) are merged into spec.labels, spec.driver.labels and
// spec.executor.labels, not metadata.labels; SPARK_APPLICATION_NAME=<name> goes into the driver's and
// executors' env. Label values pass through the provider's make_safe_label_value, so run_id is hashed.
import { createHash } from "node:crypto";
import type { SparkApp } from "./apps.js";
import { ANNOTATION_RUN_ID, LABELS } from "./naming.js";

export const PROVIDER_LABELS = {
  dagId: "dag_id",
  taskId: "task_id",
  runId: "run_id",
  tryNumber: "try_number",
  mapIndex: "map_index",
  operator: "spark_kubernetes_operator",
} as const;

/** The env var the provider sets to the submitted name in the driver and executor pods. */
export const SPARK_APPLICATION_NAME_ENV = "SPARK_APPLICATION_NAME";

/** The provider's random name suffix: `-` and 8 of [a-z0-9]. */
const SUFFIX = /-[a-z0-9]{8}$/;

export type Origin = "airflow" | "sparklane" | "unknown";

export interface AppOrigin {
  origin: Origin;
  dagId?: string;
  taskId?: string;
  /** sparklane: the run id as given; Airflow: the provider's label value (sanitised, often hashed). */
  runId?: string;
  tryNumber?: number;
  mapIndex?: number;
}

/**
 * The provider's make_safe_label_value: characters outside [A-Za-z0-9_.-] and non-alphanumeric edges are
 * dropped; a changed or too long value is cut and ends with `-` and the first 9 hex digits of its md5.
 */
export function providerLabelValue(raw: string): string {
  let safe = raw.replace(/^[^a-z0-9A-Z]*|[^a-zA-Z0-9_\-.]|[^a-z0-9A-Z]*$/g, "");
  if (safe.length > 63 || safe !== raw) {
    const hash = createHash("md5").update(raw).digest("hex").slice(0, 9);
    safe = `${safe.slice(0, 63 - hash.length - 1)}-${hash}`;
  }
  return safe;
}

type Labels = Record<string, string>;

function podLabels(app: SparkApp, role: "driver" | "executor"): Labels | undefined {
  const spec = app.spec as { [k: string]: { labels?: Labels } | undefined } | undefined;
  return spec?.[role]?.labels;
}

/** The labels the provider put on the application: the driver's, else the executors', spec's or metadata's. */
function providerLabels(app: SparkApp): Labels | undefined {
  const candidates = [
    podLabels(app, "driver"),
    podLabels(app, "executor"),
    (app.spec as { labels?: Labels } | undefined)?.labels,
    app.metadata.labels,
  ];
  return candidates.find((l) => l?.[PROVIDER_LABELS.operator] !== undefined);
}

const num = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);

/** Who submitted the application, and the Airflow run it belongs to. */
export function originOf(app: SparkApp): AppOrigin {
  const md = app.metadata.labels ?? {};
  const p = providerLabels(app);
  if (p) {
    return {
      origin: "airflow",
      dagId: p[PROVIDER_LABELS.dagId] ?? md[LABELS.dagId],
      taskId: p[PROVIDER_LABELS.taskId] ?? md[LABELS.taskId],
      runId: p[PROVIDER_LABELS.runId],
      tryNumber: num(p[PROVIDER_LABELS.tryNumber]),
      mapIndex: num(p[PROVIDER_LABELS.mapIndex]),
    };
  }
  const runId = app.metadata.annotations?.[ANNOTATION_RUN_ID];
  return {
    origin: runId !== undefined || md[LABELS.runId] !== undefined ? "sparklane" : "unknown",
    dagId: md[LABELS.dagId],
    taskId: md[LABELS.taskId],
    runId,
  };
}

/** Whether a label (or run id) value stands for `wanted`, as either sparklane or the provider writes it. */
export function labelMatches(
  value: string | undefined,
  wanted: string,
  sanitize: (s: string) => string,
): boolean {
  return (
    value !== undefined &&
    (value === wanted || value === sanitize(wanted) || value === providerLabelValue(wanted))
  );
}

/** The name the template gave, without the provider's random suffix (unchanged when there is none). */
export function baseName(name: string): string {
  return name.replace(SUFFIX, "");
}

/** Whether `name` is `base` plus the provider's random suffix. */
export function isSuffixedName(name: string, base: string): boolean {
  return name.length === base.length + 9 && name.startsWith(base) && SUFFIX.test(name);
}
