// The web view: one self-contained HTML document (inline CSS, inline scripts, the report inline as JSON) built
// from a CostReport and nothing else, so every number on the page is a number of the JSON. The same function
// serves `sparklane ui` and writes `sparklane cost --output html`.
//
// What is fixed by the report (header, totals, per-module totals, assumptions, warnings) is rendered here, as
// escaped HTML, so it reads without scripts. What the filters change (the runs table, the start-latency chart)
// and the canvas charts are drawn by the inline client from the same JSON.
import { createHash } from "node:crypto";
import { CostReport } from "../cost/report.js";
import type { ChartAssets } from "./assets.js";
import { CLIENT_JS, PAGE_CSS } from "./client.js";

/** Filters the page opens with; the user changes them on the page (client-side). Dates are UTC `YYYY-MM-DD`. */
export interface PageFilters {
  dag?: string;
  module?: string;
  from?: string;
  to?: string;
}

export interface PageOptions {
  /** uPlot's script and stylesheet (`loadChartAssets()`), inlined. */
  assets: ChartAssets;
  filters?: PageFilters;
  /** Where the same report is served as JSON, when it is (`sparklane ui`); shown as a link. */
  jsonHref?: string;
}

/** One series of the cost chart: a module, or the runs that carried no module label. */
export interface ModuleSeries {
  /** The module label; absent for the unattributed series. */
  module?: string;
  label: string;
  color: string;
  cost: number;
}

/** Grafana's classic palette, in its order; unattributed is always grey so it reads as "no label". */
const PALETTE = [
  "#73BF69",
  "#5794F2",
  "#FF9830",
  "#B877D9",
  "#FADE2A",
  "#F2495C",
  "#8AB8FF",
  "#96D98D",
  "#FFB357",
];
export const UNATTRIBUTED_COLOR = "#8E8E8E";
export const UNATTRIBUTED_LABEL = "(unattributed)";

/**
 * The cost chart's series: modules by their cost in the window, largest first (bottom of the stack), then the
 * unattributed cost on top. The page's legend and the chart both use this order and these colours.
 */
export function moduleSeries(report: CostReport): ModuleSeries[] {
  const byModule = new Map<string, number>();
  let unattributed = 0;
  let hasUnattributed = false;
  for (const d of report.daily) {
    if (d.module === undefined) {
      unattributed += d.cost;
      hasUnattributed = true;
    } else byModule.set(d.module, (byModule.get(d.module) ?? 0) + d.cost);
  }
  const series: ModuleSeries[] = [...byModule]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([module, cost], i) => ({ module, label: module, color: PALETTE[i % PALETTE.length], cost }));
  if (hasUnattributed)
    series.push({ label: UNATTRIBUTED_LABEL, color: UNATTRIBUTED_COLOR, cost: unattributed });
  return series;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: no `<`, `>` or `&` can end the element or open
 * a comment, and U+2028/U+2029 stay escaped. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * How the page writes money; the inline client uses the same rules (client.ts `money`). Amounts under one unit
 * keep four decimals: one local run costs fractions of a cent, and `$0.00` would read as free.
 */
export function formatMoney(value: number, currency: string): string {
  const digits = value !== 0 && Math.abs(value) < 1 ? 4 : 2;
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  } catch {
    // Not an ISO 4217 code: the number with the code after it, never a guessed symbol.
    return `${value.toFixed(digits)} ${currency}`;
  }
}

/** A share as a percentage with one decimal; `—` when the total is zero. */
export function formatShare(part: number, total: number): string {
  return total === 0 ? "—" : `${((100 * part) / total).toFixed(1)}%`;
}

function stat(testid: string, label: string, value: number, currency: string, sub?: string): string {
  return (
    `<div class="stat" data-testid="${testid}" data-value="${value}">` +
    `<div class="stat-label">${escapeHtml(label)}</div>` +
    `<div class="stat-value num">${escapeHtml(formatMoney(value, currency))}</div>` +
    (sub ? `<div class="stat-sub">${sub}</div>` : "") +
    `</div>`
  );
}

/** The report's rows beyond this many (e.g. `--by run` over a month) are left to the JSON, largest kept. */
export const MAX_ROWS = 200;

const KEY_TITLES: Record<string, string> = {
  dag: "DAG",
  task: "Task",
  module: "Module",
  variant: "Variant",
  run: "Run",
};

