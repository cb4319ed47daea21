// `sparklane cost` as a user runs it (the built CLI): every refused input exits 2 with one `error:` line naming
// the flag, an unreachable database exits 3, and a real SQLite ledger written through the ledger store gives
// the figures worked out by hand in table, CSV and JSON.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { openLedger, type AppRecord, type NodeRecord, type PodRecord } from "../../src/ledger/index.js";
import { CSV_COLUMNS } from "../../src/cost/format.js";
import { CostReport } from "../../src/cost/report.js";

const H = 3_600_000;
const GIB = 2 ** 30;
const DAY = Date.UTC(2026, 10, 15);
let dir: string;
let db: string;

// m5.4xlarge, $0.768/h, 16 vCPU, 64 GiB, weight 9: a vCPU-hour is 0.768 × 9 / 208, a GiB-hour 0.768 / 208.
const CPU = (0.768 * 9) / 208;
const RAM = 0.768 / 208;
const info = { instanceType: "m5.4xlarge", capacityType: "on-demand", zone: "us-east-1a" };

function app(uid: string, attribution: AppRecord["attribution"], createdAt: number): AppRecord {
  return {
    uid,
    namespace: "spark",
    name: `etl-${uid}`,
    source: "exporter",
    labels: {},
    attribution,
    createdAt,
    observedAt: createdAt,
  };
}
function pod(
  uid: string,
  appUid: string,
  start: number,
  bootMs: number,
  end: number,
  role: PodRecord["role"],
): PodRecord {
  return {
    uid,
    appUid,
    namespace: "spark",
    name: `${appUid}-${uid}`,
    role,
    node: "n1",
    nodeInfo: info,
    cpuCores: role === "driver" ? 6 : 7,
    memoryBytes: (role === "driver" ? 24 : 26.4) * GIB,
    createdAt: start - 1000,
    scheduledAt: start,
    mainStartedAt: start + bootMs,
    mainFinishedAt: end,
    deletedAt: end + 60_000,
    observedAt: end + 60_000,
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sparklane-cost-cli-"));
  db = join(dir, "ledger.db");
  const store = await openLedger(db);
  const node: NodeRecord = {
    name: "n1",
    info,
    cpuCores: 16,
    memoryBytes: 64 * GIB,
    firstSeenAt: DAY + 1 * H,
    lastSeenAt: DAY + 5 * H,
    deletedAt: DAY + 5 * H,
  };
  await store.write({
    nodes: [node],
    apps: [
      app("std", { dag: "etl", task: "visits", module: "visits_distinct", variant: "standard" }, DAY + 2 * H),
      app(
        "baked",
        { dag: "etl", task: "visits", module: "visits_distinct", variant: "pre-baked" },
        DAY + 3 * H,
      ),
      app("adhoc", {}, DAY + 3 * H),
    ],
    pods: [
      // Standard: driver 1 h with a 6 min bootstrap; executor 30 min with a 6 min bootstrap.
      pod("d", "std", DAY + 2 * H, H / 10, DAY + 3 * H, "driver"),
      pod("e", "std", DAY + 2 * H, H / 10, DAY + 2 * H + H / 2, "executor"),
      // Pre-baked: driver 1 h, 36 s bootstrap.
      pod("d2", "baked", DAY + 3 * H, H / 100, DAY + 4 * H, "driver"),
      // No labels: driver 30 min.
      pod("d3", "adhoc", DAY + 3 * H, 0, DAY + 3 * H + H / 2, "driver"),
    ],
  });
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const DRIVER_H = 6 * CPU + 24 * RAM; // 0.288
const EXEC_H = 7 * CPU + 26.4 * RAM;
const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} != ${b}`);

test("cost --output json over a real SQLite ledger: hand-worked figures", async () => {
  const r = await runCli([
    "cost",
    "--ledger",
    db,
    "--window",
    "2026-11-15",
    "--by",
    "dag,variant",
    "--output",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = CostReport.parse(JSON.parse(r.stdout));
  const row = (variant?: string) => report.rows.find((x) => x.group.variant === variant)!;
  close(row("standard").totalCost, DRIVER_H + EXEC_H / 2, "standard");
  close(row("standard").bootstrapCostStandard, (DRIVER_H + EXEC_H) / 10, "standard bootstrap");
  close(row("pre-baked").totalCost, DRIVER_H, "pre-baked");
  close(row("pre-baked").bootstrapCostPreBaked, DRIVER_H / 100, "pre-baked bootstrap");
  const u = report.rows.find((x) => x.unattributed)!;
  close(u.totalCost, DRIVER_H / 2, "unattributed");
  assert.match(report.unattributedHint!, /airflow-dag-id, sparklane-variant/);
  const allocated = DRIVER_H * 2.5 + EXEC_H / 2;
  close(report.idle!.nodeCost, 0.768 * 4, "node: 4 h");
  close(report.idle!.cost, 0.768 * 4 - allocated, "idle");
  close(report.totals.cost, 0.768 * 4, "separate: total = node cost");
  assert.equal(report.assumptions.priceSources[0]!.origin, "static-table");
  assert.equal(report.runs.length, 3);
});

test("cost --idle share --output csv: stable columns, rows sum to the node cost", async () => {
  const r = await runCli([
    "cost",
    "--ledger",
    db,
    "--window",
    "2026-11-15",
    "--idle",
    "share",
    "--output",
    "csv",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [head, ...rows] = r.stdout.trimEnd().split("\n");
  assert.equal(head, CSV_COLUMNS.join(","));
  const sum = rows.reduce((s, l) => s + Number(l.split(",")[CSV_COLUMNS.indexOf("total_cost")]), 0);
  close(sum, 0.768 * 4, "sum of total_cost");
});

test("cost (table) prints the rows, totals and assumptions", async () => {
  const r = await runCli(["cost", "--ledger", db, "--window", "2026-11-15..2026-11-16", "--by", "module"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^MODULE +RUNS +PODS +CORE-H +GIB-H +BOOTSTRAP +COST +PRICE$/m);
  assert.match(r.stdout, /^visits_distinct +2 +3 /m);
  assert.match(r.stdout, /^ {2}prices +static-table, 2024-12-01: /m);
});

test("a window with no runs reports nothing, exit 0", async () => {
  const r = await runCli(["cost", "--ledger", db, "--window", "2026-10"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(no pods held resources in this window\)/);
});

function refused(r: { code: number | null; stdout: string; stderr: string }, want: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const first = r.stderr.split("\n")[0]!;
  assert.match(first, /^error: /);
  assert.match(first, want);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
  assert.equal(r.stdout, "", "nothing half-written");
}

const badInputs: [string, string[], RegExp][] = [
  [
    "unknown --by key, with did-you-mean",
    ["--by", "dag,modul"],
    /^error: --by: unknown key "modul"; did you mean "module"\?$/,
  ],
  [
    "a window in the future",
    ["--window", "2099-01"],
    /^error: --window "2099-01": the window is in the future/,
  ],
  ["an empty window", ["--window", "2026-11-08..2026-11-01"], /^error: --window .*: the window is empty/],
  ["a window not closed yet", ["--window", "today"], /^error: --window "today": today is not over yet/],
  ["a bad --cpu-weight", ["--cpu-weight", "0"], /--cpu-weight .* expected a positive number/],
  ["an unknown --output", ["--output", "xml"], /--output .*Allowed choices are table, csv, json, html/],
  [
    "a price file that does not exist",
    ["--prices", "/nonexistent/prices.yaml"],
    /^error: --prices \/nonexistent\/prices\.yaml: cannot read/,
  ],
  ["a bad ledger URL", ["--ledger", "mysql://x"], /^error: --ledger "mysql:\/\/x": unknown scheme/],
];
for (const [name, args, want] of badInputs) {
  test(`cost refuses ${name}: exit 2, one line`, async () => {
    refused(await runCli(["cost", "--ledger", db, ...args]), want);
  });
}

test("cost and ui refuse a ledger path where there is none, and create nothing there", async () => {
  const missing = join(dir, "typo", "ledger.db");
  for (const cmd of [["cost"], ["ui", "--port", "0"]]) {
    refused(await runCli([...cmd, "--ledger", missing]), /^error: no run ledger at .*typo\/ledger\.db$/);
    assert.equal(existsSync(join(dir, "typo")), false);
  }
});

test("cost refuses a price file missing an instance type in use: exit 2 naming the type and the file", async () => {
  const prices = join(dir, "prices.yaml");
  writeFileSync(
    prices,
    "date: 2026-11-01\ninstanceTypes:\n  m5.large: {vcpu: 2, memoryGib: 8, onDemand: 0.096}\n",
  );
  const r = await runCli(["cost", "--ledger", db, "--window", "2026-11-15", "--prices", prices]);
  refused(
    r,
    new RegExp(
      `^error: --prices ${prices}: no price for instance type m5\\.4xlarge \\(in use in the window\\)$`,
    ),
  );
});

test("cost with a price file that has the type: its prices and date are used", async () => {
  const prices = join(dir, "prices-ok.yaml");
  writeFileSync(
    prices,
    "date: 2026-11-01\ninstanceTypes:\n  m5.4xlarge: {vcpu: 16, memoryGib: 64, onDemand: 1.536}\n",
  );
  const r = await runCli([
    "cost",
    "--ledger",
    db,
    "--window",
    "2026-11-15",
    "--prices",
    prices,
    "--output",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = CostReport.parse(JSON.parse(r.stdout));
  close(report.totals.cost, 1.536 * 4, "twice the list price, twice the cost");
  assert.deepEqual(
    report.assumptions.priceSources.map((p) => [p.origin, p.date]),
    [["price-file", "2026-11-01"]],
  );
});

test("cost against an unreachable PostgreSQL ledger: exit 3", async () => {
  const r = await runCli([
    "cost",
    "--ledger",
    "postgres://u:secret@127.0.0.1:1/ledger",
    "--window",
    "2026-11-15",
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr.split("\n")[0]!, /^error: /);
  assert.doesNotMatch(r.stderr, /secret/, "the password is not printed");
});

test("--source prometheus without --prometheus is refused", async () => {
  refused(
    await runCli(["cost", "--ledger", db, "--window", "2026-11-15", "--source", "prometheus"]),
    /--source prometheus needs --prometheus URL/,
  );
});

test("a window that cuts runs counts only the overlap, through the whole stack", async () => {
  // 02:30..03:30 holds half of the standard driver and none of its executor (ended 02:30), half of the
  // pre-baked driver and half of the unlabelled one.
  const r = await runCli([
    "cost",
    "--ledger",
    db,
    "--window",
    "2026-11-15T02:30:00Z..2026-11-15T03:30:00Z",
    "--by",
    "variant",
    "--output",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = CostReport.parse(JSON.parse(r.stdout));
  close(report.rows.find((x) => x.group.variant === "standard")!.totalCost, DRIVER_H / 2, "standard");
  close(report.rows.find((x) => x.group.variant === "pre-baked")!.totalCost, DRIVER_H / 2, "pre-baked");
  close(report.totals.unattributed, DRIVER_H / 2, "unattributed");
  close(report.idle!.nodeCost, 0.768, "one node-hour");
});
