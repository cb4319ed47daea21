// The Prometheus cost source: kube-state-metrics, cAdvisor and a price metric (Karpenter's offering price or
// OpenCost's node cost), read through the HTTP API, into what the pure cost core integrates. An edge adapter:
// the only I/O is `fetch`.
//
// How it reads (../shared/reference/cost.md §3-§5, §9): every query is an instant query at an explicit `time`
// whose range selectors cover the window, so lookback and staleness never enter (backfilled history has no
// staleness markers, and a lookback-based query stretches each pod by the lookback). Times come from raw
// samples, never from subqueries. A window longer than 10,000 scrape intervals is read in chunks, so no range
// holds more than 10,000 points per series. Series are deduplicated by pod uid (`max by (uid)`, or by merging
// raw samples per uid), so two kube-state-metrics targets never count a pod twice.
//
// What a pod is, from the samples:
// - held from the pod's start (kube_pod_start_time, exact to the second) to the last sample at which its Spark
//   container (`spark-kubernetes-driver|executor`, not a sidecar) or, before it, an init container ran: a
//   Succeeded driver that lingers with its requests still exported is not charged; the end is exact to one
//   scrape interval, which is each pod's uncertainty;
// - effective requests: max(Σ containers, largest init container), deduplicated per container;
// - bootstrap: pod start to the Spark container's start (kube_pod_container_state_started);
// - attribution from kube_pod_labels over the window (a pod that ended has no labels "now"), with
//   kube-state-metrics' `label_` names mapped back to sparklane's keys;
// - usage from cAdvisor when it is scraped.
import { InfraError, InternalError, UserError } from "../errors.js";
import { attributionOf, NODE_LABELS, nodeInfoOf, RUN_LABELS } from "../ledger/record.js";
import type { NodeInfo, Window } from "../ledger/schema.js";
import type { CostData, CostNode, CostPod, CostRun, NodePrice, PriceMetric } from "./input.js";
import { ATTRIBUTION_LABELS } from "./ledger-source.js";

/** The Spark container of a driver or executor pod: the running gate. */
export const SPARK_CONTAINERS = "spark-kubernetes-(driver|executor)";
/** No range selector covers more than this many scrape intervals (Prometheus caps ranges at 11,000 points). */
export const MAX_POINTS = 10_000;

/** Set by Spark on the driver and every executor of one application attempt: ties executors to their run. */
export const APP_SELECTOR = "spark-app-selector";
/** The pod labels the attribution reads; kube-state-metrics exports only those it is told to. */
export const POD_LABEL_KEYS = [...Object.values(RUN_LABELS), APP_SELECTOR];

