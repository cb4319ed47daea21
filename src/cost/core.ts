// The pure cost core: integrates what pods held over a closed window into money, groups it, measures idle and
// builds the one CostReport every renderer reads. No I/O; sources and prices are resolved before it runs.
//
// cost = Σ over segments of (allocated vCPU × vCPU-hour price + allocated GiB × GiB-hour price) × hours, where a
// segment is a stretch of a pod's held interval inside the window with one price, one phase (bootstrap or
// main), one UTC day and one usage sample. The vCPU-hour and GiB-hour prices split the node's hourly price by
// an explicit weight r: gib = node / (vcpu × r + GiB), cpu = r × gib, so the parts sum to the node price.
import { heldInWindow, type CostData, type CostPod, type NodePrice } from "./input.js";
import type { PriceBook } from "./prices.js";
import type { CostReport } from "./report.js";
import {
  REPORT_SCHEMA_VERSION,
  type CostRow,
  type CostSource,
  type GroupKey,
  type PriceOrigin,
  type RunSummary,
} from "./report.js";
import { DAY, utcDay, type CostWindow } from "./window.js";

export interface CostOptions {
  by: GroupKey[];
  /** `request` (chargeback): allocated = request; `max`: max(request, usage) per segment, as OpenCost does. */
  mode: "request" | "max";
  idle: "separate" | "share";
  /** vCPU-hour price over GiB-hour price when a node price is split (AWS split cost allocation uses 9). */
  cpuToMemoryWeight: number;
}

export const DEFAULT_CPU_TO_MEMORY_WEIGHT = 9;

export interface CostInput {
  window: CostWindow;
  data: CostData;
  prices: PriceBook;
  options: CostOptions;
  source: CostSource;
  generatedAt: number;
}

const HOUR = 3_600_000;
const GIB = 2 ** 30;

/** Unit prices of one price point. */
interface Unit {
  from: number;
  cpu: number;
  gib: number;
}

interface Priced {
  price: NodePrice;
  units: Unit[];
}

/** What one pod cost inside the window. */
interface PodCost {
  cpuCoreHours: number;
  ramGibHours: number;
  cpuCost: number;
  ramCost: number;
  bootstrapCost: number;
  /** Usage and request core/GiB-hours over the segments where usage was known (efficiency). */
  useCpu: number;
  reqCpu: number;
  useRam: number;
  reqRam: number;
  maxCpuUnit: number;
  maxGibUnit: number;
}

const ORIGIN_RANK: Record<PriceOrigin, number> = {
  "static-table": 0,
  "price-file": 1,
  "opencost-metric": 2,
  "karpenter-metric": 3,
};

/** Splits a node's hourly price by the weight; undefined without the node's shape. */
function unitsOf(
  price: NodePrice,
  vcpu: number | undefined,
  gib: number | undefined,
  r: number,
): Unit[] | undefined {
  if (!vcpu || !gib || vcpu <= 0 || gib <= 0) return undefined;
  const points = [...price.points].sort((a, b) => a.from - b.from);
  return points.map((p) => {
    const g = p.hourly / (vcpu * r + gib);
    return { from: p.from, cpu: r * g, gib: g };
  });
}

/** The price point in force at t: the last one starting at or before t, else the first (a series that starts late). */
function unitAt(units: readonly Unit[], t: number): Unit {
  let u = units[0];
  for (const x of units) {
    if (x.from <= t) u = x;
    else break;
  }
  return u;
}

