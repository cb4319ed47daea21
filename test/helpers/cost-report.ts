// A made-up but self-consistent CostReport for the page's tests, its screenshot and bench/ui.ts: the runs of the
// example project (examples/visits-etl: DAG generic_spark_etl, modules visits_distinct and page_hourly), a few
// ad-hoc runs without labels, and the switch of visits_distinct to the pre-baked variant half-way through the
// window. Totals, rows and the daily series are sums of the runs, as the cost core computes them.
import { CostReport, type CostRow, type RunSummary } from "../../src/cost/report.js";

export interface SyntheticOptions {
  /** Number of runs (spread evenly over the days). */
  runs: number;
  days: number;
  /** Last day of the window, exclusive, `YYYY-MM-DD`. */
  end?: string;
  seed?: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Money in ten-thousandths, so sums are exact and equal what the JSON holds. */
const cents = (v: number) => Math.round(v * 10_000);
const unit = (c: number) => c / 10_000;

export function syntheticReport(o: SyntheticOptions): CostReport {
  const rand = rng(o.seed ?? 7);
  const endMs = Date.parse(`${o.end ?? "2026-12-03"}T00:00:00Z`);
  const startMs = endMs - o.days * 86_400_000;
  const modules = [
    { module: "visits_distinct", task: "submit_spark_etl", weight: 0.45, size: 1.6, switchAt: 0.5 },
    { module: "page_hourly", task: "submit_spark_etl", weight: 0.45, size: 0.7, switchAt: 2 },
    { module: undefined, task: undefined, weight: 0.1, size: 0.9, switchAt: 2 },
  ];
  const runs: RunSummary[] = [];
  for (let i = 0; i < o.runs; i++) {
    const frac = (i + rand() * 0.8) / o.runs;
    const created = startMs + Math.floor(frac * (endMs - startMs));
    const pick = rand();
    const m =
      pick < modules[0].weight
        ? modules[0]
        : pick < modules[0].weight + modules[1].weight
          ? modules[1]
          : modules[2];
    const preBaked = m.module !== undefined && frac >= m.switchAt;
    const latency = preBaked
      ? 22 + rand() * 18 + (rand() < 0.05 ? 40 : 0)
      : 85 + rand() * 55 + (rand() < 0.05 ? 120 : 0);
    const failed = rand() < 0.06;
    const runningNow = created > endMs - 2 * 3_600_000 && rand() < 0.5;
    const cost = cents(m.size * (0.18 + rand() * 0.22) * (failed ? 0.4 : 1) + latency * 0.0011);
    const bootstrap = cents(latency * 0.0011 * (preBaked ? 1 : 1.15));
    const suffix = String(i).padStart(5, "0");
    runs.push({
      uid: `6f1c${suffix}-4b2e-4c1a-9d7e-${String(1e11 + i).slice(1)}`,
      name: m.module
        ? `${m.module.replaceAll("_", "-")}-${new Date(created).toISOString().slice(0, 10).replaceAll("-", "")}-${suffix}`
        : `adhoc-${suffix}`,
      namespace: "data-eng",
      ...(m.module
        ? {
            dag: "generic_spark_etl",
            task: m.task,
            module: m.module,
            runId: `scheduled__${new Date(created).toISOString()}`,
          }
        : {}),
      ...(m.module || rand() < 0.5 ? { variant: preBaked ? "pre-baked" : "standard" } : {}),
      state: runningNow ? "RUNNING" : failed ? "FAILED" : "COMPLETED",
      ...(runningNow ? {} : { outcome: failed ? ("failed" as const) : ("completed" as const) }),
      createdAt: new Date(created).toISOString(),
      startLatencySeconds: Math.round(latency * 10) / 10,
      cost: unit(cost),
      bootstrapCost: unit(Math.min(bootstrap, cost)),
    });
  }

  const daily = new Map<string, { day: string; module?: string; c: number }>();
  const rows = new Map<
    string,
    { module?: string; runs: number; c: number; b: number; bs: number; bp: number }
  >();
  let attributed = 0;
  let unattributed = 0;
  let bootstrap = 0;
  for (const r of runs) {
    const day = r.createdAt.slice(0, 10);
    const dk = `${day}/${r.module ?? ""}`;
    const d = daily.get(dk) ?? { day, ...(r.module ? { module: r.module } : {}), c: 0 };
    d.c += cents(r.cost);
    daily.set(dk, d);
    const row = rows.get(r.module ?? "") ?? {
      ...(r.module ? { module: r.module } : {}),
      runs: 0,
      c: 0,
      b: 0,
      bs: 0,
      bp: 0,
    };
    row.runs++;
    row.c += cents(r.cost);
    row.b += cents(r.bootstrapCost);
    if (r.variant === "pre-baked") row.bp += cents(r.bootstrapCost);
    else row.bs += cents(r.bootstrapCost);
    rows.set(r.module ?? "", row);
    if (r.module) attributed += cents(r.cost);
    else unattributed += cents(r.cost);
    bootstrap += cents(r.bootstrapCost);
  }
  const idle = Math.round((attributed + unattributed) * 0.14);
  const costRows: CostRow[] = [...rows.values()].map((r) => ({
    group: r.module ? { dag: "generic_spark_etl", module: r.module } : {},
    unattributed: !r.module,
    runs: r.runs,
    pods: r.runs * 3,
    cpuCoreHours: Math.round(r.c / 10_000 / 0.0416) / 10,
    ramGibHours: Math.round(r.c / 10_000 / 0.0056) / 10,
    cpuCost: unit(Math.round(r.c * 0.6)),
    ramCost: unit(r.c - Math.round(r.c * 0.6)),
    bootstrapCost: unit(r.b),
    bootstrapCostStandard: unit(r.bs),
    bootstrapCostPreBaked: unit(r.bp),
    idleShare: 0,
    totalCost: unit(r.c),
    errorBound: 0,
    source: "ledger",
    priceSource: "static-table",
  }));

  return CostReport.parse({
    schemaVersion: 1,
    generatedAt: new Date(endMs + 6 * 3_600_000 + 12 * 60_000).toISOString(),
    window: {
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      label: `${o.days}d`,
    },
    by: ["dag", "module"],
    source: "ledger",
    assumptions: {
      mode: "request",
      cpuToMemoryWeight: 9,
      idle: "separate",
      currency: "USD",
      priceSources: [
        { origin: "static-table", date: "2026-11-01", detail: "sparklane's on-demand table (eu-west-1)" },
      ],
      notes: [
        "Runs that cross a window boundary are split at it.",
        "Bootstrap = pod scheduled → Spark container start.",
      ],
    },
    rows: costRows,
    idle: { cost: unit(idle), nodeCost: unit(attributed + unattributed + idle), coverage: 0.86 },
    totals: {
      cost: unit(attributed + unattributed + idle),
      attributed: unit(attributed),
      unattributed: unit(unattributed),
      idle: unit(idle),
      bootstrap: unit(bootstrap),
      errorBound: 0,
    },
    unattributedHint:
      "Some pods carried no sparklane.io/module label (ad-hoc runs): submit them with `sparklane submit` or add the labels to the pod template.",
    daily: [...daily.values()]
      .sort((a, b) =>
        a.day < b.day ? -1 : a.day > b.day ? 1 : (a.module ?? "~") < (b.module ?? "~") ? -1 : 1,
      )
      .map((d) => ({ day: d.day, ...(d.module ? { module: d.module } : {}), cost: unit(d.c) })),
    runs,
    warnings: [
      "2 nodes (m6i.2xlarge, capacity-type spot) have no spot price: their pods are flagged, not priced as on-demand.",
    ],
  });
}