/** kube-state-metrics' Prometheus label for a Kubernetes label key: `label_` and unsupported characters as `_`. */
export function ksmLabelName(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** The flag that makes kube-state-metrics export the labels sparklane reads (for the hint and the docs). */
export const KSM_ALLOWLIST_FLAG = `--metric-labels-allowlist=pods=[${POD_LABEL_KEYS.join(",")}],nodes=[${Object.values(NODE_LABELS).join(",")}]`;

export const KARPENTER_PRICE = "karpenter_cloudprovider_instance_type_offering_price_estimate";
export const OPENCOST_PRICE = "node_total_hourly_cost";

export interface PrometheusOptions {
  /** Base URL of the Prometheus HTTP API (`--prometheus`), e.g. http://prometheus:9090 or .../prometheus. */
  url: string;
  window: Window;
  /** Only pods of this namespace; all namespaces when absent. */
  namespace?: string;
  /** The kube-state-metrics scrape interval; measured from the samples' spacing when absent. */
  scrapeIntervalSeconds?: number;
  /** Read cAdvisor usage (max mode, efficiency). Default true. */
  usage?: boolean;
  /** Per query. Default 60 s. */
  timeoutMs?: number;
}

export interface PrometheusData {
  pods: CostPod[];
  nodes: CostNode[];
  runs: CostRun[];
  scrapeIntervalSeconds?: number;
  /** Whether the interval was measured (true) or given. */
  scrapeIntervalMeasured: boolean;
  notes: string[];
  warnings: string[];
  /** Prices from the price metrics, for the price resolution's first source. */
  prices: PrometheusPrices;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** One series' raw samples in the window, keyed by timestamp (ms). */
interface Raw {
  metric: Record<string, string>;
  points: Map<number, number>;
}

const seriesKey = (m: Record<string, string>) =>
  JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const quote = (v: string) => JSON.stringify(v);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

/** The HTTP API: POSTed instant queries at an explicit time, errors mapped to sparklane's vocabulary. */
export class PrometheusApi {
  private readonly endpoint: URL;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 60_000,
  ) {
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new UserError(
        `--prometheus ${url}: not a URL`,
        "give the Prometheus base URL, e.g. http://prometheus:9090",
      );
    }
    if (base.protocol !== "http:" && base.protocol !== "https:")
      throw new UserError(`--prometheus ${url}: not an http(s) URL`, "e.g. http://prometheus:9090");
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.endpoint = new URL("api/v1/query", base);
  }

  /** Evaluates `query` at `timeMs` (epoch ms). */
  async query(query: string, timeMs: number): Promise<{ resultType: string; result: unknown[] }> {
    // A timer that holds the event loop (AbortSignal.timeout's does not): undici can leave a request pending
    // forever when the peer drops the connection at once, and the process would then exit 13, silently.
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query, time: (timeMs / 1000).toFixed(3) }),
        signal: ctl.signal,
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = ctl.signal.aborted
        ? `no answer within ${this.timeoutMs / 1000} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new InfraError(
        `Prometheus at ${this.url} is unreachable: ${why}`,
        "check --prometheus and that Prometheus is up",
        {
          cause: e,
        },
      );
    } finally {
      clearTimeout(timer);
    }
    let body: {
      status?: string;
      errorType?: string;
      error?: string;
      data?: { resultType: string; result: unknown[] };
    };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      if (res.status === 401 || res.status === 403 || res.status >= 500)
        throw new InfraError(`Prometheus at ${this.url} refused the query: HTTP ${res.status}`);
      throw new UserError(
        `--prometheus ${this.url}: does not serve the Prometheus HTTP API (HTTP ${res.status} from ${this.endpoint.pathname}, not JSON)`,
        "give the base URL that /api/v1/query hangs off",
      );
    }
    if (body.status === "success" && body.data) return body.data;
    // bad_data: sparklane wrote a query this Prometheus does not accept. The rest (execution, timeout,
    // too many samples, unavailable) is the server refusing.
    if (body.errorType === "bad_data")
      throw new InternalError(
        `Prometheus at ${this.url} rejected sparklane's query (${body.error}): ${query}`,
      );
    throw new InfraError(
      `Prometheus at ${this.url} could not answer (HTTP ${res.status}, ${body.errorType ?? "error"}): ${body.error ?? text.slice(0, 200)}`,
      "a shorter --window asks for fewer samples at a time",
    );
  }
}

/** Splits the window into consecutive ranges of at most `step()` ms (re-read for each range). */
async function eachChunk(
  window: Window,
  step: () => number,
  f: (start: number, end: number) => Promise<boolean | void>,
) {
  for (let start = window.start; start < window.end;) {
    const end = Math.min(window.end, start + Math.max(1, Math.floor(step())));
    if ((await f(start, end)) === true) return;
    start = end;
  }
}

/** `[Nms]` covering [start, end] at time `end`: one ms more, so the sample at `start` is in whichever way the
 * Prometheus version closes the range's left end (2.x closed, 3.x open). Samples are clipped in code. */
const range = (start: number, end: number) => `[${end - start + 1}ms]`;

/** The reader of one window, holding the scrape interval once it is known. */
class Reader {
  intervalMs: number | undefined;

  constructor(
    readonly api: PrometheusApi,
    readonly window: Window,
    given: number | undefined,
  ) {
    this.intervalMs = given !== undefined ? given * 1000 : undefined;
  }

  /** Chunk length: MAX_POINTS intervals; before the interval is known, as if it were 1 s. */
  step = () => MAX_POINTS * (this.intervalMs ?? 1000);

