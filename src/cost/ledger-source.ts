// The exact source: the run ledger's pod and node records, turned into what the core integrates. The ledger
// saw every watch event, so a pod's interval is known to the second (uncertainty 0).
import { podSpan } from "../ledger/index.js";
import { RUN_LABELS } from "../ledger/record.js";
import type {
  AppField,
  AppRecord,
  LedgerStore,
  NodeRecord,
  PodField,
  PodRecord,
  WindowFields,
} from "../ledger/schema.js";
import type { CostData, CostNode, CostPod, CostRun } from "./input.js";
import { PodColumns } from "./pod-columns.js";
import type { CostWindow } from "./window.js";

/** The pod label each `--by` key comes from. */
export const ATTRIBUTION_LABELS = {
  dag: RUN_LABELS.dagId,
  task: RUN_LABELS.taskId,
  module: RUN_LABELS.module,
  variant: RUN_LABELS.variant,
  run: RUN_LABELS.runId,
} as const;

export function ledgerHint(missing: readonly string[]): string {
  const labels = missing.map((k) => ATTRIBUTION_LABELS[k as keyof typeof ATTRIBUTION_LABELS] ?? k);
  return `pods without ${labels.join(", ")}: submit with \`sparklane submit\` (it sets these labels on the application, driver and executors), or add them to the template's driver and executor labels`;
}

/** The fields of a pod and of an app that the cost reads from the ledger: nothing else is read. */
export const COST_FIELDS = {
  pods: [
    "uid",
    "appUid",
    "namespace",
    "node",
    "nodeInfo",
    "cpuCores",
    "memoryBytes",
    "createdAt",
    "scheduledAt",
    "mainStartedAt",
    "mainFinishedAt",
    "deletedAt",
  ],
  apps: [
    "uid",
    "name",
    "namespace",
    "attribution",
    "createdAt",
    "terminatedAt",
    "state",
    "outcome",
    "startLatencySeconds",
  ],
} as const satisfies WindowFields<AppField, PodField>;

export type CostPodRecord = Pick<PodRecord, (typeof COST_FIELDS.pods)[number]>;
export type CostAppRecord = Pick<AppRecord, (typeof COST_FIELDS.apps)[number]>;

/**
 * A pod holds its request from scheduling until its Spark container finishes or the pod is deleted (a
 * Succeeded pod no longer counts against the node). With neither recorded, the application's end bounds it;
 * with nothing at all it is counted to the window's end, and a note says how many.
 */
export function podToCost(pod: CostPodRecord, app: CostAppRecord | undefined): CostPod | undefined {
  if (pod.scheduledAt === undefined && pod.node === undefined) return undefined; // never scheduled: held nothing
  const span = podSpan(pod);
  const start = span.start;
  const end = span.end ?? app?.terminatedAt ?? Number.POSITIVE_INFINITY;
  return {
    uid: pod.uid,
    namespace: pod.namespace,
    appUid: pod.appUid,
    attribution: app?.attribution ?? {},
    ...(pod.node !== undefined ? { node: pod.node } : {}),
    nodeInfo: pod.nodeInfo,
    cpuCores: pod.cpuCores,
    memoryBytes: pod.memoryBytes,
    held: { start, end: Math.max(start, end) },
    ...(pod.mainStartedAt !== undefined ? { mainStartedAt: pod.mainStartedAt } : {}),
    uncertaintyMs: 0,
  };
}

/** A node holds its capacity from first seen until deleted; one not deleted still exists (the ledger's reading). */
export function nodeToCost(node: NodeRecord): CostNode {
  return {
    name: node.name,
    info: node.info,
    cpuCores: node.cpuCores,
    memoryBytes: node.memoryBytes,
    held: { start: node.firstSeenAt, end: node.deletedAt ?? Number.POSITIVE_INFINITY },
  };
}

export function appToRun(app: CostAppRecord): CostRun {
  return {
    uid: app.uid,
    name: app.name,
    namespace: app.namespace,
    attribution: app.attribution,
    createdAt: app.createdAt,
    ...(app.state !== undefined ? { state: app.state } : {}),
    ...(app.outcome !== undefined ? { outcome: app.outcome } : {}),
    ...(app.startLatencySeconds !== undefined ? { startLatencySeconds: app.startLatencySeconds } : {}),
  };
}

export async function ledgerCostData(store: LedgerStore, window: CostWindow): Promise<CostData> {
  // Each pod is turned into the core's input as it is read, and kept as columns: the ledger's records are
  // never all in memory, and neither are the core's pods as objects.
  const appByUid = new Map<string, CostAppRecord>();
  const costPods = new PodColumns();
  let open = 0;
  const [, nodes] = await Promise.all([
    store.scanWindow(
      window,
      {
        app: (a) => void appByUid.set(a.uid, a),
        pod: (p) => {
          const c = podToCost(p, appByUid.get(p.appUid));
          if (!c) return;
          if (c.held.end === Number.POSITIVE_INFINITY && c.held.start < window.end) open++;
          costPods.push(c);
        },
      },
      COST_FIELDS,
    ),
    store.nodesInWindow(window),
  ]);
  const notes = ["ledger: pod intervals from watch events, exact (no scrape-interval error)"];
  if (open > 0)
    notes.push(
      `${open} pod${open === 1 ? " has" : "s have"} no recorded end (still running, or its end was not seen): counted to the window's end`,
    );
  const openNodes = nodes.filter((n) => n.deletedAt === undefined).length;
  if (openNodes > 0)
    notes.push(
      `${openNodes} node${openNodes === 1 ? " has" : "s have"} no recorded deletion: counted as existing to the window's end (idle)`,
    );
  return {
    pods: costPods,
    nodes: nodes.map(nodeToCost),
    runs: Array.from(appByUid.values(), appToRun),
    notes,
    unattributedHint: ledgerHint,
  };
}
