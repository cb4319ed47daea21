// What the pure cost core integrates, whichever source measured it: the ledger (exact, from watch events) or
// Prometheus (kube-state-metrics + cAdvisor samples, exact to one scrape interval). Sources are edge adapters
// that produce these; the core never does I/O.
import type { Attribution, NodeInfo } from "../ledger/schema.js";

/** One interval during which a pod held its request on a node, in epoch ms, half-open [start, end). */
export interface Held {
  start: number;
  end: number;
}

export interface CostPod {
  uid: string;
  namespace: string;
  name: string;
  /** The application (or local run) it belongs to; pods of one run share it. */
  appUid?: string;
  role: "driver" | "executor";
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
}