  /** Raw samples of `selector` in the window, merged across chunks, clipped to [start, end). */
  async raw(selector: string, onChunk?: (series: Map<string, Raw>) => void): Promise<Map<string, Raw>> {
    const out = new Map<string, Raw>();
    await eachChunk(this.window, this.step, async (start, end) => {
      const data = await this.api.query(`${selector}${range(start, end)}`, end);
      for (const s of data.result as MatrixSeries[]) {
        const k = seriesKey(s.metric);
        let r = out.get(k);
        if (!r) out.set(k, (r = { metric: s.metric, points: new Map() }));
        for (const [t, v] of s.values) {
          const ms = Math.round(t * 1000);
          if (ms >= this.window.start && ms < this.window.end) r.points.set(ms, Number(v));
        }
      }
      onChunk?.(out);
    });
    for (const [k, r] of out) if (r.points.size === 0) out.delete(k);
    return out;
  }

  /** An aggregation over each chunk (`expr(range)`), combined across chunks per output series. */
  async over(
    expr: (range: string) => string,
    combine: (a: number, b: number) => number,
  ): Promise<VectorSample[]> {
    const out = new Map<string, VectorSample>();
    await eachChunk(this.window, this.step, async (start, end) => {
      const data = await this.api.query(expr(range(start, end)), end);
      for (const s of data.result as VectorSample[]) {
        const k = seriesKey(s.metric);
        const prev = out.get(k);
        const v = Number(s.value[1]);
        out.set(
          k,
          prev ? { metric: s.metric, value: [s.value[0], String(combine(Number(prev.value[1]), v))] } : s,
        );
      }
    });
    return [...out.values()];
  }

  /** Whether `selector` has any sample in the window (stops at the first chunk that has one). */
  async present(selector: string): Promise<boolean> {
    let found = false;
    await eachChunk(this.window, this.step, async (start, end) => {
      const data = await this.api.query(`count(count_over_time(${selector}${range(start, end)}))`, end);
      found = data.result.length > 0;
      return found;
    });
    return found;
  }
}

/** The median spacing of consecutive samples within each series: the scrape interval. */
function spacing(series: Iterable<Raw>): number | undefined {
  const gaps: number[] = [];
  for (const s of series) {
    const ts = [...s.points.keys()].sort((a, b) => a - b);
    for (let i = 1; i < ts.length; i++) gaps.push(ts[i] - ts[i - 1]);
  }
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/** First and last of many timestamps (no spread: a month of samples exceeds the argument limit). */
function bounds(ts: number[]): { first: number; last: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const t of ts) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return { first, last };
}

const matcher = (...parts: (string | false | undefined)[]) => `{${parts.filter(Boolean).join(",")}}`;

/** Pod labels in kube-state-metrics' names -> the Kubernetes keys sparklane reads. */
function podLabels(metric: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const k of POD_LABEL_KEYS) {
    const v = metric[ksmLabelName(k)];
    if (v !== undefined && v !== "") labels[k] = v;
  }
  return labels;
}

/** A node's price labels from its kube_node_labels series. */
function nodeInfoFromSeries(metric: Record<string, string> | undefined): NodeInfo {
  const labels: Record<string, string> = {};
  for (const k of Object.values(NODE_LABELS)) {
    const v = metric?.[ksmLabelName(k)];
    if (v !== undefined && v !== "") labels[k] = v;
  }
  return nodeInfoOf(labels);
}

interface PodAcc {
  uid: string;
  namespace: string;
  name: string;
  role: "driver" | "executor";
  running: number[];
  initRunning: number[];
}

/**
 * Reads the window's Spark pods, nodes and price series from Prometheus. Throws UserError (exit 2) when
 * kube-state-metrics exports no kube_pod_labels at all, InfraError (exit 3) when Prometheus is unreachable.
 */
