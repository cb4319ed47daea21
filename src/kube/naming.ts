// Deterministic application names, content hashes and cost-attribution labels. Pure: no I/O.
import { createHash } from "node:crypto";

export const ANNOTATION_PAYLOAD_HASH = "sparklane.io/payload-hash";
export const ANNOTATION_SPEC_HASH = "sparklane.io/spec-hash";
export const ANNOTATION_RUN_ID = "sparklane.io/airflow-run-id";

/** Label keys: the seed's own keys for the Airflow context, so existing dashboards keep working. */
export const LABELS = {
  dagId: "airflow-dag-id",
  taskId: "airflow-task-id",
  executionDate: "airflow-execution-date",
  module: "etl-module",
  variant: "sparklane-variant",
  runId: "sparklane-run-id",
} as const;

/** JSON with object keys sorted at every level, so equal payloads hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function payloadHash(payload: unknown): string {
  return sha256(canonicalJson(payload));
}

/** Hash of what the operator acts on: spec plus the labels and non-sparklane annotations. */
export function specHash(manifest: Record<string, unknown>): string {
  const md = (manifest.metadata ?? {}) as Record<string, unknown>;
  return sha256(canonicalJson({ spec: manifest.spec, labels: md.labels ?? {} }));
}

export interface RunIdentity {
  dagId: string;
  taskId: string;
  runId: string;
  payload: unknown;
}

/** Short, lowercase base-36 hash of the run's identity: 10 chars, ~51 bits. */
export function runHash(id: RunIdentity): string {
  const hex = sha256(canonicalJson([id.dagId, id.taskId, id.runId, id.payload])).slice(0, 13);
  return BigInt(`0x${hex}`).toString(36).padStart(10, "0").slice(-10);
}

function dnsPart(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * `<module>-<yyyymmdd>-<hash>`, a DNS-1035 label of at most 63 characters: the module is cut, never the
 * date or hash, and a name that would not start with a letter gets an `app-` prefix.
 */
export function applicationName(module: string, ds: string, hash: string): string {
  const date = ds.replace(/-/g, "");
  const tail = `-${dnsPart(date)}-${hash}`.replace(/--+/g, "-");
  let head = dnsPart(module) || "app";
  if (!/^[a-z]/.test(head)) head = `app-${head}`;
  head = head.slice(0, 63 - tail.length).replace(/-+$/, "");
  return `${head}${tail}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A valid label value for any input: invalid characters become `-`, edges are trimmed to alphanumerics, and
 * values that had to be cut end with a short hash of the original so different long values stay distinct.
 */
export function sanitizeLabelValue(raw: string): string {
  if (raw.length <= 63 && LABEL_VALUE.test(raw)) return raw;
  let v = raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (v.length > 63 || v !== raw) {
    const h = sha256(raw).slice(0, 8);
    v = `${v.slice(0, 63 - 9).replace(/[^A-Za-z0-9]+$/, "")}-${h}`.replace(/^-/, "");
  }
  return v;
}

export function isValidLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE.test(v);
}

export interface LabelInput {
  dagId: string;
  taskId: string;
  ds: string;
  module: string;
  variant: string;
  runHash: string;
}

export function costLabels(i: LabelInput): Record<string, string> {
  return {
    [LABELS.dagId]: sanitizeLabelValue(i.dagId),
    [LABELS.taskId]: sanitizeLabelValue(i.taskId),
    [LABELS.executionDate]: sanitizeLabelValue(i.ds),
    [LABELS.module]: sanitizeLabelValue(i.module),
    [LABELS.variant]: sanitizeLabelValue(i.variant),
    [LABELS.runId]: sanitizeLabelValue(i.runHash),
  };
}