/** The `--by` rows, as the terminal table has them, largest first. */
function costRows(report: CostReport): string {
  const cur = report.assumptions.currency;
  const share = report.assumptions.idle === "share";
  const bound = report.source === "prometheus";
  const m = (v: number) => `<td class="num" data-value="${v}">${escapeHtml(formatMoney(v, cur))}</td>`;
  const n = (v: number) => `<td class="num">${v.toLocaleString("en-US", { maximumFractionDigits: 1 })}</td>`;
  const rows = [...report.rows].sort((a, b) => b.totalCost - a.totalCost);
  const body = rows
    .slice(0, MAX_ROWS)
    .map((r) => {
      const keys = report.by
        .map((k, i) => {
          const v = r.group[k];
          if (r.unattributed && i === 0 && v === undefined)
            return `<td class="none">${UNATTRIBUTED_LABEL}</td>`;
          return v === undefined ? `<td class="none">—</td>` : `<td>${escapeHtml(v)}</td>`;
        })
        .join("");
      return (
        `<tr data-testid="cost-row"${r.unattributed ? ' data-unattributed="true"' : ""}>${keys}` +
        `${n(r.runs)}${n(r.pods)}${n(r.cpuCoreHours)}${n(r.ramGibHours)}` +
        `${m(r.bootstrapCostStandard)}${m(r.bootstrapCostPreBaked)}${share ? m(r.idleShare) : ""}` +
        `${m(r.totalCost).replace("<td ", '<td data-testid="row-total" ')}${bound ? m(r.errorBound) : ""}</tr>`
      );
    })
    .join("");
  const head =
    report.by.map((k) => `<th>${KEY_TITLES[k]}</th>`).join("") +
    `<th class="num">Runs</th><th class="num">Pods</th><th class="num">CPU core·h</th><th class="num">Memory GiB·h</th>` +
    `<th class="num">Bootstrap, standard</th><th class="num">Bootstrap, pre-baked</th>` +
    (share ? `<th class="num">Idle share</th>` : "") +
    `<th class="num">Cost</th>` +
    (bound ? `<th class="num">±</th>` : "");
  const more =
    rows.length > MAX_ROWS
      ? `<p class="caption">The ${MAX_ROWS} largest of ${rows.length.toLocaleString("en-US")} rows; all of them are in the JSON.</p>`
      : "";
  return (
    `<section class="panel"><h2>Cost by ${report.by.map((k) => KEY_TITLES[k]).join(", ")}</h2>` +
    `<div class="table-wrap rows"><table class="runs" data-testid="cost-rows"><thead><tr>${head}</tr></thead>` +
    `<tbody>${body || `<tr><td class="none" colspan="${report.by.length + 7}">No cost in this window.</td></tr>`}</tbody></table></div>${more}</section>`
  );
}

function utc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace("T", " ")
        .replace(/:\d\d\.\d{3}Z$/, "");
}