export async function readPrometheus(o: PrometheusOptions): Promise<PrometheusData> {
  const api = new PrometheusApi(o.url, o.timeoutMs);
  const r = new Reader(api, o.window, o.scrapeIntervalSeconds);
  const ns = o.namespace !== undefined && `namespace=${quote(o.namespace)}`;
  const spark = `container=~${quote(SPARK_CONTAINERS)}`;
  const notes: string[] = [];
  const warnings: string[] = [];

  // Without kube_pod_labels every pod would land in the unattributed row: refuse instead, naming the fix.
  if (!(await r.present(`kube_pod_labels${matcher(ns)}`)))
    throw new UserError(
      `Prometheus at ${o.url} has no kube_pod_labels series${o.namespace ? ` for namespace ${o.namespace}` : ""} between ${iso(o.window.start)} and ${iso(o.window.end)}: is kube-state-metrics scraped, with ${KSM_ALLOWLIST_FLAG}?`,
    );

  // The running gate, raw. Its spacing is the scrape interval, which then sizes the remaining chunks.
  const gate = await r.raw(`kube_pod_container_status_running${matcher(ns, spark)}`, (series) => {
    if (o.scrapeIntervalSeconds === undefined) r.intervalMs = spacing(series.values()) ?? r.intervalMs;
  });
  const pods = new Map<string, PodAcc>();
  for (const s of gate.values()) {
    const { uid, namespace, pod, container } = s.metric;
    if (!uid || !pod) continue;
    let p = pods.get(uid);
    if (!p)
      pods.set(
        uid,
        (p = {
          uid,
          namespace: namespace ?? "",
          name: pod,
          role: container === "spark-kubernetes-executor" ? "executor" : "driver",
          running: [],
          initRunning: [],
        }),
      );
    for (const [t, v] of s.points) if (v === 1) p.running.push(t);
  }
  if (pods.size > 0) {
    const init = await r.raw(`kube_pod_init_container_status_running${matcher(ns)}`);
    for (const s of init.values()) {
      const p = pods.get(s.metric.uid ?? "");
      if (p) for (const [t, v] of s.points) if (v === 1) p.initRunning.push(t);
    }
  }
  for (const [uid, p] of pods) if (p.running.length === 0 && p.initRunning.length === 0) pods.delete(uid);

  const nodeInfo = await r.raw(`kube_node_info`);
  if (r.intervalMs === undefined) r.intervalMs = spacing(nodeInfo.values());
  if (r.intervalMs === undefined && pods.size > 0)
    throw new UserError(
      "cannot tell the scrape interval from the samples (no series has two samples in the window)",
      "pass --scrape-interval SECONDS",
    );
  const intervalMs = r.intervalMs ?? 0;

  const byUid = (rows: VectorSample[]) => {
    const m = new Map<string, VectorSample[]>();
    for (const s of rows) {
      const uid = s.metric.uid;
      if (!uid || !pods.has(uid)) continue;
      const list = m.get(uid) ?? [];
      list.push(s);
      m.set(uid, list);
    }
    return m;
  };
  const requestsSel = (metric: string) => (w: string) =>
    `max by (namespace, pod, uid, container, resource) (max_over_time(${metric}${matcher(ns, `resource=~"cpu|memory"`, `unit=~"core|byte"`)}${w}))`;
  const labelNames = POD_LABEL_KEYS.map(ksmLabelName);
  const [requests, initRequests, labels, info, startTimes, mainStarts] =
    pods.size === 0
      ? [[], [], [], [], [], []]
      : await Promise.all([
          r.over(requestsSel("kube_pod_container_resource_requests"), Math.max),
          r.over(requestsSel("kube_pod_init_container_resource_requests"), Math.max),
          r.over(
            (w) =>
              `max by (namespace, pod, uid, ${labelNames.join(", ")}) (max_over_time(kube_pod_labels${matcher(ns)}${w}))`,
            Math.max,
          ),
          r.over(
            (w) =>
              `max by (namespace, pod, uid, node, created_by_kind, created_by_name) (max_over_time(kube_pod_info${matcher(ns)}${w}))`,
            Math.max,
          ),
          r.over(
            (w) => `min by (namespace, pod, uid) (min_over_time(kube_pod_start_time${matcher(ns)}${w}))`,
            Math.min,
          ),
          r.over(
            (w) =>
              `min by (namespace, pod, uid) (min_over_time(kube_pod_container_state_started${matcher(ns, spark)}${w}))`,
            Math.min,
          ),
        ]);

  // Nodes: held from first to last kube_node_info sample; labels and allocatable over the window.
  const nodeLabelNames = Object.values(NODE_LABELS).map(ksmLabelName);
  const [nodeLabels, allocatable, capacity] = await Promise.all([
    r.over(
      (w) => `max by (node, ${nodeLabelNames.join(", ")}) (max_over_time(kube_node_labels${w}))`,
      Math.max,
    ),
    r.over(
      (w) =>
        `max by (node, resource) (max_over_time(kube_node_status_allocatable{resource=~"cpu|memory"}${w}))`,
      Math.max,
    ),
    r.over(
      (w) => `max by (node, resource) (max_over_time(kube_node_status_capacity{resource=~"cpu|memory"}${w}))`,
      Math.max,
    ),
  ]);
  const labelsOfNode = new Map(nodeLabels.map((s) => [s.metric.node ?? "", s.metric]));
  const resourceOf = (rows: VectorSample[]) => {
    const m = new Map<string, { cpu?: number; memory?: number }>();
    for (const s of rows) {
      const n = s.metric.node ?? "";
      const e = m.get(n) ?? {};
      if (s.metric.resource === "cpu") e.cpu = Number(s.value[1]);
      if (s.metric.resource === "memory") e.memory = Number(s.value[1]);
      m.set(n, e);
    }
    return m;
  };
  const alloc = resourceOf(allocatable);
  const cap = resourceOf(capacity);
  const nodeSpan = new Map<string, { first: number; last: number }>();
  for (const s of nodeInfo.values()) {
    const n = s.metric.node;
    if (!n) continue;
    const e = nodeSpan.get(n) ?? { first: Infinity, last: -Infinity };
    for (const t of s.points.keys()) {
      e.first = Math.min(e.first, t);
      e.last = Math.max(e.last, t);
    }
    nodeSpan.set(n, e);
  }
  const nodes: CostNode[] = [...nodeSpan]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, span]) => ({
      name,
      info: nodeInfoFromSeries(labelsOfNode.get(name)),
      cpuCores: alloc.get(name)?.cpu ?? 0,
      memoryBytes: alloc.get(name)?.memory ?? 0,
      held: { start: span.first, end: span.last },
    }));
  const nodeInfoByName = new Map(nodes.map((n) => [n.name, n.info]));

  // Per pod: effective requests, labels, node, start times.
  const req = byUid(requests);
  const initReq = byUid(initRequests);
  const lab = byUid(labels);
  const inf = byUid(info);
  const start = new Map([...byUid(startTimes)].map(([uid, [s]]) => [uid, Number(s.value[1]) * 1000]));
  const mainStart = new Map([...byUid(mainStarts)].map(([uid, [s]]) => [uid, Number(s.value[1]) * 1000]));
  const effective = (uid: string, resource: "cpu" | "memory") => {
    const sum = (req.get(uid) ?? [])
      .filter((s) => s.metric.resource === resource)
      .reduce((a, s) => a + Number(s.value[1]), 0);
    const peak = (initReq.get(uid) ?? [])
      .filter((s) => s.metric.resource === resource)
      .reduce((a, s) => Math.max(a, Number(s.value[1])), 0);
    return Math.max(sum, peak);
  };

  const out: CostPod[] = [];
  let labelled = 0;
  const drivers = new Map<string, CostPod[]>();
  const appName = new Map<string, string>();
  // Drivers first: executors look their driver up.
  const ordered = [...pods.values()].sort((a, b) => (a.role === b.role ? 0 : a.role === "driver" ? -1 : 1));
  for (const p of ordered) {
    const { first, last } = bounds([...p.running, ...p.initRunning]);
    const podStart = start.get(p.uid);
    const keys: Record<string, string> = {};
    for (const s of lab.get(p.uid) ?? []) Object.assign(keys, podLabels(s.metric));
    const attribution = attributionOf(keys);
    if (Object.keys(attribution).length > 0) labelled++;
    const podInfo = inf.get(p.uid)?.find((s) => s.metric.node);
    const node = podInfo?.metric.node;
    const main = mainStart.get(p.uid);
    const heldStart = podStart !== undefined && podStart <= first ? podStart : first;
    const pod: CostPod = {
      uid: p.uid,
      namespace: p.namespace,
      name: p.name,
      role: p.role,
      attribution,
      ...(node && { node }),
      nodeInfo: (node && nodeInfoByName.get(node)) || {},
      cpuCores: effective(p.uid, "cpu"),
      memoryBytes: effective(p.uid, "memory"),
      held: { start: heldStart, end: last },
      ...(main !== undefined && main >= heldStart && main <= last && { mainStartedAt: main }),
      uncertaintyMs: intervalMs,
    };
    const app = keys[APP_SELECTOR];
    if (app) pod.appUid = app;
    else if (p.role === "driver") pod.appUid = p.uid;
    else if (podInfo?.metric.created_by_kind === "Pod") {
      // Executors are owned by their driver: the driver of that name alive when the executor started.
      const owner = (drivers.get(`${p.namespace}/${podInfo.metric.created_by_name}`) ?? []).find(
        (d) => d.held.start <= heldStart,
      );
      if (owner) pod.appUid = owner.uid;
    }
    const owner =
      podInfo?.metric.created_by_kind === "SparkApplication" ? podInfo.metric.created_by_name : undefined;
    if (p.role === "driver") {
      if (owner) appName.set(pod.uid, owner);
      const k = `${p.namespace}/${p.name}`;
      // Latest first, so an executor finds the driver that started last before it.
      drivers.set(
        k,
        [pod, ...(drivers.get(k) ?? [])].sort((a, b) => b.held.start - a.held.start),
      );
    }
    out.push(pod);
  }
  out.sort((a, b) => a.held.start - b.held.start || (a.uid < b.uid ? -1 : 1));
  if (out.length > 0 && labelled === 0)
    warnings.push(
      `no pod carried sparklane's labels in kube_pod_labels: every pod is unattributed; run kube-state-metrics with ${KSM_ALLOWLIST_FLAG}`,
    );

  if (o.usage !== false && out.length > 0) await readUsage(r, ns, out, intervalMs, notes);

  notes.push(
    `Prometheus ${o.url}: pods held from kube_pod_start_time to their last running sample (raw range selectors at explicit times, no lookback); each end is exact to one scrape interval (${intervalMs / 1000} s${o.scrapeIntervalSeconds === undefined ? ", measured from the samples' spacing" : ""})`,
  );

  return {
    pods: out,
    nodes,
    runs: runsOf(out, appName),
    scrapeIntervalSeconds: r.intervalMs !== undefined ? r.intervalMs / 1000 : undefined,
    scrapeIntervalMeasured: o.scrapeIntervalSeconds === undefined,
    notes,
    warnings,
    prices: new PrometheusPrices(r, cap),
  };
}

