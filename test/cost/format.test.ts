// The three renderings of one report: a golden CSV a reviewer reads (test/cost/fixtures/example.csv), the JSON
// validated by its schema, and the table carrying every assumption. UPDATE_GOLDEN=1 rewrites the golden file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CSV_COLUMNS, formatCsv, formatJson, formatTable } from "../../src/cost/format.js";
import { CostReport } from "../../src/cost/report.js";
import { exampleReport } from "./example.js";

const golden = fileURLToPath(new URL("fixtures/example.csv", import.meta.url));

test("CSV: stable columns, matches the golden file, rows sum to the total", async () => {
  const report = await exampleReport();
  const csv = formatCsv(report);
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden, csv);
  assert.equal(csv, readFileSync(golden, "utf8"));
  const [head, ...lines] = csv.trimEnd().split("\n");
  assert.equal(head, CSV_COLUMNS.join(","));
  const total = lines.reduce((s, l) => s + Number(l.split(",")[CSV_COLUMNS.indexOf("total_cost")]), 0);
  assert.ok(Math.abs(total - report.totals.cost) < 1e-5, `${total} vs ${report.totals.cost}`);
  // Grouped differently, the columns stay the same.
  assert.equal(formatCsv(await exampleReport({ by: ["module"] })).split("\n")[0], head);
});

test("CSV: a cell with a comma or a quote is quoted", async () => {
  const report = await exampleReport();
  report.rows[0]!.group.task = 'a,"b"';
  assert.match(formatCsv(report), /,"a,""b""",/);
});

test("JSON: the report, validated by its schema; an invalid report is never printed", async () => {
  const report = await exampleReport();
  const parsed = CostReport.parse(JSON.parse(formatJson(report)));
  assert.equal(parsed.schemaVersion, 1);
  assert.deepEqual(parsed, CostReport.parse(report));
  assert.throws(() => formatJson({ ...report, rows: [{ ...report.rows[0]!, pods: -1 }] }));
});

test("table: rows, totals, idle, unattributed with its hint, error bound, every assumption, warnings", async () => {
  const text = formatTable(await exampleReport());
  for (const want of [
    /^cost 2026-11-15: 2026-11-15T00:00:00.000Z \.\. 2026-11-16T00:00:00.000Z \(closed, UTC\), from the ledger, in USD$/m,
    /^DAG +TASK +VARIANT +RUNS +PODS +CORE-H +GIB-H +BOOTSTRAP +COST +PRICE$/m,
    /^etl_daily +visits +standard +1 +3 /m,
    /^\(unattributed\) /m,
    /^total +[\d.]+ USD = attributed [\d.]+ \+ unattributed [\d.]+ \+ idle [\d.]+$/m,
    /^bootstrap +[\d.]+ \(standard [\d.]+, pre-baked [\d.]+\), included in the cost$/m,
    /^idle +[\d.]+ of node cost [\d.]+ \(pods allocated [\d.]+% of it\)$/m,
    /^error bound +±0\.0000 \(exact source\)$/m,
    /^unattributed +pods without dag, task, variant labels$/m,
    /^ {2}allocation +request \(allocated = request\)$/m,
    /^ {2}weight +vCPU-hour = 9 × GiB-hour/m,
    /^ {2}idle +separate$/m,
    /^ {2}prices +static-table, 2024-12-01: AWS EC2 on-demand list prices/m,
    /^ {2}unit price +m5\.4xlarge on-demand: 0\.768\/h = 16 vCPU × /m,
    /^ {2}unit price +r5\.2xlarge spot: 0\.504\/h .*\(spot priced on-demand\)$/m,
    /^warning: 3 pods ran on spot capacity without a spot price \(r5\.2xlarge\)/m,
  ])
    assert.match(text, want);
});

test("table: --top keeps the most expensive rows and says what it left out", async () => {
  const text = formatTable(await exampleReport(), { top: 1 });
  assert.match(text, /^\.\.\. 1 more row costing [\d.]+ \(--output csv lists every row\)$/m);
});
