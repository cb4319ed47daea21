// `sparklane cost` as a library call: parse the window and keys, read a source, resolve prices, compute the
// report. The CLI only maps flags to these options and prints what a renderer returns.
import { closest, distance } from "fastest-levenshtein";
import { UserError } from "../errors.js";
import { openLedger } from "../ledger/index.js";
import { computeCost, DEFAULT_CPU_TO_MEMORY_WEIGHT, type CostOptions } from "./core.js";
import type { CostData, PriceMetric } from "./input.js";
import { ledgerCostData } from "./ledger-source.js";
import { prometheusCostData } from "./prometheus.js";
import { loadPriceFile, resolvePrices } from "./prices.js";
import { GROUP_KEYS, type CostReport, type CostSource, type GroupKey } from "./report.js";
import { parseWindow, type CostWindow } from "./window.js";

export { computeCost, DEFAULT_CPU_TO_MEMORY_WEIGHT, type CostOptions } from "./core.js";
export { parseWindow, type CostWindow } from "./window.js";
export { formatCsv, formatJson, formatTable, CSV_COLUMNS } from "./format.js";
export { loadPriceFile, resolvePrices, type PriceBook, type PriceFile } from "./prices.js";
export { ledgerCostData } from "./ledger-source.js";
export { prometheusCostData, readPrometheus, KSM_ALLOWLIST_FLAG } from "./prometheus.js";
export * from "./report.js";
export type * from "./input.js";

/** `--by dag,task`: known keys, each once, in the order given. */
export function parseBy(spec: string): GroupKey[] {
  const keys = spec
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "");
  if (keys.length === 0)
    throw new UserError(`--by ${JSON.stringify(spec)}: no key`, `give some of ${GROUP_KEYS.join(",")}`);
  for (const k of keys) {
    if (!(GROUP_KEYS as readonly string[]).includes(k)) {
      const guess = closest(k, [...GROUP_KEYS]);
      const near = distance(k, guess) <= Math.max(2, Math.floor(k.length / 2));
      throw new UserError(
        `--by: unknown key ${JSON.stringify(k)}${near ? `; did you mean ${JSON.stringify(guess)}?` : ""}`,
        `the keys are ${GROUP_KEYS.join(", ")}`,
      );
    }
  }
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new UserError(`--by: key ${JSON.stringify(dup)} given twice`);
  return keys as GroupKey[];
}

/** What a source returns: the data, and the price metric it can read (Prometheus), if any. */
export interface SourceResult {
  data: CostData;
  metric?: PriceMetric;
}

export interface CostRequest {
  window: string;
  by: string;
  allocation: CostOptions["mode"];
  idle: CostOptions["idle"];
  cpuWeight?: number;
  prices?: string;
  source: CostSource;
  ledger?: string;
  prometheus?: string;
  /** Prometheus: the kube-state-metrics scrape interval, in seconds, when it is not to be measured. */
  scrapeInterval?: number;
  now: number;
}

/** Each source reads the window's pods and nodes (and Prometheus its price metrics). */
export const COST_SOURCES: Record<
  CostSource,
  (req: CostRequest, window: CostWindow) => Promise<SourceResult>
> = {
  ledger: async (req, window) => {
    const store = await openLedger(req.ledger, { mustExist: true });
    try {
      return { data: await ledgerCostData(store, window) };
    } finally {
      await store.close();
    }
  },
  prometheus: (req, window) => {
    if (req.prometheus === undefined)
      throw new UserError(
        "--source prometheus needs --prometheus URL",
        "e.g. --prometheus http://prometheus:9090",
      );
    return prometheusCostData({ url: req.prometheus, window, scrapeIntervalSeconds: req.scrapeInterval });
  },
};

export async function costReport(req: CostRequest): Promise<CostReport> {
  // Every flag is checked before any source is opened: bad input never costs a database round trip.
  const window = parseWindow(req.window, req.now);
  const by = parseBy(req.by);
  const weight = req.cpuWeight ?? DEFAULT_CPU_TO_MEMORY_WEIGHT;
  if (!(Number.isFinite(weight) && weight > 0))
    throw new UserError(
      `--cpu-weight ${weight}: expected a positive number (9 is AWS's split, 7.46 OpenCost's)`,
    );
  const file = req.prices !== undefined ? loadPriceFile(req.prices) : undefined;
  const { data, metric } = await COST_SOURCES[req.source](req, window);
  const prices = await resolvePrices(data, window, { metric, file });
  return computeCost({
    window,
    data,
    prices,
    options: { by, mode: req.allocation, idle: req.idle, cpuToMemoryWeight: weight },
    source: req.source,
    generatedAt: req.now,
  });
}