/** Runs by appUid: named after the driver's SparkApplication, attributed as the driver (else any pod). */
function runsOf(pods: CostPod[], appName: Map<string, string>): CostRun[] {
  const runs = new Map<string, CostRun>();
  const hasAttribution = (p: CostPod) => Object.keys(p.attribution).length > 0;
  for (const p of pods) {
    if (p.appUid === undefined) continue;
    const r = runs.get(p.appUid);
    const better =
      !r || (p.role === "driver" && hasAttribution(p)) || Object.keys(r.attribution).length === 0;
    const driverName =
      p.role === "driver" ? (appName.get(p.uid) ?? (p.name ?? p.uid).replace(/-driver$/, "")) : undefined;
    runs.set(p.appUid, {
      uid: p.appUid,
      name: driverName ?? r?.name ?? p.name ?? p.uid,
      namespace: p.namespace,
      attribution: better ? p.attribution : r.attribution,
      createdAt: Math.min(r?.createdAt ?? Infinity, p.held.start),
    });
  }
  return [...runs.values()].sort((a, b) => a.createdAt - b.createdAt || (a.uid < b.uid ? -1 : 1));
}

/**
 * cAdvisor usage per pod: CPU from the counter's increase between consecutive raw samples, memory as the
 * working set, summed over the pod's containers at each sample time. Series are matched to pods by namespace,
 * name and time (a re-created pod has the same name and a fresh counter).
 */
