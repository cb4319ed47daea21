// The run ledger's records: one schema, from which the types, the SQLite and PostgreSQL tables and the cost
// core's input are all derived. Times are epoch milliseconds (UTC); quantities are cores and bytes.
//
// Keys: applications by uid, pods by uid. Pod and application names repeat across resubmissions and Airflow
// retries (`<app>-driver`, `<app>-exec-N`), uids never do (../shared/reference/cost.md §7).
import { z } from "zod";

/** What a run is attributed to. Every field is optional: a missing one lands in the `unattributed` row. */
export const Attribution = z.object({
  dag: z.string().optional(),
  task: z.string().optional(),
  executionDate: z.string().optional(),
  module: z.string().optional(),
  variant: z.enum(["standard", "pre-baked"]).optional(),
  runId: z.string().optional(),
  tryNumber: z.number().int().optional(),
});
export type Attribution = z.infer<typeof Attribution>;

/** Who recorded the run: `run --local`, `submit`, or the exporter watching the cluster. */
export const RunSource = z.enum(["local", "submit", "exporter"]);
export type RunSource = z.infer<typeof RunSource>;

export const Outcome = z.enum(["completed", "failed"]);
export type Outcome = z.infer<typeof Outcome>;

/** One SparkApplication (or one local run, whose uid sparklane makes up), as last seen. */
export const AppRecord = z.object({
  uid: z.string().min(1),
  namespace: z.string(),
  name: z.string().min(1),
  source: RunSource,
  /** The application's metadata labels plus the driver's, as submitted (they reach pods at submit time only). */
  labels: z.record(z.string(), z.string()),
  attribution: Attribution,
  createdAt: z.number(),
  /** Phases: the operator's SUBMITTED, RUNNING (driver running) and the terminal state. */
  submittedAt: z.number().optional(),
  runningAt: z.number().optional(),
  terminatedAt: z.number().optional(),
  /** The operator's last applicationState.state, or the local run's. */
  state: z.string().optional(),
  outcome: Outcome.optional(),
  /** Submission to driver container start, in seconds (the exporter's histogram measures the same). */
  startLatencySeconds: z.number().nonnegative().optional(),
  /** Last time any watch event or poll touched this record. */
  observedAt: z.number(),
});
export type AppRecord = z.infer<typeof AppRecord>;

/** The node labels cost depends on (../shared/reference/cost.md §6.1). */
export const NodeInfo = z.object({
  instanceType: z.string().optional(),
  /** `on-demand`, `spot` or `reserved` (Karpenter's capacity-type), when known. */
  capacityType: z.string().optional(),
  zone: z.string().optional(),
});
export type NodeInfo = z.infer<typeof NodeInfo>;

/** One driver or executor pod. */
export const PodRecord = z.object({
  uid: z.string().min(1),
  appUid: z.string().min(1),
  namespace: z.string(),
  name: z.string().min(1),
  role: z.enum(["driver", "executor"]),
  node: z.string().optional(),
  nodeInfo: NodeInfo,
  /**
   * Effective requests: max(sum of containers, largest init container) plus pod overhead, which is what the
   * node keeps reserved (Kubernetes "effective pod requests").
   */
  cpuCores: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  createdAt: z.number(),
  /** PodScheduled: from here the node holds the request, so cost starts here. */
  scheduledAt: z.number().optional(),
  /** The Spark container's startedAt: scheduledAt..mainStartedAt is the bootstrap (image pull, init). */
  mainStartedAt: z.number().optional(),
  /** The Spark container's finishedAt. */
  mainFinishedAt: z.number().optional(),
  deletedAt: z.number().optional(),
  observedAt: z.number(),
});
export type PodRecord = z.infer<typeof PodRecord>;

/** A node as seen by the exporter: what idle cost is measured against. */
export const NodeRecord = z.object({
  name: z.string().min(1),
  info: NodeInfo,
  cpuCores: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  firstSeenAt: z.number(),
  lastSeenAt: z.number(),
  deletedAt: z.number().optional(),
});
export type NodeRecord = z.infer<typeof NodeRecord>;

/** A half-open time window [start, end) in epoch ms. */
export interface Window {
  start: number;
  end: number;
}

export type AppField = keyof AppRecord;
export type PodField = keyof PodRecord;

export interface WindowVisitor<A = AppRecord, P = PodRecord> {
  app(app: A): void;
  pod(pod: P): void;
}

export interface WindowFields<A extends AppField, P extends PodField> {
  apps: readonly A[];
  pods: readonly P[];
}

export interface RunFilter {
  dag?: string;
  module?: string;
  /** Runs whose createdAt falls in this window. */
  window?: Window;
  limit?: number;
}

/**
 * The ledger, whichever backend holds it. Writes are idempotent (upserts by uid that merge: a field once
 * known is never forgotten by a later, poorer event; earliest start and latest end win) and each call is one
 * transaction, so a crash leaves every record whole.
 */
export interface LedgerStore {
  readonly backend: "sqlite" | "postgres";
  upsertApp(app: AppRecord): Promise<void>;
  upsertPod(pod: PodRecord): Promise<void>;
  upsertNode(node: NodeRecord): Promise<void>;
  /** Several records in one transaction (the exporter batches its event bursts). */
  write(batch: { apps?: AppRecord[]; pods?: PodRecord[]; nodes?: NodeRecord[] }): Promise<void>;
  getApp(uid: string): Promise<AppRecord | undefined>;
  /** Newest first (createdAt descending, then uid). */
  listApps(filter?: RunFilter): Promise<AppRecord[]>;
  /** Pods whose lifetime (scheduledAt or createdAt .. end or open) overlaps the window, with their apps. */
  podsInWindow(window: Window): Promise<{ pods: PodRecord[]; apps: AppRecord[] }>;
  /**
   * The same records, in the same order and snapshot, handed over one by one as they are read: every app
   * first, then every pod. A reader that keeps only what it derives (the cost) never holds them all. With
   * `fields`, only those fields are read (`Pick`s of the records). The callbacks run during the read, so they
   * must not use the store; records of one scan may share (frozen) node labels.
   */
  scanWindow<A extends AppField = AppField, P extends PodField = PodField>(
    window: Window,
    visit: WindowVisitor<Pick<AppRecord, A>, Pick<PodRecord, P>>,
    fields?: WindowFields<A, P>,
  ): Promise<void>;
  nodesInWindow(window: Window): Promise<NodeRecord[]>;
  /** The schema version the database carries after migrations. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
