// The cost report: one schema for `sparklane cost --output json`, the CSV columns, the terminal table, the
// HTML file and the `sparklane ui` page. Every renderer reads this and nothing else, so the numbers on the
// page equal the JSON by construction.
import { z } from "zod";

export const REPORT_SCHEMA_VERSION = 1;

/** The `--by` keys, in their canonical order (CSV columns and JSON keys follow it). */
export const GROUP_KEYS = ["dag", "task", "module", "variant", "run"] as const;
export const GroupKey = z.enum(GROUP_KEYS);
export type GroupKey = z.infer<typeof GroupKey>;

export const CostSource = z.enum(["ledger", "prometheus"]);
export type CostSource = z.infer<typeof CostSource>;

/** Where a unit price came from, in order of preference (../shared/reference/cost.md §6.2). */
export const PriceOrigin = z.enum(["karpenter-metric", "opencost-metric", "price-file", "static-table"]);
export type PriceOrigin = z.infer<typeof PriceOrigin>;

export const PriceSourceUsed = z.object({
  origin: PriceOrigin,
  /** The price list's date (YYYY-MM-DD) or, for a metric, the window it was averaged over. */
  date: z.string(),
  /** File path or metric name. */
  detail: z.string(),
});

export const Assumptions = z.object({
  /** `request`: allocated = request (chargeback, default); `max`: max(request, usage) as OpenCost does. */
  mode: z.enum(["request", "max"]),
  /** Price of one vCPU-hour over one GiB-hour when a node price is split into its parts (default 9). */
  cpuToMemoryWeight: z.number().positive(),
  idle: z.enum(["separate", "share"]),
  currency: z.string(),
  priceSources: z.array(PriceSourceUsed),
  /** Prometheus only: the scrape interval that bounds each pod's error. */
  scrapeIntervalSeconds: z.number().positive().optional(),
  /** Prometheus only: runs were measured from raw samples in range selectors, never by lookback. */
  notes: z.array(z.string()),
  /** Every node price used and how it was split into a vCPU-hour and a GiB-hour price. */
  unitPrices: z
    .array(
      z.object({
        /** Instance type, or the node name when the price is per node (OpenCost). */
        key: z.string(),
        capacityType: z.string().optional(),
        origin: PriceOrigin,
        date: z.string(),
        /** Node hourly price (the first point when it moved). */
        hourly: z.number(),
        vcpu: z.number(),
        memoryGib: z.number(),
        cpuHourly: z.number(),
        gibHourly: z.number(),
        /** More than one price point over the window (spot). */
        moved: z.boolean(),
        spotWithoutSpotPrice: z.boolean(),
      }),
    )
    .optional(),
});

const money = z.number();

export const CostRow = z.object({
  /** Only the `--by` keys; a key the pods did not carry is absent and the row is `unattributed`. */
  group: z.partialRecord(GroupKey, z.string()),
  unattributed: z.boolean(),
  runs: z.number().int().nonnegative(),
  pods: z.number().int().nonnegative(),
  cpuCoreHours: z.number().nonnegative(),
  ramGibHours: z.number().nonnegative(),
  cpuCost: money,
  ramCost: money,
  /** Cost of the bootstrap phase (pod scheduled to Spark container start), included in cpu/ram cost. */
  bootstrapCost: money,
  bootstrapCostStandard: money,
  bootstrapCostPreBaked: money,
  /** This row's share of idle when `idle` is `share`; 0 when idle is reported separately. */
  idleShare: money,
  totalCost: money,
  /** usage / request, when usage is known (Prometheus cAdvisor or `--allocation max`). */
  efficiencyCpu: z.number().optional(),
  efficiencyRam: z.number().optional(),
  /** ± in currency: one scrape interval × request × price per pod (Prometheus); 0 from the ledger. */
  errorBound: money,
  source: CostSource,
  /** The least precise price source among the row's pods (static table < file < metric); `none`: unpriced. */
  priceSource: PriceOrigin.or(z.literal("none")),
  /**
   * `spot-priced-on-demand`: spot capacity without a spot price, priced at the on-demand price (an upper
   * bound); `unpriced`: some pods ran on nodes with no price and count 0.
   */
  flags: z.array(z.enum(["spot-priced-on-demand", "unpriced"])).optional(),
});
export type CostRow = z.infer<typeof CostRow>;

/** One run, for the runs table and the start-latency chart. */
export const RunSummary = z.object({
  uid: z.string(),
  name: z.string(),
  namespace: z.string(),
  dag: z.string().optional(),
  task: z.string().optional(),
  module: z.string().optional(),
  variant: z.string().optional(),
  runId: z.string().optional(),
  state: z.string().optional(),
  outcome: z.string().optional(),
  createdAt: z.string(),
  startLatencySeconds: z.number().optional(),
  cost: money,
  bootstrapCost: money,
});
export type RunSummary = z.infer<typeof RunSummary>;

export const CostReport = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  generatedAt: z.string(),
  /** Closed window, ISO 8601 UTC; `label` is what the user asked for (`yesterday`, `7d`, `2026-11`). */
  window: z.object({ start: z.string(), end: z.string(), label: z.string() }),
  by: z.array(GroupKey),
  source: CostSource,
  assumptions: Assumptions,
  rows: z.array(CostRow),
  /** Node cost not allocated to any pod; reported here when `idle` is `separate`. */
  idle: z.object({ cost: money, nodeCost: money, coverage: z.number() }).optional(),
  totals: z.object({
    cost: money,
    attributed: money,
    unattributed: money,
    idle: money,
    bootstrap: money,
    errorBound: money,
  }),
  /** Set when pods carried no attribution labels: how to fix it. */
  unattributedHint: z.string().optional(),
  /** Cost per UTC day and module, for the stacked bars (`module` absent = unattributed). */
  daily: z.array(z.object({ day: z.string(), module: z.string().optional(), cost: money })),
  runs: z.array(RunSummary),
  /** E.g. spot capacity without a spot price: flagged, never silently priced as on-demand. */
  warnings: z.array(z.string()),
});
export type CostReport = z.infer<typeof CostReport>;