async function readUsage(
  r: Reader,
  ns: string | false,
  pods: CostPod[],
  intervalMs: number,
  notes: string[],
) {
  const sel = matcher(ns, `container!=""`, `container!="POD"`);
  const [cpu, mem] = await Promise.all([
    r.raw(`container_cpu_usage_seconds_total${sel}`),
    r.raw(`container_memory_working_set_bytes${sel}`),
  ]);
  if (cpu.size === 0 && mem.size === 0) {
    notes.push("no cAdvisor series (container_cpu_usage_seconds_total): usage unknown");
    return;
  }
  // Duplicate targets scrape the same container: merge by container identity, not by full label set.
  const merge = (series: Map<string, Raw>) => {
    const m = new Map<string, { metric: Record<string, string>; points: [number, number][] }>();
    for (const s of series.values()) {
      const { namespace = "", pod = "", container = "", id = "" } = s.metric;
      const k = JSON.stringify([namespace, pod, container, id]);
      const e = m.get(k) ?? { metric: { namespace, pod, container }, points: [] };
      for (const p of s.points) e.points.push(p);
      m.set(k, e);
    }
    for (const e of m.values()) {
      e.points.sort((a, b) => a[0] - b[0]);
      e.points = e.points.filter((p, i) => i === 0 || p[0] !== e.points[i - 1][0]);
    }
    return [...m.values()];
  };
  const rates = merge(cpu).map((s) => ({
    metric: s.metric,
    points: s.points.flatMap(([t, v], i): [number, number][] => {
      if (i === 0) return [];
      const [t0, v0] = s.points[i - 1];
      // The rate over [t0, t) is the usage from t0 on (the core holds a sample until the next one). A counter
      // reset (a new container under the same identity) gives no rate for that step.
      return v >= v0 && t > t0 ? [[t0, (v - v0) / ((t - t0) / 1000)]] : [];
    }),
  }));
  const working = merge(mem);
  const podsByName = new Map<string, CostPod[]>();
  for (const p of pods) {
    const k = `${p.namespace}/${p.name}`;
    podsByName.set(k, [...(podsByName.get(k) ?? []), p]);
  }
  // A series belongs to the pod of that name whose held interval (plus one interval) contains its samples.
  const owner = (metric: Record<string, string>, t: number) =>
    podsByName
      .get(`${metric.namespace}/${metric.pod}`)
      ?.find((p) => t >= p.held.start && t <= p.held.end + intervalMs);
  const perPod = new Map<CostPod, { cpu: [number, number][][]; mem: [number, number][][] }>();
  const assign = (kind: "cpu" | "mem", s: { metric: Record<string, string>; points: [number, number][] }) => {
    const split = new Map<CostPod, [number, number][]>();
    for (const pt of s.points) {
      const p = owner(s.metric, pt[0]);
      if (!p) continue;
      const pts = split.get(p) ?? [];
      pts.push(pt);
      split.set(p, pts);
    }
    for (const [p, pts] of split) {
      const e = perPod.get(p) ?? { cpu: [], mem: [] };
      e[kind].push(pts);
      perPod.set(p, e);
    }
  };
  for (const s of rates) assign("cpu", s);
  for (const s of working) assign("mem", s);
  for (const [p, u] of perPod) {
    const times = [...new Set([...u.cpu, ...u.mem].flatMap((pts) => pts.map(([t]) => t)))].sort(
      (a, b) => a - b,
    );
    // Each container's latest value at or before t, unless older than 1.5 of its own scrape intervals: then
    // the container has ended (cAdvisor drops a dead container's series; there is no staleness in history).
    const sumAt = (series: [number, number][][]) => {
      const total = times.map(() => 0);
      for (const pts of series) {
        const maxAge = 1.5 * (spacing([{ metric: {}, points: new Map(pts) }]) ?? intervalMs);
        let j = -1;
        times.forEach((t, i) => {
          while (j + 1 < pts.length && pts[j + 1][0] <= t) j++;
          if (j >= 0 && t - pts[j][0] < maxAge) total[i] += pts[j][1];
        });
      }
      return total;
    };
    const cpuAt = sumAt(u.cpu);
    const memAt = sumAt(u.mem);
    p.usage = times.map((t, i) => ({ t, cpuCores: cpuAt[i], memoryBytes: memAt[i] }));
  }
}

