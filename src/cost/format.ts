// The CostReport as text: the terminal table, the CSV and the JSON. Each reads the report and nothing else, so
// the three (and the HTML page) agree by construction. Returns strings; the CLI prints them.
import { CostReport, GROUP_KEYS, type CostRow } from "./report.js";

/**
 * The CSV's columns, in this order, always (docs/cost.md describes each). Every `--by` key has its column
 * whether grouped by it or not, so a script reading the CSV never depends on the flags. `kind` is `group`,
 * `unattributed` or `idle` (the idle row, with `--idle separate`); summing `total_cost` gives the total.
 */
export const CSV_COLUMNS = [
  "kind",
  "window_start",
  "window_end",
  ...GROUP_KEYS,
  "runs",
  "pods",
  "cpu_core_hours",
  "ram_gib_hours",
  "cpu_cost",
  "ram_cost",
  "bootstrap_cost",
  "bootstrap_cost_standard",
  "bootstrap_cost_pre_baked",
  "idle_share",
  "total_cost",
  "error_bound",
  "efficiency_cpu",
  "efficiency_ram",
  "source",
  "price_source",
  "flags",
  "currency",
] as const;

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function formatCsv(report: CostReport): string {
  const r = CostReport.parse(report);
  const common = { window_start: r.window.start, window_end: r.window.end, currency: r.assumptions.currency };
  const lines = [CSV_COLUMNS.join(",")];
  const emit = (values: Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>): void => {
    lines.push(CSV_COLUMNS.map((c) => csvCell({ ...common, ...values }[c])).join(","));
  };
  for (const row of r.rows) {
    emit({
      kind: row.unattributed ? "unattributed" : "group",
      ...row.group,
      runs: row.runs,
      pods: row.pods,
      cpu_core_hours: row.cpuCoreHours,
      ram_gib_hours: row.ramGibHours,
      cpu_cost: row.cpuCost,
      ram_cost: row.ramCost,
      bootstrap_cost: row.bootstrapCost,
      bootstrap_cost_standard: row.bootstrapCostStandard,
      bootstrap_cost_pre_baked: row.bootstrapCostPreBaked,
      idle_share: row.idleShare,
      total_cost: row.totalCost,
      error_bound: row.errorBound,
      ...(row.efficiencyCpu !== undefined ? { efficiency_cpu: row.efficiencyCpu } : {}),
      ...(row.efficiencyRam !== undefined ? { efficiency_ram: row.efficiencyRam } : {}),
      source: row.source,
      price_source: row.priceSource,
      flags: (row.flags ?? []).join(" "),
    });
  }
  if (r.assumptions.idle === "separate" && r.idle)
    emit({ kind: "idle", total_cost: r.idle.cost, source: r.source, price_source: "" });
  return `${lines.join("\n")}\n`;
}

/** The report as JSON, checked against its schema first: what is printed always validates. */
export function formatJson(report: CostReport): string {
  return `${JSON.stringify(CostReport.parse(report), null, 2)}\n`;
}

const money = (x: number): string => x.toFixed(4);
const hours = (x: number): string => x.toFixed(2);

const KEY_HEAD: Record<(typeof GROUP_KEYS)[number], string> = {
  dag: "DAG",
  task: "TASK",
  module: "MODULE",
  variant: "VARIANT",
  run: "RUN",
};

