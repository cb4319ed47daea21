// The pure cost core on hand-built pods and nodes: every rule of docs/cost.md, with figures worked by hand.
// Node m5.2xlarge-like: 8 vCPU, 32 GiB, $0.384/h; with the 9:1 weight a vCPU-hour costs 0.384 × 9 / 104 and a
// GiB-hour 0.384 / 104, so a pod of 2 vCPU and 8 GiB (a quarter of the node) costs exactly $0.096/h.
import { test } from "node:test";
import assert from "node:assert/strict";
import { computeCost, type CostOptions } from "../../src/cost/core.js";
import type { CostData, CostNode, CostPod, NodePrice } from "../../src/cost/input.js";
import type { PriceBook } from "../../src/cost/prices.js";
import { CostReport } from "../../src/cost/report.js";
import type { CostWindow } from "../../src/cost/window.js";

const H = 3_600_000;
const GIB = 2 ** 30;
const D = Date.UTC(2026, 10, 15); // 2026-11-15
const WIN: CostWindow = { start: D, end: D + 24 * H, label: "2026-11-15" };

function price(hourly: number, extra: Partial<NodePrice> = {}): NodePrice {
  return {
    points: [{ from: Number.NEGATIVE_INFINITY, hourly }],
    origin: "price-file",
    date: "2026-11-01",
    detail: "test prices",
    vcpu: 8,
    memoryGib: 32,
    ...extra,
  };
}

/** A price book over node names: what resolvePrices hands the core, without its I/O. */
function book(byNode: Record<string, NodePrice | undefined>): PriceBook {
  return { lookup: (node) => (node === undefined ? undefined : byNode[node]), currency: "USD" };
}

let n = 0;
function pod(o: Partial<CostPod> = {}): CostPod {
  n++;
  return {
    uid: `pod-${n}`,
    namespace: "spark",
    name: `app-${n}-driver`,
    appUid: `app-${n}`,
    role: "driver",
    attribution: { dag: "dag_a", task: "t1", module: "visits", variant: "pre-baked", runId: "r1" },
    node: "n1",
    nodeInfo: { instanceType: "m5.2xlarge", capacityType: "on-demand" },
    cpuCores: 2,
    memoryBytes: 8 * GIB,
    held: { start: D + 1 * H, end: D + 2 * H },
    mainStartedAt: D + 1 * H,
    uncertaintyMs: 0,
    ...o,
  };
}

const node = (o: Partial<CostNode> = {}): CostNode => ({
  name: "n1",
  info: { instanceType: "m5.2xlarge", capacityType: "on-demand" },
  cpuCores: 8,
  memoryBytes: 32 * GIB,
  held: { start: D, end: D + 24 * H },
  ...o,
});

const OPTS: CostOptions = { by: ["dag"], mode: "request", idle: "separate", cpuToMemoryWeight: 9 };

function run(
  pods: CostPod[],
  o: {
    nodes?: CostNode[];
    prices?: Record<string, NodePrice | undefined>;
    opts?: Partial<CostOptions>;
    window?: CostWindow;
  } = {},
): CostReport {
  const data: CostData = {
    pods,
    nodes: o.nodes ?? [],
    runs: [],
    notes: [],
    unattributedHint: (missing) => `label the pods with ${missing.join(",")}`,
  };
  const report = computeCost({
    window: o.window ?? WIN,
    data,
    prices: book(o.prices ?? { n1: price(0.384) }),
    options: { ...OPTS, ...o.opts },
    source: "ledger",
    generatedAt: D + 48 * H,
  });
  return CostReport.parse(report); // the core's output always satisfies the one schema
}