/**
 * Node prices from the price metrics, first Karpenter's offering price for the node's instance type, capacity
 * type and zone, then OpenCost's node_total_hourly_cost for the node. A spot node with only an on-demand
 * offering gets no price here: the next source prices it and the report flags it.
 */
export class PrometheusPrices implements PriceMetric {
  private readonly seen = new Map<string, Promise<NodePrice | undefined>>();

  constructor(
    private readonly r: Reader,
    private readonly capacity: Map<string, { cpu?: number; memory?: number }>,
  ) {}

  /** The window is the one the source was read for. */
  nodePrice(node: { name?: string; info: NodeInfo }): Promise<NodePrice | undefined> {
    const k = JSON.stringify([node.name, node.info.instanceType, node.info.capacityType, node.info.zone]);
    let p = this.seen.get(k);
    if (!p) this.seen.set(k, (p = this.lookup(node)));
    return p;
  }

  private async lookup(node: { name?: string; info: NodeInfo }): Promise<NodePrice | undefined> {
    const { instanceType, capacityType, zone } = node.info;
    const shape = node.name !== undefined ? this.capacity.get(node.name) : undefined;
    const dims = {
      ...(shape?.cpu !== undefined && { vcpu: shape.cpu }),
      ...(shape?.memory !== undefined && { memoryGib: shape.memory / 2 ** 30 }),
    };
    if (instanceType !== undefined) {
      const sel = matcher(
        `instance_type=${quote(instanceType)}`,
        `capacity_type=${quote(capacityType ?? "on-demand")}`,
        zone !== undefined && `zone=${quote(zone)}`,
      );
      const series = await this.r.raw(`${KARPENTER_PRICE}${sel}`);
      const points = pricePoints(series.values());
      if (points)
        return {
          points: points.points,
          origin: "karpenter-metric",
          date: points.date,
          detail: `${KARPENTER_PRICE}${sel}`,
          ...dims,
        };
    }
    if (node.name !== undefined) {
      const sel = matcher(`node=${quote(node.name)}`);
      const points = pricePoints((await this.r.raw(`${OPENCOST_PRICE}${sel}`)).values());
      if (points) {
        // OpenCost prices a node as spot only when it knows it is one (kubecost_node_is_spot); a spot node it
        // took for on-demand carries an on-demand price: flag it.
        const isSpot = await this.r.over(
          (w) => `max(max_over_time(kubecost_node_is_spot${sel}${w}))`,
          Math.max,
        );
        const flag = capacityType === "spot" && !isSpot.some((s) => Number(s.value[1]) === 1);
        return {
          points: points.points,
          origin: "opencost-metric",
          date: points.date,
          detail: `${OPENCOST_PRICE}${sel}`,
          ...dims,
          ...(flag && { spotWithoutSpotPrice: true }),
        };
      }
    }
    return undefined;
  }
}

