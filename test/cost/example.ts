// A small, fixed day of runs on two nodes, shared by the format tests and the golden files: both variants,
// an executor that crosses midnight, a spot node without a spot price, an unlabelled pod and a node's idle.
import { computeCost, type CostOptions } from "../../src/cost/core.js";
import type { CostData, CostPod } from "../../src/cost/input.js";
import { resolvePrices } from "../../src/cost/prices.js";
import type { CostReport } from "../../src/cost/report.js";

const H = 3_600_000;
const M = 60_000;
const GIB = 2 ** 30;
export const DAY0 = Date.UTC(2026, 10, 15);

function p(
  uid: string,
  app: string,
  attribution: CostPod["attribution"],
  node: "n-od" | "n-spot",
  start: number,
  bootMin: number,
  end: number,
  role: CostPod["role"] = "executor",
): CostPod {
  return {
    uid,
    namespace: "spark",
    name: `${app}-${uid}`,
    appUid: app,
    role,
    attribution,
    node,
    nodeInfo:
      node === "n-od"
        ? { instanceType: "m5.4xlarge", capacityType: "on-demand", zone: "us-east-1a" }
        : { instanceType: "r5.2xlarge", capacityType: "spot", zone: "us-east-1b" },
    cpuCores: role === "driver" ? 6 : 7,
    memoryBytes: (role === "driver" ? 24 : 26.4) * GIB,
    held: { start, end },
    mainStartedAt: start + bootMin * M,
    uncertaintyMs: 0,
  };
}

const visits = {
  dag: "etl_daily",
  task: "visits",
  module: "visits_distinct",
  runId: "scheduled__2026-11-15",
};
const orders = { dag: "etl_daily", task: "orders", module: "orders_rollup", runId: "scheduled__2026-11-15" };

export function exampleData(): CostData {
  const t = DAY0 + 2 * H;
  return {
    pods: [
      p("d1", "app-visits", { ...visits, variant: "standard" }, "n-od", t, 5, t + 40 * M, "driver"),
      p("e1", "app-visits", { ...visits, variant: "standard" }, "n-od", t + 6 * M, 5, t + 19 * M),
      p("e2", "app-visits", { ...visits, variant: "standard" }, "n-spot", t + 6 * M, 5, t + 13 * M),
      p("d2", "app-orders", { ...orders, variant: "pre-baked" }, "n-od", t + H, 1, t + H + 30 * M, "driver"),
      p(
        "e3",
        "app-orders",
        { ...orders, variant: "pre-baked" },
        "n-spot",
        t + H + 2 * M,
        0.5,
        t + H + 25 * M,
      ),
      // Crosses into the next day: only the part before midnight counts in a one-day window.
      p(
        "e4",
        "app-late",
        { ...orders, variant: "pre-baked" },
        "n-spot",
        DAY0 + 23 * H + 30 * M,
        1,
        DAY0 + 24 * H + 40 * M,
      ),
      // Submitted without sparklane's labels.
      p("x1", "app-adhoc", {}, "n-od", t + 3 * H, 2, t + 3 * H + 45 * M, "driver"),
    ],
    nodes: [
      {
        name: "n-od",
        info: { instanceType: "m5.4xlarge", capacityType: "on-demand", zone: "us-east-1a" },
        cpuCores: 16,
        memoryBytes: 64 * GIB,
        held: { start: DAY0 + 1 * H, end: DAY0 + 7 * H },
      },
    ],
    runs: [],
    notes: [],
    unattributedHint: (missing) => `pods without ${missing.join(", ")} labels`,
  };
}

export async function exampleReport(opts: Partial<CostOptions> = {}): Promise<CostReport> {
  const data = exampleData();
  const window = { start: DAY0, end: DAY0 + 24 * H, label: "2026-11-15" };
  return computeCost({
    window,
    data,
    prices: await resolvePrices(data, window, {}),
    options: {
      by: ["dag", "task", "variant"],
      mode: "request",
      idle: "separate",
      cpuToMemoryWeight: 9,
      ...opts,
    },
    source: "ledger",
    generatedAt: DAY0 + 48 * H,
  });
}