/** Builds the page. Pure: the same report and options give the same bytes. Throws when `report` is not a report. */
export function renderPage(input: CostReport, options: PageOptions): string {
  const report = CostReport.parse(input);
  const cur = report.assumptions.currency;
  const t = report.totals;
  const series = moduleSeries(report);
  const a = report.assumptions;

  const stats = [
    stat(
      "total-cost",
      "Total cost",
      t.cost,
      cur,
      `${report.runs.length.toLocaleString("en-US")} run${report.runs.length === 1 ? "" : "s"}`,
    ),
    stat(
      "total-attributed",
      "Attributed",
      t.attributed,
      cur,
      formatShare(t.attributed, t.cost) + " of total",
    ),
    stat(
      "total-unattributed",
      "Unattributed",
      t.unattributed,
      cur,
      `<span data-testid="unattributed-share">${formatShare(t.unattributed, t.cost)}</span> of total`,
    ),
    stat("total-idle", "Idle", t.idle, cur, a.idle === "share" ? "shared into rows" : "reported separately"),
    stat("total-bootstrap", "Bootstrap", t.bootstrap, cur, "pod start → Spark start"),
  ];
  if (report.source === "prometheus")
    stats.push(
      stat("total-error-bound", "Error bound (±)", t.errorBound, cur, "one scrape interval per pod"),
    );

  const legend = series
    .map(
      (s) =>
        `<tr data-testid="module-total"${s.module === undefined ? ' data-unattributed="true"' : ""}>` +
        `<td><span class="swatch" style="background:${s.color}"></span>${escapeHtml(s.label)}</td>` +
        `<td class="num" data-value="${s.cost}">${escapeHtml(formatMoney(s.cost, cur))}</td>` +
        `<td class="num">${formatShare(s.cost, t.cost)}</td></tr>`,
    )
    .join("");

  const prices = a.priceSources
    .map((p) => `${escapeHtml(p.origin)} (${escapeHtml(p.date)}) ${escapeHtml(p.detail)}`)
    .join("<br>");
  const assumptions: [string, string][] = [
    ["Allocation", a.mode === "request" ? "request (chargeback)" : "max(request, usage)"],
    ["CPU : memory price weight", `${a.cpuToMemoryWeight} : 1`],
    ["Idle", a.idle],
    ["Currency", escapeHtml(a.currency)],
    ["Prices", prices || "—"],
    ["Source", escapeHtml(report.source)],
    ["Grouped by", escapeHtml(report.by.join(", ") || "—")],
  ];
  if (a.scrapeIntervalSeconds !== undefined)
    assumptions.push(["Scrape interval", `${a.scrapeIntervalSeconds} s`]);
  if (report.idle)
    assumptions.push([
      "Node cost / coverage",
      `${escapeHtml(formatMoney(report.idle.nodeCost, cur))} / ${(100 * report.idle.coverage).toFixed(1)}%`,
    ]);
  const notes = a.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("");
  const warnings = [
    ...report.warnings.map((w) => `<li data-testid="warning">${escapeHtml(w)}</li>`),
    ...(report.unattributedHint
      ? [`<li data-testid="unattributed-hint" class="hint">${escapeHtml(report.unattributedHint)}</li>`]
      : []),
  ].join("");

  const rowsHtml = costRows(report);
  const clientOptions = {
    filters: options.filters ?? {},
    series: series.map((s) => ({ module: s.module ?? null, label: s.label, color: s.color })),
    unattributedLabel: UNATTRIBUTED_LABEL,
  };
  const w = report.window;
  const chartJs = options.assets.js.replace(/<\/script/gi, "<\\/script");
  // Only these two scripts may run: markup that got past the escaping still could not execute.
  const csp = [
    "default-src 'none'",
    `script-src ${[chartJs, CLIENT_JS].map((js) => `'sha256-${createHash("sha256").update(js).digest("base64")}'`).join(" ")}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="sparklane">
<title>sparklane · runs and cost · ${escapeHtml(w.label)}</title>
<style>${options.assets.css.replace(/<\/style/gi, "<\\/style")}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header class="topbar">
<div class="brand"><span class="logo" aria-hidden="true"></span>sparklane</div>
<div class="crumb">Runs and cost <span class="sep">/</span> <b data-testid="window-label">${escapeHtml(w.label)}</b></div>
<div class="range"><span class="pill">${escapeHtml(utc(w.start))} → ${escapeHtml(utc(w.end))} UTC</span>
<span class="pill">source: ${escapeHtml(report.source)}</span>${
    options.jsonHref ? `<a class="pill link" href="${escapeHtml(options.jsonHref)}">JSON</a>` : ""
  }</div>
</header>
<nav class="filters" aria-label="filters">
<label>DAG <select id="f-dag" data-testid="filter-dag"><option value="">All</option></select></label>
<label>Module <select id="f-module" data-testid="filter-module"><option value="">All</option></select></label>
<label>From <input type="date" id="f-from" data-testid="filter-from"></label>
<label>To <input type="date" id="f-to" data-testid="filter-to"></label>
<button type="button" id="f-reset">Reset</button>
<span class="filters-note">Filters apply to the runs table and the start-latency chart.</span>
</nav>
<main>
<section class="stats">${stats.join("")}</section>
<div class="grid">
<section class="panel">
<h2>Cost by module per day</h2>
<div class="chart" id="chart-cost" data-testid="chart-cost"></div>
<table class="legend" data-testid="module-totals"><thead><tr><th>Module</th><th class="num">Cost</th><th class="num">Share</th></tr></thead><tbody>${legend}</tbody></table>
</section>
<section class="panel">
<h2>Start latency by variant</h2>
<div class="chart" id="chart-latency" data-testid="chart-latency"></div>
<table class="legend" data-testid="latency-summary"><thead><tr><th>Variant</th><th class="num">Runs</th><th class="num">Median</th><th class="num">p90</th><th class="num">Max</th></tr></thead><tbody id="latency-summary"></tbody></table>
<p class="caption">Submission to driver start, one point per run (UTC).</p>
</section>
</div>
${rowsHtml}
<section class="panel">
<h2>Runs <span class="count" id="runs-count" data-testid="runs-count"></span></h2>
<div class="table-wrap">
<table class="runs" data-testid="runs-table">
<thead><tr>
<th data-key="createdAt">Created (UTC)</th><th data-key="dag">DAG</th><th data-key="task">Task</th>
<th data-key="module">Module</th><th data-key="variant">Variant</th><th data-key="name">Application</th>
<th data-key="status">Status</th><th data-key="startLatencySeconds" class="num">Start latency</th>
<th data-key="bootstrapCost" class="num">Bootstrap</th><th data-key="cost" class="num">Cost</th>
</tr></thead>
<tbody id="runs-body"></tbody>
<tfoot><tr><td colspan="9" id="runs-foot"></td><td class="num" id="runs-filtered-cost" data-testid="filtered-cost"></td></tr></tfoot>
</table>
</div>
<button type="button" id="runs-more" hidden></button>
</section>
<div class="grid">
<section class="panel">
<h2>Assumptions</h2>
<dl class="kv" data-testid="assumptions">${assumptions.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
${notes ? `<ul class="notes">${notes}</ul>` : ""}
</section>
<section class="panel">
<h2>Warnings</h2>
${warnings ? `<ul class="warnings" data-testid="warnings">${warnings}</ul>` : `<p class="muted" data-testid="warnings">None.</p>`}
</section>
</div>
<footer>Generated ${escapeHtml(utc(report.generatedAt))} UTC · report schema v${report.schemaVersion}</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
<script type="application/json" id="page-options">${jsonForScript(clientOptions)}</script>
<script>${chartJs}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