/**
 * One price series from raw samples (duplicates merged by time; where several zones match, the highest): a
 * point where the price changed. The first price stands for the time before its first sample too.
 */
function pricePoints(series: Iterable<Raw>): { points: NodePrice["points"]; date: string } | undefined {
  const byTime = new Map<number, number>();
  for (const s of series)
    for (const [t, v] of s.points) byTime.set(t, Math.max(byTime.get(t) ?? -Infinity, v));
  const ts = [...byTime.keys()].sort((a, b) => a - b);
  if (ts.length === 0) return undefined;
  const points: NodePrice["points"] = [];
  for (const t of ts) {
    const v = byTime.get(t)!;
    if (points.length === 0) points.push({ from: Number.NEGATIVE_INFINITY, hourly: v });
    else if (points.at(-1)!.hourly !== v) points.push({ from: t, hourly: v });
  }
  return { points, date: `${iso(ts[0])}/${iso(ts.at(-1)!)}` };
}

/** How to make pods carry the keys the report found missing: kube-state-metrics' allowlist. */
export function prometheusHint(missing: readonly string[]): string {
  const labels = missing.map((k) => ATTRIBUTION_LABELS[k as keyof typeof ATTRIBUTION_LABELS] ?? k);
  return `kube_pod_labels carries no ${labels.map(ksmLabelName).join(", ")}: run kube-state-metrics with ${KSM_ALLOWLIST_FLAG} (Helm: metricLabelsAllowlist), and label the pods (sparklane submit does)`;
}

/** The source `sparklane cost --source prometheus` reads: the data for the core, and the price metric. */
export async function prometheusCostData(
  o: PrometheusOptions,
): Promise<{ data: CostData; metric: PriceMetric }> {
  const r = await readPrometheus(o);
  return {
    data: {
      pods: r.pods,
      nodes: r.nodes,
      runs: r.runs,
      ...(r.scrapeIntervalSeconds !== undefined && { scrapeIntervalSeconds: r.scrapeIntervalSeconds }),
      notes: [...r.notes, ...r.warnings],
      unattributedHint: prometheusHint,
    },
    metric: r.prices,
  };
}