/** Integrates one pod; `daily` (UTC day number → cost) receives its cost per day. */
function integratePod(
  pod: CostPod,
  w: CostWindow,
  units: readonly Unit[],
  mode: CostOptions["mode"],
  daily: Map<number, number>,
): PodCost {
  const s = Math.max(pod.held.start, w.start);
  const e = Math.min(pod.held.end, w.end);
  const c: PodCost = {
    cpuCoreHours: 0,
    ramGibHours: 0,
    cpuCost: 0,
    ramCost: 0,
    bootstrapCost: 0,
    useCpu: 0,
    reqCpu: 0,
    useRam: 0,
    reqRam: 0,
    maxCpuUnit: 0,
    maxGibUnit: 0,
  };
  const cuts = [s, e];
  const main = pod.mainStartedAt ?? Number.POSITIVE_INFINITY;
  if (main > s && main < e) cuts.push(main);
  for (const u of units) if (u.from > s && u.from < e) cuts.push(u.from);
  for (let d = Math.floor(s / DAY) * DAY + DAY; d < e; d += DAY) cuts.push(d);
  const usage = pod.usage ? [...pod.usage].sort((a, b) => a.t - b.t) : [];
  if (usage.length > 0) for (const x of usage) if (x.t > s && x.t < e) cuts.push(x.t);
  cuts.sort((a, b) => a - b);
  const reqGib = pod.memoryBytes / GIB;
  let ui = -1;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i];
    const b = cuts[i + 1];
    if (b <= a) continue;
    const h = (b - a) / HOUR;
    while (ui + 1 < usage.length && usage[ui + 1].t <= a) ui++;
    const used = ui >= 0 ? usage[ui] : undefined;
    let cpu = pod.cpuCores;
    let gib = reqGib;
    if (used) {
      c.useCpu += used.cpuCores * h;
      c.reqCpu += pod.cpuCores * h;
      c.useRam += (used.memoryBytes / GIB) * h;
      c.reqRam += reqGib * h;
      if (mode === "max") {
        cpu = Math.max(cpu, used.cpuCores);
        gib = Math.max(gib, used.memoryBytes / GIB);
      }
    }
    const u = units.length > 0 ? unitAt(units, a) : { cpu: 0, gib: 0 };
    c.maxCpuUnit = Math.max(c.maxCpuUnit, u.cpu);
    c.maxGibUnit = Math.max(c.maxGibUnit, u.gib);
    const cpuCost = cpu * h * u.cpu;
    const ramCost = gib * h * u.gib;
    c.cpuCoreHours += cpu * h;
    c.ramGibHours += gib * h;
    c.cpuCost += cpuCost;
    c.ramCost += ramCost;
    if (a < main) c.bootstrapCost += cpuCost + ramCost;
    const day = Math.floor(a / DAY);
    daily.set(day, (daily.get(day) ?? 0) + cpuCost + ramCost);
  }
  return c;
}

/** A node's cost over its held time inside the window. */
function nodeCost(held: { start: number; end: number }, w: CostWindow, price: NodePrice): number {
  const s = Math.max(held.start, w.start);
  const e = Math.min(held.end, w.end);
  if (e <= s) return 0;
  const points = [...price.points].sort((a, b) => a.from - b.from);
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    const a = i === 0 ? s : Math.max(s, points[i].from);
    const b = i + 1 < points.length ? Math.min(e, points[i + 1].from) : e;
    if (b > a) total += ((b - a) / HOUR) * points[i].hourly;
  }
  return total;
}

function groupValue(pod: CostPod, k: GroupKey): string | undefined {
  const a = pod.attribution;
  switch (k) {
    case "dag":
      return a.dag;
    case "task":
      return a.task;
    case "module":
      return a.module;
    case "variant":
      return a.variant;
    case "run":
      return a.runId ?? pod.appUid;
  }
}

interface RowAcc {
  row: CostRow;
  runs: Set<string>;
  useCpu: number;
  reqCpu: number;
  useRam: number;
  reqRam: number;
  minRank: number;
  flags: Set<"spot-priced-on-demand" | "unpriced">;
}

