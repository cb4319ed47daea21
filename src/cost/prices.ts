// Node prices, resolved once per node before the pure core runs, in the reference's order (cost.md §6.2):
// a price metric (Karpenter or OpenCost, read by the Prometheus adapter), then the user's price file, then the
// dated static table shipped with sparklane. Spot capacity without a spot price is priced at the on-demand
// price, an upper bound, and flagged: never silently.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UserError } from "../errors.js";
import type { NodeInfo, Window } from "../ledger/schema.js";
import { heldInWindow, type CostData, type NodePrice, type PriceMetric } from "./input.js";
import { STATIC_PRICES, STATIC_TABLE } from "./static-prices.js";

const Entry = z.strictObject({
  vcpu: z.number().positive(),
  memoryGib: z.number().positive(),
  /** USD (or the file's currency) per node-hour. */
  onDemand: z.number().nonnegative(),
  spot: z.number().nonnegative().optional(),
});

/** `--prices FILE`, YAML or JSON. */
export const PriceFile = z.strictObject({
  /** The date the prices were taken (printed with the report). */
  date: z.string().min(1),
  currency: z.string().min(1).default("USD"),
  region: z.string().optional(),
  instanceTypes: z.record(z.string().min(1), Entry),
  /** Nodes that carry no instance-type label (kind, on-premises). */
  default: Entry.optional(),
});
export type PriceFile = z.infer<typeof PriceFile>;

export function loadPriceFile(path: string): PriceFile & { path: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(
      `--prices ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new UserError(`--prices ${path}: not YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = PriceFile.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(
      `--prices ${path}: ${i.path.join(".") || "(top level)"}: ${i.message}`,
      "expected date: YYYY-MM-DD, currency, instanceTypes: {<type>: {vcpu, memoryGib, onDemand, spot?}}, default?",
    );
  }
  return { ...parsed.data, path };
}

/** What the core asks: the price of the node a pod ran on. */
export interface PriceBook {
  lookup(node: string | undefined, info: NodeInfo): NodePrice | undefined;
  currency: string;
}

const key = (node: string | undefined, info: NodeInfo): string =>
  `${node ?? ""}\u0000${info.instanceType ?? ""}\u0000${info.capacityType ?? ""}\u0000${info.zone ?? ""}`;

function fromEntry(
  e: z.infer<typeof Entry>,
  info: NodeInfo,
  origin: NodePrice["origin"],
  date: string,
  detail: string,
): NodePrice {
  const spot = info.capacityType === "spot";
  const hourly = spot && e.spot !== undefined ? e.spot : e.onDemand;
  return {
    points: [{ from: Number.NEGATIVE_INFINITY, hourly }],
    origin,
    date,
    detail,
    vcpu: e.vcpu,
    memoryGib: e.memoryGib,
    ...(spot && e.spot === undefined ? { spotWithoutSpotPrice: true } : {}),
  };
}

/**
 * Resolves a price for every node the window's pods and nodes ran on. A price file that lacks an instance type
 * in use is refused (exit 2) rather than falling through to the static table: the user said which prices hold.
 */
export async function resolvePrices(
  data: Pick<CostData, "pods" | "nodes">,
  window: Window,
  sources: { metric?: PriceMetric; file?: PriceFile & { path: string } },
): Promise<PriceBook> {
  const wanted = new Map<string, { node?: string; info: NodeInfo }>();
  // Only what held time inside the window: a source may hand over more (an open pod of a long-finished run).
  for (const p of data.pods)
    if (heldInWindow(p.held, window)) wanted.set(key(p.node, p.nodeInfo), { node: p.node, info: p.nodeInfo });
  for (const n of data.nodes)
    if (heldInWindow(n.held, window)) wanted.set(key(n.name, n.info), { node: n.name, info: n.info });
  const book = new Map<string, NodePrice | undefined>();
  const missing = new Set<string>();
  const fromMetric: string[] = [];
  for (const [k, { node, info }] of wanted) {
    let price = await sources.metric?.nodePrice({ name: node, info }, window);
    if (price) fromMetric.push(node ?? info.instanceType ?? "(unknown)");
    if (!price && sources.file) {
      const f = sources.file;
      const detail = `price file ${f.path}${f.region ? ` (${f.region})` : ""}`;
      const type = info.instanceType;
      const entry = type === undefined ? f.default : f.instanceTypes[type];
      if (entry) price = fromEntry(entry, info, "price-file", f.date, detail);
      else if (type !== undefined) missing.add(type);
    } else if (!price && info.instanceType !== undefined) {
      const row = STATIC_PRICES[info.instanceType];
      if (row) {
        const [vcpu, memoryGib, onDemand] = row;
        price = fromEntry(
          { vcpu, memoryGib, onDemand },
          info,
          "static-table",
          STATIC_TABLE.date,
          STATIC_TABLE.detail,
        );
      }
    }
    book.set(k, price);
  }
  if (missing.size > 0 && sources.file) {
    const types = [...missing].sort();
    throw new UserError(
      `--prices ${sources.file.path}: no price for instance type${types.length > 1 ? "s" : ""} ${types.join(", ")} (in use in the window)`,
      `add ${types.map((t) => `instanceTypes.${t}: {vcpu, memoryGib, onDemand}`).join(", ")}`,
    );
  }
  // Karpenter's and OpenCost's price metrics are in USD: a report must not add them to another currency.
  const currency = sources.file?.currency ?? STATIC_TABLE.currency;
  if (currency !== STATIC_TABLE.currency && fromMetric.length > 0 && sources.file) {
    throw new UserError(
      `--prices ${sources.file.path}: prices are in ${currency}, but ${fromMetric.length === 1 ? "node" : "nodes"} ${fromMetric.sort().slice(0, 3).join(", ")}${fromMetric.length > 3 ? ", ..." : ""} ${fromMetric.length === 1 ? "is" : "are"} priced by a metric in ${STATIC_TABLE.currency}`,
      `give the price file in ${STATIC_TABLE.currency} (currency: ${STATIC_TABLE.currency}), or leave --prices out`,
    );
  }
  return {
    lookup: (node, info) => book.get(key(node, info)),
    currency,
  };
}
