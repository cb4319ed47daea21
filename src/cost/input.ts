// What the pure cost core integrates, whichever source measured it: the ledger (exact, from watch events) or
// Prometheus (kube-state-metrics + cAdvisor samples, exact to one scrape interval). Sources are edge adapters
// that produce these; the core never does I/O.
import type { Attribution, NodeInfo, Window } from "../ledger/schema.js";

/** One interval during which a pod held its request on a node, in epoch ms, half-open [start, end). */
export interface Held {
  start: number;
  end: number;
}

/** Whether a held interval has any time inside the window: what the core counts, and what needs a price. */
export function heldInWindow(held: Held, w: Window): boolean {
  return Math.min(held.end, w.end) > Math.max(held.start, w.start);
}

export interface CostPod {
  uid: string;
  namespace: string;
  /** The core does not use the name and role; the ledger source leaves them out (it reads less). */
  name?: string;
  /** The application (or local run) it belongs to; pods of one run share it. */
  appUid?: string;
  role?: "driver" | "executor";
  attribution: Attribution;
  node?: string;
  nodeInfo: NodeInfo;
  /** Effective requests (cores, bytes). */
  cpuCores: number;
  memoryBytes: number;
  /** When the node started holding the request (scheduled), and when it stopped (finish or deletion). */
  held: Held;
  /** Spark container start: held.start..mainStartedAt is the bootstrap. Absent: the whole span is bootstrap. */
  mainStartedAt?: number;
  /** Usage samples (max mode and efficiency); absent when unknown. */
  usage?: { t: number; cpuCores: number; memoryBytes: number }[];
  /** Uncertainty of held.start and held.end each, in ms (a scrape interval from Prometheus, 0 from the ledger). */
  uncertaintyMs: number;
}

/** A node and the time it existed, for idle. */
export interface CostNode {
  name: string;
  info: NodeInfo;
  cpuCores: number;
  memoryBytes: number;
  held: Held;
}

/** Hourly prices as measured over time; a source may give a series when the price moved (spot). */
export interface NodePrice {
  /** Node hourly price, from `from` until the next entry. */
  points: { from: number; hourly: number }[];
  origin: "karpenter-metric" | "opencost-metric" | "price-file" | "static-table";
  date: string;
  detail: string;
  /** Spot capacity priced without a spot price: flagged in the report. */
  spotWithoutSpotPrice?: boolean;
  /**
   * The node's shape, to split its price into a vCPU-hour and a GiB-hour price. A price file and the static
   * table give it; a metric source may (Karpenter's instance-cpu/memory labels). Absent: the core takes the
   * node record's capacity, else leaves the pod unpriced and says so.
   */
  vcpu?: number;
  memoryGib?: number;
}

/** One run (a SparkApplication or a local run), for the per-run summaries. */
export interface CostRun {
  uid: string;
  name: string;
  namespace: string;
  attribution: Attribution;
  createdAt: number;
  state?: string;
  outcome?: string;
  startLatencySeconds?: number;
}

/** What a source hands the core: every pod and node that overlaps the window, and the runs they belong to. */
export interface CostData {
  /** Read more than once (prices, then the core); the ledger's are columns handed out a pod at a time. */
  pods: Iterable<CostPod>;
  nodes: CostNode[];
  runs: CostRun[];
  /** Prometheus: the scrape interval that bounds each pod's start and end. */
  scrapeIntervalSeconds?: number;
  /** Assumptions the source made, printed with the report. */
  notes: string[];
  /**
   * How to make pods carry the missing keys: sparklane's labels (ledger), or the kube-state-metrics
   * `--metric-labels-allowlist` (Prometheus).
   */
  unattributedHint: (missing: readonly string[]) => string;
}

/**
 * The first price source: a price metric (Karpenter's offering price estimate, OpenCost's node cost metrics).
 * The Prometheus adapter implements it; undefined means "no series for this node", and the next source is asked.
 */
export interface PriceMetric {
  /** The node's hourly price over the window, as a series when it moved (spot). */
  nodePrice(node: { name?: string; info: NodeInfo }, window: Window): Promise<NodePrice | undefined>;
}