const round = (x: number, digits = 6): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function computeCost(input: CostInput): CostReport {
  const { window: w, data, prices, options, source } = input;
  const r = options.cpuToMemoryWeight;
  const nodeByName = new Map(data.nodes.map((n) => [n.name, n]));
  const priced = new Map<NodePrice, Priced | undefined>();
  const unitPrices = new Map<NodePrice, NonNullable<CostReport["assumptions"]["unitPrices"]>[number]>();
  const warnings: string[] = [];

  const priceFor = (node: string | undefined, info: CostPod["nodeInfo"]): Priced | undefined => {
    const price = prices.lookup(node, info);
    if (!price || price.points.length === 0) return undefined;
    if (!priced.has(price)) {
      const shape = node === undefined ? undefined : nodeByName.get(node);
      const vcpu = price.vcpu ?? shape?.cpuCores;
      const gib = price.memoryGib ?? (shape ? shape.memoryBytes / GIB : undefined);
      const units = unitsOf(price, vcpu, gib, r);
      priced.set(price, units ? { price, units } : undefined);
      if (units) {
        const first = [...price.points].sort((a, b) => a.from - b.from)[0];
        unitPrices.set(price, {
          key: info.instanceType ?? node ?? "(unknown)",
          ...(info.capacityType ? { capacityType: info.capacityType } : {}),
          origin: price.origin,
          date: price.date,
          hourly: first.hourly,
          vcpu: vcpu!,
          memoryGib: round(gib!, 3),
          cpuHourly: units[0].cpu,
          gibHourly: units[0].gib,
          moved: price.points.length > 1,
          spotWithoutSpotPrice: price.spotWithoutSpotPrice === true,
        });
      }
    }
    return priced.get(price);
  };

  const rows = new Map<string, RowAcc>();
  const allocatedOnNode = new Map<string, number>();
  const runCost = new Map<string, { cost: number; bootstrap: number; ns: string; first: number }>();
  // module ("" = none) → UTC day number → cost
  const dailyAcc = new Map<string, Map<number, number>>();
  const missingKeys = new Set<GroupKey>();
  const unpricedTypes = new Set<string>();
  const spotTypes = new Set<string>();
  let unpricedPods = 0;
  let spotPods = 0;
  let withUsage = false;

  for (const pod of data.pods) {
    if (!heldInWindow(pod.held, w)) continue;
    const p = priceFor(pod.node, pod.nodeInfo);
    const module = pod.attribution.module ?? "";
    let daily = dailyAcc.get(module);
    if (!daily) dailyAcc.set(module, (daily = new Map<number, number>()));
    if (pod.usage?.length) withUsage = true;
    const c = integratePod(pod, w, p?.units ?? [], options.mode, daily);
    const cost = c.cpuCost + c.ramCost;
    const values = options.by.map((k) => groupValue(pod, k));
    const unattributed = values.some((v) => v === undefined);
    if (unattributed) options.by.forEach((k, i) => values[i] === undefined && missingKeys.add(k));
    const rowKey = unattributed ? "\u0001unattributed" : values.join("\u0000");
    let acc = rows.get(rowKey);
    if (!acc) {
      const group: CostRow["group"] = {};
      if (!unattributed) options.by.forEach((k, i) => (group[k] = values[i]!));
      acc = {
        row: {
          group,
          unattributed,
          runs: 0,
          pods: 0,
          cpuCoreHours: 0,
          ramGibHours: 0,
          cpuCost: 0,
          ramCost: 0,
          bootstrapCost: 0,
          bootstrapCostStandard: 0,
          bootstrapCostPreBaked: 0,
          idleShare: 0,
          totalCost: 0,
          errorBound: 0,
          source,
          priceSource: "none",
        },
        runs: new Set(),
        useCpu: 0,
        reqCpu: 0,
        useRam: 0,
        reqRam: 0,
        minRank: Number.POSITIVE_INFINITY,
        flags: new Set(),
      };
      rows.set(rowKey, acc);
    }
    const row = acc.row;
    const runUid = pod.appUid ?? pod.uid;
    acc.runs.add(runUid);
    row.pods++;
    row.cpuCoreHours += c.cpuCoreHours;
    row.ramGibHours += c.ramGibHours;
    row.cpuCost += c.cpuCost;
    row.ramCost += c.ramCost;
    row.bootstrapCost += c.bootstrapCost;
    if (pod.attribution.variant === "standard") row.bootstrapCostStandard += c.bootstrapCost;
    if (pod.attribution.variant === "pre-baked") row.bootstrapCostPreBaked += c.bootstrapCost;
    row.errorBound +=
      2 * (pod.uncertaintyMs / HOUR) * (pod.cpuCores * c.maxCpuUnit + (pod.memoryBytes / GIB) * c.maxGibUnit);
    acc.useCpu += c.useCpu;
    acc.reqCpu += c.reqCpu;
    acc.useRam += c.useRam;
    acc.reqRam += c.reqRam;
    if (p) {
      acc.minRank = Math.min(acc.minRank, ORIGIN_RANK[p.price.origin]);
      if (p.price.spotWithoutSpotPrice) {
        acc.flags.add("spot-priced-on-demand");
        spotPods++;
        spotTypes.add(pod.nodeInfo.instanceType ?? pod.node ?? "(unknown)");
      }
    } else {
      acc.flags.add("unpriced");
      unpricedPods++;
      unpricedTypes.add(
        pod.nodeInfo.instanceType ?? `node ${pod.node ?? "(unscheduled)"} (no instance type)`,
      );
    }
    if (pod.node !== undefined) allocatedOnNode.set(pod.node, (allocatedOnNode.get(pod.node) ?? 0) + cost);
    const rc = runCost.get(runUid) ?? { cost: 0, bootstrap: 0, ns: pod.namespace, first: pod.held.start };
    rc.cost += cost;
    rc.bootstrap += c.bootstrapCost;
    rc.first = Math.min(rc.first, pod.held.start);
    runCost.set(runUid, rc);
  }

  // Idle: what the nodes cost over their held time in the window, less what their pods were allocated.
  let nodeTotal = 0;
  let allocatedOnPricedNodes = 0;
  let idle = 0;
  const unpricedNodes: string[] = [];
  const overcommitted: string[] = [];
  for (const n of data.nodes) {
    if (!heldInWindow(n.held, w)) continue;
    const p = priceFor(n.name, n.info);
    if (!p) {
      unpricedNodes.push(n.name);
      continue;
    }
    const nc = nodeCost(n.held, w, p.price);
    const alloc = allocatedOnNode.get(n.name) ?? 0;
    nodeTotal += nc;
    allocatedOnPricedNodes += alloc;
    // Allowed to exceed only in max mode (usage over request) or with node records that end too early.
    if (alloc > nc * (1 + 1e-9)) overcommitted.push(n.name);
    idle += Math.max(0, nc - alloc);
  }
  const measuredIdle = data.nodes.length > 0;

  const out = [...rows.values()];
  const nonIdle = out.reduce((s, a) => s + a.row.cpuCost + a.row.ramCost, 0);
  // With no priced pod cost to spread idle over, sharing would drop the node cost from the total: idle then
  // stays a line of its own, and the report says so.
  const idleMode = options.idle === "share" && nonIdle === 0 && idle > 0 ? "separate" : options.idle;
  if (idleMode !== options.idle)
    warnings.push(
      "--idle share: no priced pod cost in the window to share idle over; idle is reported separately",
    );
  const shareFactor = idleMode === "share" && nonIdle > 0 ? idle / nonIdle : 0;
  const finalRows: CostRow[] = out.map((a) => {
    const row = a.row;
    const base = row.cpuCost + row.ramCost;
    row.idleShare = base * shareFactor;
    row.totalCost = base + row.idleShare;
    row.runs = a.runs.size;
    if (a.reqCpu > 0) row.efficiencyCpu = round(a.useCpu / a.reqCpu, 4);
    if (a.reqRam > 0) row.efficiencyRam = round(a.useRam / a.reqRam, 4);
    row.priceSource = Number.isFinite(a.minRank)
      ? (Object.keys(ORIGIN_RANK) as PriceOrigin[]).find((o) => ORIGIN_RANK[o] === a.minRank)!
      : "none";
    if (a.flags.size > 0) row.flags = [...a.flags].sort();
    return roundRow(row);
  });
  finalRows.sort(
    (a, b) =>
      Number(a.unattributed) - Number(b.unattributed) ||
      b.totalCost - a.totalCost ||
      keyOf(a).localeCompare(keyOf(b)),
  );

  const runs: RunSummary[] = [];
  const known = new Map(data.runs.map((x) => [x.uid, x]));
  for (const [uid, rc] of runCost) {
    const run = known.get(uid);
    const a = run?.attribution;
    runs.push({
      uid,
      name: run?.name ?? uid,
      namespace: run?.namespace ?? rc.ns,
      ...(a?.dag !== undefined ? { dag: a.dag } : {}),
      ...(a?.task !== undefined ? { task: a.task } : {}),
      ...(a?.module !== undefined ? { module: a.module } : {}),
      ...(a?.variant !== undefined ? { variant: a.variant } : {}),
      ...(a?.runId !== undefined ? { runId: a.runId } : {}),
      ...(run?.state !== undefined ? { state: run.state } : {}),
      ...(run?.outcome !== undefined ? { outcome: run.outcome } : {}),
      createdAt: new Date(run?.createdAt ?? rc.first).toISOString(),
      ...(run?.startLatencySeconds !== undefined ? { startLatencySeconds: run.startLatencySeconds } : {}),
      cost: round(rc.cost * (1 + shareFactor)),
      bootstrapCost: round(rc.bootstrap),
    });
  }
  runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.uid.localeCompare(b.uid));

  const daily = [...dailyAcc]
    .flatMap(([module, days]) =>
      [...days].map(([day, cost]) => ({
        day: utcDay(day * DAY),
        ...(module ? { module } : {}),
        cost: round(cost * (1 + shareFactor)),
      })),
    )
    .sort((a, b) => a.day.localeCompare(b.day) || (a.module ?? "").localeCompare(b.module ?? ""));

  if (spotPods > 0)
    warnings.push(
      `${spotPods} pod${spotPods === 1 ? "" : "s"} ran on spot capacity without a spot price (${[...spotTypes].sort().join(", ")}): priced at the on-demand price, an upper bound; give spot prices in --prices or scrape Karpenter's offering price metric`,
    );
  if (unpricedPods > 0)
    warnings.push(
      `${unpricedPods} pod${unpricedPods === 1 ? "" : "s"} ran on nodes with no price (${[...unpricedTypes].sort().join(", ")}): counted at 0; give --prices with these instance types (or a default entry for unlabelled nodes)`,
    );
  if (unpricedNodes.length > 0)
    warnings.push(
      `${unpricedNodes.length} node(s) have no price, so their idle is not measured: ${unpricedNodes.sort().slice(0, 5).join(", ")}`,
    );
  if (overcommitted.length > 0)
    warnings.push(
      `pods were allocated more than the node cost on ${overcommitted.sort().slice(0, 5).join(", ")}: their idle counts as 0`,
    );
  const notes = [...data.notes];
  if (options.mode === "max" && !withUsage)
    notes.push("--allocation max: no pod carries usage samples, so allocated = request");
  if (!measuredIdle) notes.push("no node records overlap the window: idle is not measured");
  else if (allocatedOnPricedNodes < nonIdle * (1 - 1e-9))
    notes.push(
      "some pods ran on nodes with no node record: their cost is allocated but their nodes' idle is not measured",
    );

  const attributed = finalRows.filter((x) => !x.unattributed).reduce((s, x) => s + x.totalCost, 0);
  const unattributedCost = finalRows.filter((x) => x.unattributed).reduce((s, x) => s + x.totalCost, 0);
  const sourcesUsed = new Map<string, { origin: PriceOrigin; date: string; detail: string }>();
  for (const p of priced.values())
    if (p)
      sourcesUsed.set(`${p.price.origin}|${p.price.date}|${p.price.detail}`, {
        origin: p.price.origin,
        date: p.price.date,
        detail: p.price.detail,
      });

  const report: CostReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date(input.generatedAt).toISOString(),
    window: { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString(), label: w.label },
    by: options.by,
    source,
    assumptions: {
      mode: options.mode,
      cpuToMemoryWeight: r,
      idle: idleMode,
      currency: prices.currency,
      priceSources: [...sourcesUsed.values()].sort((a, b) => ORIGIN_RANK[b.origin] - ORIGIN_RANK[a.origin]),
      ...(data.scrapeIntervalSeconds !== undefined
        ? { scrapeIntervalSeconds: data.scrapeIntervalSeconds }
        : {}),
      notes,
      // Nodes of one instance type usually get one price object each (a metric per node): one line per price.
      unitPrices: [...new Map([...unitPrices.values()].map((u) => [JSON.stringify(u), u])).values()].sort(
        (a, b) => a.key.localeCompare(b.key) || (a.capacityType ?? "").localeCompare(b.capacityType ?? ""),
      ),
    },
    rows: finalRows,
    ...(measuredIdle
      ? {
          idle: {
            cost: round(idle),
            nodeCost: round(nodeTotal),
            coverage: nodeTotal > 0 ? round(allocatedOnPricedNodes / nodeTotal, 4) : 0,
          },
        }
      : {}),
    totals: {
      cost: round(attributed + unattributedCost + (idleMode === "separate" ? idle : 0)),
      attributed: round(attributed),
      unattributed: round(unattributedCost),
      idle: round(idle),
      bootstrap: round(finalRows.reduce((s, x) => s + x.bootstrapCost, 0)),
      errorBound: round(finalRows.reduce((s, x) => s + x.errorBound, 0)),
    },
    ...(missingKeys.size > 0
      ? { unattributedHint: data.unattributedHint(options.by.filter((k) => missingKeys.has(k))) }
      : {}),
    daily,
    runs,
    warnings,
  };
  return report;
}

function keyOf(r: CostRow): string {
  return Object.values(r.group).join("\u0000");
}

function roundRow(row: CostRow): CostRow {
  return {
    ...row,
    cpuCoreHours: round(row.cpuCoreHours),
    ramGibHours: round(row.ramGibHours),
    cpuCost: round(row.cpuCost),
    ramCost: round(row.ramCost),
    bootstrapCost: round(row.bootstrapCost),
    bootstrapCostStandard: round(row.bootstrapCostStandard),
    bootstrapCostPreBaked: round(row.bootstrapCostPreBaked),
    idleShare: round(row.idleShare),
    totalCost: round(row.totalCost),
    errorBound: round(row.errorBound),
  };
}