const close = (a: number, b: number, what: string, eps = 1e-6): void =>
  assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} != ${b}`);

test("unit prices: the 9:1 split sums to the node price and is reported", () => {
  const r = run([pod()]);
  const u = r.assumptions.unitPrices![0]!;
  close(u.cpuHourly * 8 + u.gibHourly * 32, 0.384, "parts sum to the node price");
  close(u.cpuHourly / u.gibHourly, 9, "weight");
  assert.equal(r.assumptions.cpuToMemoryWeight, 9);
  close(r.rows[0]!.totalCost, 0.096, "a quarter of the node for one hour");
  // A different weight moves money between CPU and RAM, not the total of a proportional pod.
  const r7 = run([pod()], { opts: { cpuToMemoryWeight: 7.46 } });
  close(r7.rows[0]!.totalCost, 0.096, "proportional pod under 7.46");
  assert.ok(r7.rows[0]!.ramCost > r.rows[0]!.ramCost);
});

test("unit prices: nodes of one instance type at one price make one line, a different price another", () => {
  const pods = [
    pod(),
    pod({ node: "n2" }),
    pod({ node: "n3", nodeInfo: { instanceType: "m5.2xlarge", capacityType: "spot" } }),
  ];
  const r = run(pods, { prices: { n1: price(0.384), n2: price(0.384), n3: price(0.15) } });
  assert.deepEqual(
    r.assumptions.unitPrices!.map((u) => [u.key, u.capacityType, u.hourly]),
    [
      ["m5.2xlarge", "on-demand", 0.384],
      ["m5.2xlarge", "spot", 0.15],
    ],
  );
});

const boundaryCases: { name: string; held: [number, number]; hours: number }[] = [
  { name: "inside", held: [D + 1 * H, D + 3 * H], hours: 2 },
  { name: "starts before the window", held: [D - 5 * H, D + 1 * H], hours: 1 },
  { name: "ends after the window", held: [D + 23 * H, D + 30 * H], hours: 1 },
  { name: "spans the window", held: [D - H, D + 25 * H], hours: 24 },
  { name: "wholly before", held: [D - 3 * H, D], hours: 0 },
  { name: "wholly after", held: [D + 24 * H, D + 26 * H], hours: 0 },
];
for (const c of boundaryCases) {
  test(`boundary split: a pod that ${c.name} counts ${c.hours} h`, () => {
    const r = run([pod({ held: { start: c.held[0], end: c.held[1] }, mainStartedAt: c.held[0] })]);
    const cost = r.rows.reduce((s, x) => s + x.totalCost, 0);
    close(cost, 0.096 * c.hours, "cost");
    if (c.hours > 0) close(r.rows[0]!.cpuCoreHours, 2 * c.hours, "core-hours");
    else assert.equal(r.rows.length, 0);
  });
}

test("a run across midnight lands on both UTC days of a two-day window", () => {
  const w: CostWindow = { start: D, end: D + 48 * H, label: "2d" };
  const r = run([pod({ held: { start: D + 22 * H, end: D + 26 * H } })], { window: w });
  assert.deepEqual(
    r.daily.map((d) => [d.day, d.module, d.cost]),
    [
      ["2026-11-15", "visits", 0.192],
      ["2026-11-16", "visits", 0.192],
    ],
  );
});

test("bootstrap: scheduled to Spark container start is its own column, split by variant", () => {
  const std = pod({
    attribution: { dag: "d", variant: "standard" },
    held: { start: D + H, end: D + 3 * H },
    mainStartedAt: D + H + H / 2,
  });
  const baked = pod({
    attribution: { dag: "d", variant: "pre-baked" },
    held: { start: D + H, end: D + 2 * H },
    mainStartedAt: D + H + H / 10,
  });
  const never = pod({ attribution: { dag: "d", variant: "standard" }, mainStartedAt: undefined }); // failed in init
  const r = run([std, baked, never], { opts: { by: ["dag"] } });
  const row = r.rows[0]!;
  close(
    row.bootstrapCostStandard,
    0.096 * 0.5 + 0.096,
    "standard: half an hour, plus the pod that never started",
  );
  close(row.bootstrapCostPreBaked, 0.096 * 0.1, "pre-baked: six minutes");
  close(row.bootstrapCost, row.bootstrapCostStandard + row.bootstrapCostPreBaked, "the column is their sum");
  close(row.totalCost, 0.096 * 4, "bootstrap is included in the cost");
  close(r.totals.bootstrap, row.bootstrapCost, "totals");
  assert.equal(r.runs.length, 3);
});

test("idle: separate and share both sum to the node cost, share in proportion to non-idle cost", () => {
  const pods = [
    pod({ attribution: { dag: "a" }, held: { start: D, end: D + 6 * H } }),
    pod({ attribution: { dag: "b" }, held: { start: D, end: D + 2 * H } }),
  ];
  const nodeCost = 0.384 * 24;
  const sep = run(pods, { nodes: [node()] });
  close(sep.idle!.nodeCost, nodeCost, "node cost");
  close(sep.idle!.cost, nodeCost - 0.096 * 8, "idle = node - allocated");
  close(sep.totals.cost, nodeCost, "separate: rows + idle = node cost");
  assert.ok(sep.rows.every((x) => x.idleShare === 0));
  close(sep.idle!.coverage, (0.096 * 8) / nodeCost, "coverage", 1e-4);

  const shared = run(pods, { nodes: [node()], opts: { idle: "share" } });
  close(
    shared.rows.reduce((s, x) => s + x.totalCost, 0),
    nodeCost,
    "share: rows alone = node cost",
  );
  close(shared.totals.cost, nodeCost, "share: total");
  const [a, b] = [
    shared.rows.find((x) => x.group.dag === "a")!,
    shared.rows.find((x) => x.group.dag === "b")!,
  ];
  close(a.idleShare / b.idleShare, 3, "a ran three times as long, so takes three times the idle", 1e-4);
  close(
    shared.daily.reduce((s, d) => s + d.cost, 0),
    nodeCost,
    "daily includes the shared idle",
    1e-5,
  );
});

test("idle: share with no pod cost to share over keeps the node cost, as a separate line, and says so", () => {
  const nodeCost = 0.384 * 24;
  const r = run([], { nodes: [node()], opts: { idle: "share" } });
  close(r.totals.cost, nodeCost, "the standing node's cost is not dropped");
  close(r.totals.idle, nodeCost, "all of it idle");
  assert.equal(r.assumptions.idle, "separate");
  assert.match(r.warnings.join("\n"), /no priced pod cost in the window to share idle over/);
});

test("spot: a price that moves mid-run is multiplied per segment", () => {
  const moving = price(0.2, {
    origin: "karpenter-metric",
    points: [
      { from: Number.NEGATIVE_INFINITY, hourly: 0.2 },
      { from: D + 2 * H, hourly: 0.1 },
    ],
  });
  const whole = pod({ cpuCores: 8, memoryBytes: 32 * GIB, held: { start: D + H, end: D + 3 * H } });
  const r = run([whole], { prices: { n1: moving } });
  close(r.rows[0]!.totalCost, 0.2 + 0.1, "one hour at each price");
  assert.equal(r.assumptions.unitPrices![0]!.moved, true);
  assert.equal(r.rows[0]!.priceSource, "karpenter-metric");
});

test("spot without a spot price: priced at on-demand, flagged in the row and in warnings", () => {
  const r = run([pod({ nodeInfo: { instanceType: "m5.2xlarge", capacityType: "spot" } })], {
    prices: { n1: price(0.384, { spotWithoutSpotPrice: true }) },
  });
  close(r.rows[0]!.totalCost, 0.096, "on-demand price");
  assert.deepEqual(r.rows[0]!.flags, ["spot-priced-on-demand"]);
  assert.match(r.warnings.join("\n"), /1 pod ran on spot capacity without a spot price \(m5\.2xlarge\)/);
});

test("a pod on a node with no price counts 0, flagged and warned", () => {
  const r = run([pod({ node: "n9", nodeInfo: { instanceType: "x9.huge" } })]);
  assert.equal(r.rows[0]!.totalCost, 0);
  assert.equal(r.rows[0]!.priceSource, "none");
  assert.deepEqual(r.rows[0]!.flags, ["unpriced"]);
  assert.match(r.warnings.join("\n"), /1 pod ran on nodes with no price \(x9\.huge\)/);
});

test("max mode: allocated = max(request, usage) per sample; request mode ignores usage", () => {
  // 2 cores requested; uses 4 cores in the second half hour. Memory stays under its request.
  const usage = [
    { t: D + H, cpuCores: 1, memoryBytes: 4 * GIB },
    { t: D + H + H / 2, cpuCores: 4, memoryBytes: 4 * GIB },
  ];
  const p = pod({ usage });
  const req = run([p]);
  const max = run([p], { opts: { mode: "max" } });
  const cpuUnit = (0.384 * 9) / 104;
  close(req.rows[0]!.totalCost, 0.096, "request");
  close(max.rows[0]!.totalCost, 0.096 + 2 * 0.5 * cpuUnit, "max: 2 extra cores for half an hour");
  close(max.rows[0]!.cpuCoreHours, 3, "core-hours 2 × 0.5 + 4 × 0.5");
  close(req.rows[0]!.efficiencyCpu!, (1 * 0.5 + 4 * 0.5) / 2, "efficiency = usage / request");
  close(req.rows[0]!.efficiencyRam!, 0.5, "memory efficiency");
  assert.equal(max.assumptions.mode, "max");
});

test("unattributed: pods missing a grouped key land in one row with the source's hint", () => {
  const r = run(
    [
      pod({ attribution: { dag: "a", module: "m" } }),
      pod({ attribution: { dag: "a" } }),
      pod({ attribution: {} }),
    ],
    { opts: { by: ["dag", "module"] } },
  );
  assert.equal(r.rows.length, 2);
  const u = r.rows.at(-1)!;
  assert.equal(u.unattributed, true);
  assert.deepEqual(u.group, {});
  assert.equal(u.pods, 2);
  assert.equal(r.unattributedHint, "label the pods with dag,module");
  close(r.totals.unattributed, 0.192, "unattributed total");
  close(r.totals.attributed, 0.096, "attributed total");
  // Grouped by run only, the ledger's app uid stands in for a missing run id: nothing is unattributed.
  const byRun = run([pod({ attribution: {} })], { opts: { by: ["run"] } });
  assert.equal(byRun.rows[0]!.unattributed, false);
  assert.equal(byRun.unattributedHint, undefined);
});

test("grouping: by several keys, rows are distinct groups with run and pod counts", () => {
  const r = run(
    [
      pod({ appUid: "x", attribution: { dag: "a", task: "t1" } }),
      pod({ appUid: "x", role: "executor", attribution: { dag: "a", task: "t1" } }),
      pod({ appUid: "y", attribution: { dag: "a", task: "t2" } }),
    ],
    { opts: { by: ["dag", "task"] } },
  );
  assert.deepEqual(
    r.rows.map((x) => [x.group, x.runs, x.pods]),
    [
      [{ dag: "a", task: "t1" }, 1, 2],
      [{ dag: "a", task: "t2" }, 1, 1],
    ],
  );
});

test("error bound: 2 × uncertainty × request × price per pod, summed per row", () => {
  const r = run([pod({ uncertaintyMs: 30_000 }), pod({ uncertaintyMs: 30_000 })]);
  close(r.rows[0]!.errorBound, 2 * 2 * (30 / 3600) * 0.096, "two pods, 30 s each side");
  close(r.totals.errorBound, r.rows[0]!.errorBound, "total");
  assert.equal(run([pod()]).rows[0]!.errorBound, 0);
});