/** Text columns left-aligned, numbers right-aligned. */
function align(rows: string[][], numeric: boolean[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/**
 * The terminal report: the top rows by cost, then totals, idle, the unattributed share and its fix, the error
 * bound, every assumption (mode, weight, idle, price sources and dates, unit prices, scrape interval, notes)
 * and the warnings.
 */
export function formatTable(report: CostReport, opts: { top?: number } = {}): string {
  const r = CostReport.parse(report);
  const top = opts.top ?? 20;
  const cur = r.assumptions.currency;
  const share = r.assumptions.idle === "share";
  const showErr = r.totals.errorBound > 0;
  const out: string[] = [];
  out.push(
    `cost ${r.window.label}: ${r.window.start} .. ${r.window.end} (closed, UTC), from the ${r.source}, in ${cur}`,
  );
  out.push("");
  const head = [
    ...r.by.map((k) => KEY_HEAD[k]),
    "RUNS",
    "PODS",
    "CORE-H",
    "GIB-H",
    "BOOTSTRAP",
    ...(share ? ["IDLE SHARE"] : []),
    "COST",
    ...(showErr ? ["± ERROR"] : []),
    "PRICE",
  ];
  const numeric = head.map((h, i) => i >= r.by.length && h !== "PRICE");
  const cells = (row: CostRow): string[] => [
    ...r.by.map((k, i) => (row.unattributed ? (i === 0 ? "(unattributed)" : "") : (row.group[k] ?? ""))),
    String(row.runs),
    String(row.pods),
    hours(row.cpuCoreHours),
    hours(row.ramGibHours),
    money(row.bootstrapCost),
    ...(share ? [money(row.idleShare)] : []),
    money(row.totalCost),
    ...(showErr ? [money(row.errorBound)] : []),
    `${row.priceSource}${row.flags?.length ? ` (${row.flags.join(", ")})` : ""}`,
  ];
  const attributed = r.rows.filter((x) => !x.unattributed);
  const shown = attributed.slice(0, top);
  const body = [head, ...shown.map(cells)];
  const rest = attributed.slice(top);
  const unattributed = r.rows.find((x) => x.unattributed);
  if (unattributed) body.push(cells(unattributed));
  out.push(...align(body, numeric));
  if (rest.length > 0)
    out.push(
      `... ${rest.length} more row${rest.length === 1 ? "" : "s"} costing ${money(rest.reduce((s, x) => s + x.totalCost, 0))} (--output csv lists every row)`,
    );
  if (r.rows.length === 0) out.push("(no pods held resources in this window)");
  out.push("");
  const t = r.totals;
  out.push(
    `total         ${money(t.cost)} ${cur} = attributed ${money(t.attributed)} + unattributed ${money(t.unattributed)}${share ? ` (idle ${money(t.idle)} shared into the rows)` : ` + idle ${money(t.idle)}`}`,
  );
  const std = r.rows.reduce((s, x) => s + x.bootstrapCostStandard, 0);
  const baked = r.rows.reduce((s, x) => s + x.bootstrapCostPreBaked, 0);
  out.push(
    `bootstrap     ${money(t.bootstrap)} (standard ${money(std)}, pre-baked ${money(baked)}), included in the cost`,
  );
  if (r.idle)
    out.push(
      `idle          ${money(r.idle.cost)} of node cost ${money(r.idle.nodeCost)} (pods allocated ${(r.idle.coverage * 100).toFixed(1)}% of it)`,
    );
  else out.push("idle          not measured (no node records in the window)");
  out.push(`error bound   ±${money(t.errorBound)}${showErr ? "" : " (exact source)"}`);
  if (r.unattributedHint) out.push(`unattributed  ${r.unattributedHint}`);
  out.push("");
  const a = r.assumptions;
  out.push("assumptions:");
  out.push(
    `  allocation  ${a.mode === "request" ? "request (allocated = request)" : "max (allocated = max(request, usage))"}`,
  );
  out.push(
    `  weight      vCPU-hour = ${a.cpuToMemoryWeight} × GiB-hour when a node price is split (--cpu-weight)`,
  );
  out.push(`  idle        ${a.idle}`);
  if (a.priceSources.length === 0) out.push("  prices      none found");
  for (const p of a.priceSources) out.push(`  prices      ${p.origin}, ${p.date}: ${p.detail}`);
  for (const u of a.unitPrices ?? [])
    out.push(
      `  unit price  ${u.key}${u.capacityType ? ` ${u.capacityType}` : ""}: ${u.hourly}/h = ${u.vcpu} vCPU × ${u.cpuHourly.toFixed(6)} + ${u.memoryGib} GiB × ${u.gibHourly.toFixed(6)}${u.moved ? " (moved in the window)" : ""}${u.spotWithoutSpotPrice ? " (spot priced on-demand)" : ""}`,
    );
  if (a.scrapeIntervalSeconds !== undefined) out.push(`  scrape      every ${a.scrapeIntervalSeconds} s`);
  for (const n of a.notes) out.push(`  note        ${n}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}
