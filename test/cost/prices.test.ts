// Price resolution order (metric, then file, then the static table), the price file's checks, and spot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../src/errors.js";
import type { CostNode, CostPod, NodePrice, PriceMetric } from "../../src/cost/input.js";
import { loadPriceFile, resolvePrices } from "../../src/cost/prices.js";
import { STATIC_PRICES, STATIC_TABLE } from "../../src/cost/static-prices.js";

const W = { start: 0, end: 1 };
const dir = mkdtempSync(join(tmpdir(), "sparklane-prices-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const podOn = (node: string, instanceType?: string, capacityType?: string): CostPod => ({
  uid: node,
  namespace: "spark",
  name: node,
  role: "driver",
  attribution: {},
  node,
  nodeInfo: { ...(instanceType ? { instanceType } : {}), ...(capacityType ? { capacityType } : {}) },
  cpuCores: 1,
  memoryBytes: 1,
  held: { start: 0, end: 1 },
  uncertaintyMs: 0,
});
const data = (pods: CostPod[], nodes: CostNode[] = []) => ({ pods, nodes });

test("static table: on-demand list price with its date; spot priced on-demand and flagged", async () => {
  const book = await resolvePrices(data([podOn("a", "m5.2xlarge"), podOn("b", "m5.2xlarge", "spot")]), W, {});
  const od = book.lookup("a", { instanceType: "m5.2xlarge" })!;
  assert.deepEqual(
    [od.origin, od.date, od.points[0]!.hourly, od.vcpu, od.memoryGib],
    ["static-table", STATIC_TABLE.date, 0.384, 8, 32],
  );
  assert.equal(od.spotWithoutSpotPrice, undefined);
  const spot = book.lookup("b", { instanceType: "m5.2xlarge", capacityType: "spot" })!;
  assert.equal(spot.points[0]!.hourly, 0.384);
  assert.equal(spot.spotWithoutSpotPrice, true);
  assert.equal(book.lookup("c", { instanceType: "nope.large" }), undefined);
});

test("static table rows are consistent: vCPU, GiB and price positive", () => {
  for (const [type, [v, g, p]] of Object.entries(STATIC_PRICES)) assert.ok(v > 0 && g > 0 && p > 0, type);
});

test("the metric wins over the file, the file over the static table", async () => {
  const metricPrice: NodePrice = {
    points: [{ from: 0, hourly: 0.11 }],
    origin: "karpenter-metric",
    date: "window",
    detail: "karpenter_cloudprovider_instance_type_offering_price_estimate",
  };
  const metric: PriceMetric = {
    nodePrice: async ({ name }) => (name === "m" ? metricPrice : undefined),
  };
  const f = loadPriceFile(
    file(
      "p.yaml",
      "date: 2026-11-01\ninstanceTypes:\n  m5.2xlarge: {vcpu: 8, memoryGib: 32, onDemand: 0.5, spot: 0.2}\n",
    ),
  );
  const book = await resolvePrices(
    data([podOn("m", "m5.2xlarge"), podOn("f", "m5.2xlarge"), podOn("s", "m5.2xlarge", "spot")]),
    W,
    { metric, file: f },
  );
  assert.equal(book.lookup("m", { instanceType: "m5.2xlarge" }), metricPrice);
  const fp = book.lookup("f", { instanceType: "m5.2xlarge" })!;
  assert.deepEqual([fp.origin, fp.points[0]!.hourly, fp.date], ["price-file", 0.5, "2026-11-01"]);
  const sp = book.lookup("s", { instanceType: "m5.2xlarge", capacityType: "spot" })!;
  assert.deepEqual([sp.points[0]!.hourly, sp.spotWithoutSpotPrice], [0.2, undefined]);
  assert.equal(book.currency, "USD");

  // In another currency the file prices a report alone; beside the metric's USD it is refused.
  const eur = file(
    "eur.yaml",
    "date: 2026-11-01\ncurrency: EUR\ninstanceTypes:\n  m5.2xlarge: {vcpu: 8, memoryGib: 32, onDemand: 0.5}\n",
  );
  assert.equal(
    (await resolvePrices(data([podOn("f", "m5.2xlarge")]), W, { metric, file: loadPriceFile(eur) })).currency,
    "EUR",
  );
  await assert.rejects(
    resolvePrices(data([podOn("m", "m5.2xlarge"), podOn("f", "m5.2xlarge")]), W, {
      metric,
      file: loadPriceFile(eur),
    }),
    (e: unknown) =>
      e instanceof UserError && /prices are in EUR, but node m is priced by a metric in USD/.test(e.message),
  );
});

test("price file: a default entry prices nodes without an instance type (JSON works too)", async () => {
  const f = loadPriceFile(
    file(
      "p.json",
      JSON.stringify({
        date: "2026-11-01",
        instanceTypes: {},
        default: { vcpu: 4, memoryGib: 16, onDemand: 0.2 },
      }),
    ),
  );
  const book = await resolvePrices(data([podOn("kind-worker")]), W, { file: f });
  assert.equal(book.lookup("kind-worker", {})!.points[0]!.hourly, 0.2);
});

test("price file missing an instance type in use: refused, naming the type and the file", async () => {
  const path = file(
    "few.yaml",
    "date: 2026-11-01\ninstanceTypes:\n  m5.large: {vcpu: 2, memoryGib: 8, onDemand: 0.096}\n",
  );
  await assert.rejects(
    resolvePrices(data([podOn("a", "m5.large"), podOn("b", "r5.xlarge"), podOn("c", "c5.large")]), W, {
      file: loadPriceFile(path),
    }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        `--prices ${path}: no price for instance types c5.large, r5.xlarge (in use in the window)`,
  );
});

test("a type only on pods and nodes that held nothing inside the window needs no price", async () => {
  const path = file(
    "one.yaml",
    "date: 2026-11-01\ninstanceTypes:\n  m5.large: {vcpu: 2, memoryGib: 8, onDemand: 0.096}\n",
  );
  // A pod left open by a run that ended long before, and a node gone before the window: both fall outside.
  const before = { ...podOn("old", "r5.large"), held: { start: -10, end: 0 } };
  const node: CostNode = {
    name: "gone",
    info: { instanceType: "c5.large" },
    cpuCores: 2,
    memoryBytes: 1,
    held: { start: -5, end: -1 },
  };
  const book = await resolvePrices(data([podOn("a", "m5.large"), before], [node]), W, {
    file: loadPriceFile(path),
  });
  assert.equal(book.lookup("a", { instanceType: "m5.large" })?.origin, "price-file");
});

const badFiles: [string, string, RegExp][] = [
  ["missing date", "instanceTypes: {}\n", /: date: /],
  [
    "negative price",
    "date: x\ninstanceTypes:\n  a: {vcpu: 2, memoryGib: 8, onDemand: -1}\n",
    /instanceTypes\.a\.onDemand/,
  ],
  ["unknown key", "date: x\ninstanceTypes: {}\nregoin: eu\n", /regoin/],
  ["not yaml", "date: [\n", /not YAML or JSON/],
];
for (const [name, text, why] of badFiles) {
  test(`price file refused: ${name}`, () => {
    const path = file(`${name.replace(/ /g, "-")}.yaml`, text);
    assert.throws(
      () => loadPriceFile(path),
      (e: unknown) =>
        e instanceof UserError && e.message.startsWith(`--prices ${path}: `) && why.test(e.message),
    );
  });
}

test("price file that does not exist: refused naming it", () => {
  assert.throws(
    () => loadPriceFile(join(dir, "absent.yaml")),
    /--prices .*absent\.yaml: cannot read the file \(ENOENT\)/,
  );
});
