// Synthetic kube-state-metrics, cAdvisor, Karpenter and OpenCost history for the Prometheus cost source, as
// OpenMetrics for `promtool tsdb create-blocks-from openmetrics`, with the truth it was generated from.
//
// One day (2026-03-15, UTC; old enough that promtool and Prometheus's retention accept it), three runs:
// - run 1, standard variant: a driver with a 5 min init bootstrap and a sidecar that keeps running after the
//   Spark container ends, so its pod lingers; executors of 13 min, 7 min and 45 s, and one executor deleted and
//   re-created with the same name and a new uid;
// - run 2, pre-baked variant: a short bootstrap, a driver that lingers Succeeded for 20 min (requests still
//   exported, not running), executors on a spot node whose spot price changes mid-run;
// - run 3: a driver and an executor without any attribution label, on a node priced only by OpenCost; the
//   driver's init container requests more than its containers (the effective request is the init peak).
// A second kube-state-metrics target appears at 01:30 and exports every series again, at another phase.
//
// Promtool's rules (../shared/reference/cost.md §9.2): seconds, never milliseconds (it would silently accept
// them, in year 58 000); samples in time order within a series and each timestamp once (it silently drops the
// rest); label names sanitised as kube-state-metrics does; `# EOF` at the end. `generate` asserts all of it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CostNode, CostPod, NodePrice } from "../../src/cost/input.js";
import type { Attribution, NodeInfo } from "../../src/ledger/schema.js";

const DAY = Date.UTC(2026, 2, 15) / 1000;
const at = (hms: string): number => {
  const [h, m, s] = hms.split(":").map(Number) as [number, number, number];
  return DAY + h * 3600 + m * 60 + s;
};
const GiB = 2 ** 30;
const MiB = 2 ** 20;

export const SCRAPE_SECONDS = 30;
/** Where the data lies; the report window is the whole day. */
const DATA_START = at("00:50:00");
const DATA_END = at("03:35:00");
/** The second kube-state-metrics target (a duplicated scrape job) from here on. */
const DUPLICATE_FROM = at("01:30:00");

interface Target {
  instance: string;
  job: string;
  /** Scrape times are `phase mod SCRAPE_SECONDS`. */
  phase: number;
  from: number;
  to: number;
}
const KSM_A: Target = {
  instance: "10.0.9.1:8080",
  job: "kube-state-metrics",
  phase: 0,
  from: DATA_START,
  to: DATA_END,
};
const KSM_B: Target = {
  ...KSM_A,
  instance: "10.0.9.2:8080",
  job: "kube-state-metrics-2",
  phase: 11,
  from: DUPLICATE_FROM,
};
const CADVISOR: Target = { instance: "kubelet", job: "cadvisor", phase: 5, from: DATA_START, to: DATA_END };
const KARPENTER: Target = {
  instance: "10.0.9.3:8080",
  job: "karpenter",
  phase: 17,
  from: DATA_START,
  to: DATA_END,
};
const OPENCOST: Target = {
  instance: "10.0.9.4:9003",
  job: "opencost",
  phase: 17,
  from: DATA_START,
  to: DATA_END,
};

interface Container {
  name: string;
  cpu: number;
  memory: number;
  /** Usage while it runs: a constant rate makes the counter's truth exact. */
  useCpu: number;
  useMemory: number;
}

interface NodeSpec {
  name: string;
  instanceType: string;
  /** The label kube-state-metrics exports it under, and its value there. */
  capacityLabel: [string, string];
  /** What sparklane reads: Karpenter's capacity-type label only (the EKS one is not read). */
  capacityType?: string;
  zone: string;
  vcpu: number;
  memory: number;
  allocCpu: number;
  allocMemory: number;
  from: number;
  to: number;
  /** OpenCost's node_total_hourly_cost for it; Karpenter's offering price wins where both exist. */
  openCostHourly: number;
}

const NODES: NodeSpec[] = [
  {
    name: "ip-10-0-1-1.ec2.internal",
    instanceType: "m6i.4xlarge",
    capacityLabel: ["karpenter.sh/capacity-type", "on-demand"],
    capacityType: "on-demand",
    zone: "us-east-1a",
    vcpu: 16,
    memory: 64 * GiB,
    allocCpu: 15.89,
    allocMemory: 60 * GiB,
    from: at("00:50:00"),
    to: at("03:00:00"),
    openCostHourly: 9.99,
  },
  {
    name: "ip-10-0-2-2.ec2.internal",
    instanceType: "m6i.8xlarge",
    capacityLabel: ["karpenter.sh/capacity-type", "spot"],
    capacityType: "spot",
    zone: "us-east-1a",
    vcpu: 32,
    memory: 128 * GiB,
    allocCpu: 31.85,
    allocMemory: 124 * GiB,
    from: at("01:04:00"),
    to: at("02:40:00"),
    openCostHourly: 9.99,
  },
  {
    // A managed node group's node: EKS's capacity label, and an instance type Karpenter offers no price for.
    name: "ip-10-0-3-3.ec2.internal",
    instanceType: "r6i.2xlarge",
    capacityLabel: ["eks.amazonaws.com/capacityType", "ON_DEMAND"],
    zone: "us-east-1b",
    vcpu: 8,
    memory: 64 * GiB,
    allocCpu: 7.91,
    allocMemory: 62 * GiB,
    from: at("02:55:00"),
    to: at("03:30:00"),
    openCostHourly: 0.504,
  },
];
const [NODE_A, NODE_B, NODE_C] = NODES as [NodeSpec, NodeSpec, NodeSpec];

/** Karpenter's offering prices: [instance type, capacity type, zone, hourly, hourly from SPOT_CHANGE]. */
const OFFERINGS: [string, string, string, number, number][] = [
  ["m6i.4xlarge", "on-demand", "us-east-1a", 0.768, 0.768],
  ["m6i.4xlarge", "on-demand", "us-east-1b", 0.768, 0.768],
  ["m6i.4xlarge", "spot", "us-east-1a", 0.31, 0.31],
  ["m6i.4xlarge", "spot", "us-east-1b", 0.33, 0.33],
  ["m6i.8xlarge", "on-demand", "us-east-1a", 1.536, 1.536],
  ["m6i.8xlarge", "on-demand", "us-east-1b", 1.536, 1.536],
  ["m6i.8xlarge", "spot", "us-east-1a", 0.62, 0.95],
  ["m6i.8xlarge", "spot", "us-east-1b", 0.7, 0.7],
];
/** The spot price of m6i.8xlarge in us-east-1a moves here, during run 2 (on a Karpenter scrape). */
const SPOT_CHANGE = at("02:20:17");

interface PodSpec {
  uid: string;
  name: string;
  role: "driver" | "executor";
  node: NodeSpec;
  /** Original Kubernetes label keys; only the allow-listed ones reach kube_pod_labels. */
  labels: Record<string, string>;
  createdBy: [kind: string, name: string];
  containers: Container[];
  init: Container[];
  createdAt: number;
  podStart: number;
  initRun?: [number, number];
  main: [number, number];
  /** A sidecar that outlives the Spark container (its pod is not Succeeded until it ends). */
  sidecarUntil?: number;
  deletedAt: number;
  appUid: string;
}

const ns = "spark";
const spark = (role: "driver" | "executor", cpu: number, memory: number, useCpu: number): Container => ({
  name: `spark-kubernetes-${role}`,
  cpu,
  memory,
  useCpu,
  useMemory: Math.round(memory * 0.6),
});
const init = (cpu: number, memory: number, name = "bootstrap"): Container => ({
  name,
  cpu,
  memory,
  useCpu: 0.8,
  useMemory: Math.round(memory * 0.5),
});
const EXEC_MEMORY = 27034 * MiB; // 22g heap + 0.2 overhead, in whole MiB as Spark asks

function runLabels(o: {
  dag: string;
  task: string;
  module: string;
  variant: string;
  run: string;
  app: string;
}) {
  return {
    "airflow-dag-id": o.dag,
    "airflow-task-id": o.task,
    "airflow-execution-date": "2026-03-15",
    "etl-module": o.module,
    "sparklane-variant": o.variant,
    "sparklane-run-id": o.run,
    "spark-app-selector": o.app,
    // Not allow-listed: must not appear.
    "spark-role": "x",
  };
}

function pods(): PodSpec[] {
  const l1 = runLabels({
    dag: "visits_daily",
    task: "visits_distinct",
    module: "visits",
    variant: "standard",
    run: "scheduled-20260315",
    app: "spark-a1b2c3",
  });
  const l2 = runLabels({
    dag: "orders_daily",
    task: "orders_rollup",
    module: "orders",
    variant: "pre-baked",
    run: "scheduled-20260315",
    app: "spark-d4e5f6",
  });
  const d1 = "visits-distinct-20260315-ab12cd34ef-driver";
  const exec = (
    n: number,
    uid: string,
    start: string,
    initRun: [string, string],
    main: [string, string],
    useCpu = 6.5,
  ): PodSpec => ({
    uid,
    name: `visits-distinct-20260315-ab12cd34ef-exec-${n}`,
    role: "executor",
    node: NODE_B,
    labels: { ...l1, "spark-role": "executor" },
    createdBy: ["Pod", d1],
    containers: [spark("executor", 7, EXEC_MEMORY, useCpu)],
    init: [init(1, GiB)],
    createdAt: at(start) - 1,
    podStart: at(start),
    initRun: [at(initRun[0]), at(initRun[1])],
    main: [at(main[0]), at(main[1])],
    deletedAt: at(main[1]) + 2,
    appUid: l1["spark-app-selector"],
  });
  const d2 = "orders-rollup-20260315-9f8e7d6c5b-driver";
  const exec2 = (n: number, uid: string, main: [string, string]): PodSpec => ({
    uid,
    name: `orders-rollup-20260315-9f8e7d6c5b-exec-${n}`,
    role: "executor",
    node: NODE_B,
    labels: { ...l2, "spark-role": "executor" },
    createdBy: ["Pod", d2],
    containers: [spark("executor", 7, EXEC_MEMORY, 5)],
    init: [init(0.5, 512 * MiB)],
    createdAt: at("02:10:49"),
    podStart: at("02:10:50"),
    initRun: [at("02:10:52"), at("02:10:58")],
    main: [at(main[0]), at(main[1])],
    deletedAt: at(main[1]) + 2,
    appUid: l2["spark-app-selector"],
  });
  return [
    {
      uid: "0b6f1c1e-0001-4000-8000-000000000001",
      name: d1,
      role: "driver",
      node: NODE_A,
      labels: { ...l1, "spark-role": "driver" },
      createdBy: ["SparkApplication", "visits-distinct-20260315-ab12cd34ef"],
      containers: [
        spark("driver", 6, 24 * GiB, 1.5),
        { name: "ivy-settings", cpu: 0.1, memory: 128 * MiB, useCpu: 0.01, useMemory: 40 * MiB },
      ],
      init: [init(1, 2 * GiB)],
      createdAt: at("01:00:07"),
      podStart: at("01:00:09"),
      initRun: [at("01:00:12"), at("01:05:03")],
      main: [at("01:05:04"), at("01:45:04")],
      sidecarUntil: at("02:05:04"),
      deletedAt: at("02:05:04"),
      appUid: l1["spark-app-selector"],
    },
    exec(
      1,
      "0b6f1c1e-0001-4000-8000-000000000011",
      "01:05:41",
      ["01:05:45", "01:08:01"],
      ["01:08:02", "01:21:02"],
      8,
    ),
    exec(
      2,
      "0b6f1c1e-0001-4000-8000-000000000012",
      "01:05:42",
      ["01:05:46", "01:08:02"],
      ["01:08:03", "01:15:03"],
    ),
    exec(
      3,
      "0b6f1c1e-0001-4000-8000-000000000013",
      "01:05:43",
      ["01:05:47", "01:08:04"],
      ["01:08:05", "01:08:50"],
    ),
    exec(
      4,
      "0b6f1c1e-0001-4000-8000-000000000014",
      "01:05:44",
      ["01:05:48", "01:08:05"],
      ["01:08:06", "01:12:36"],
    ),
    // The same name again, a new object: a new uid.
    exec(
      4,
      "0b6f1c1e-0001-4000-8000-000000000024",
      "01:12:50",
      ["01:12:52", "01:14:40"],
      ["01:14:41", "01:30:41"],
    ),
    {
      uid: "0b6f1c1e-0002-4000-8000-000000000001",
      name: d2,
      role: "driver",
      node: NODE_A,
      labels: { ...l2, "spark-role": "driver" },
      createdBy: ["SparkApplication", "orders-rollup-20260315-9f8e7d6c5b"],
      containers: [spark("driver", 4, 16 * GiB, 1)],
      init: [init(0.5, 512 * MiB)],
      createdAt: at("02:10:19"),
      podStart: at("02:10:21"),
      initRun: [at("02:10:23"), at("02:10:30")],
      main: [at("02:10:31"), at("02:32:31")],
      // Succeeded, kept until the SparkApplication's TTL: requests still exported, nothing running.
      deletedAt: at("02:52:31"),
      appUid: l2["spark-app-selector"],
    },
    exec2(1, "0b6f1c1e-0002-4000-8000-000000000011", ["02:11:00", "02:30:00"]),
    exec2(2, "0b6f1c1e-0002-4000-8000-000000000012", ["02:11:02", "02:24:02"]),
    {
      uid: "0b6f1c1e-0003-4000-8000-000000000001",
      name: "adhoc-report-driver",
      role: "driver",
      node: NODE_C,
      labels: { "spark-role": "driver" },
      createdBy: ["SparkApplication", "adhoc-report"],
      containers: [spark("driver", 1, GiB, 0.9)],
      init: [init(2, 4 * GiB, "setup")],
      createdAt: at("03:00:11"),
      podStart: at("03:00:13"),
      initRun: [at("03:00:14"), at("03:00:19")],
      main: [at("03:00:20"), at("03:07:20")],
      deletedAt: at("03:08:20"),
      appUid: "0b6f1c1e-0003-4000-8000-000000000001",
    },
    {
      // Unlabelled too: its run is found through its owner, the driver.
      uid: "0b6f1c1e-0003-4000-8000-000000000011",
      name: "adhoc-report-exec-1",
      role: "executor",
      node: NODE_C,
      labels: { "spark-role": "executor" },
      createdBy: ["Pod", "adhoc-report-driver"],
      containers: [spark("executor", 2, 4 * GiB, 1.7)],
      init: [],
      createdAt: at("03:00:39"),
      podStart: at("03:00:40"),
      main: [at("03:00:42"), at("03:03:42")],
      deletedAt: at("03:03:44"),
      appUid: "0b6f1c1e-0003-4000-8000-000000000001",
    },
  ];
}

/** The pod label keys sparklane asks kube-state-metrics to allow-list (README, docs/cost.md). */
export const POD_ALLOWLIST = [
  "airflow-dag-id",
  "airflow-task-id",
  "airflow-execution-date",
  "etl-module",
  "sparklane-variant",
  "sparklane-run-id",
  "spark-app-selector",
];

/** kube-state-metrics' label name for a Kubernetes label key. */
const ksmLabel = (key: string) => `label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;

type Labels = Record<string, string>;
interface Family {
  type: "gauge" | "unknown";
  series: Map<string, { labels: Labels; points: [number, number][] }>;
}

export interface Options {
  /** Export kube_pod_labels at all (a kube-state-metrics without it: the exit-2 case). Default true. */
  podLabels?: boolean;
  /** The second kube-state-metrics target from 01:30 (default true). */
  duplicateKsm?: boolean;
}

export interface Truth {
  window: { start: number; end: number };
  scrapeIntervalSeconds: number;
  /** Exact pods, as the ledger would give them (uncertainty 0). */
  pods: CostPod[];
  nodes: CostNode[];
  /** By node name; the first point's `from` is the window start (JSON has no -Infinity). */
  prices: Record<string, NodePrice>;
  /** The Spark container's CPU rate and the pod's total (all running containers) while the Spark container runs. */
  usage: Record<string, { sparkCpuCores: number; podCpuCores: number; podMemoryBytes: number }>;
  /** Pod names whose series the second kube-state-metrics target exported too. */
  duplicated: string[];
}

export interface History {
  openMetrics: string;
  truth: Truth;
}

export function generate(options: Options = {}): History {
  const withLabels = options.podLabels ?? true;
  const ksmTargets = options.duplicateKsm === false ? [KSM_A] : [KSM_A, KSM_B];
  const families = new Map<string, Family>();

  /** Adds the samples of one series at `target`'s scrape times in [from, to). */
  const add = (
    name: string,
    labels: Labels,
    target: Target,
    from: number,
    to: number,
    value: (t: number) => number,
    type: Family["type"] = "gauge",
  ) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { type, series: new Map() }));
    const all = { ...labels, instance: target.instance, job: target.job };
    const key = JSON.stringify(Object.entries(all).sort());
    let s = f.series.get(key);
    if (!s) f.series.set(key, (s = { labels: all, points: [] }));
    const lo = Math.max(from, target.from);
    const hi = Math.min(to, target.to);
    const first = lo + ((((target.phase - lo) % SCRAPE_SECONDS) + SCRAPE_SECONDS) % SCRAPE_SECONDS);
    for (let t = first; t < hi; t += SCRAPE_SECONDS) s.points.push([t, value(t)]);
  };
  const ksm = (name: string, labels: Labels, from: number, to: number, value: (t: number) => number) => {
    for (const target of ksmTargets) add(name, labels, target, from, to, value);
  };

  const podSpecs = pods();
  for (const p of podSpecs) {
    const id = { namespace: ns, pod: p.name, uid: p.uid };
    const life: [number, number] = [p.createdAt, p.deletedAt];
    if (withLabels) {
      const allowed: Labels = {};
      for (const k of POD_ALLOWLIST) if (p.labels[k] !== undefined) allowed[ksmLabel(k)] = p.labels[k];
      ksm("kube_pod_labels", { ...id, ...allowed }, ...life, () => 1);
    }
    ksm(
      "kube_pod_info",
      {
        ...id,
        node: p.node.name,
        host_ip: "10.0.0.1",
        pod_ip: "10.1.0.1",
        created_by_kind: p.createdBy[0],
        created_by_name: p.createdBy[1],
        priority_class: "",
        host_network: "false",
      },
      ...life,
      () => 1,
    );
    ksm("kube_pod_start_time", id, p.podStart, p.deletedAt, () => p.podStart);
    for (const c of p.containers) {
      const sidecar = !c.name.startsWith("spark-kubernetes-");
      const [start, end] = sidecar ? [p.main[0], p.sidecarUntil ?? p.main[1]] : p.main;
      ksm("kube_pod_container_status_running", { ...id, container: c.name }, ...life, (t) =>
        t >= start && t < end ? 1 : 0,
      );
      ksm("kube_pod_container_state_started", { ...id, container: c.name }, start, p.deletedAt, () => start);
      for (const [resource, unit, v] of [
        ["cpu", "core", c.cpu],
        ["memory", "byte", c.memory],
      ] as const)
        ksm(
          "kube_pod_container_resource_requests",
          { ...id, container: c.name, node: p.node.name, resource, unit },
          ...life,
          () => v,
        );
      add(
        "container_cpu_usage_seconds_total",
        cadvisorLabels(p, c),
        CADVISOR,
        start,
        end,
        (t) => c.useCpu * (t - start),
        "unknown",
      );
      add(
        "container_memory_working_set_bytes",
        cadvisorLabels(p, c),
        CADVISOR,
        start,
        end,
        () => c.useMemory,
      );
    }
    for (const c of p.init) {
      const [start, end] = p.initRun!;
      ksm("kube_pod_init_container_status_running", { ...id, container: c.name }, ...life, (t) =>
        t >= start && t < end ? 1 : 0,
      );
      for (const [resource, unit, v] of [
        ["cpu", "core", c.cpu],
        ["memory", "byte", c.memory],
      ] as const)
        ksm(
          "kube_pod_init_container_resource_requests",
          { ...id, container: c.name, node: p.node.name, resource, unit },
          ...life,
          () => v,
        );
      add(
        "container_cpu_usage_seconds_total",
        cadvisorLabels(p, c),
        CADVISOR,
        start,
        end,
        (t) => c.useCpu * (t - start),
        "unknown",
      );
      add(
        "container_memory_working_set_bytes",
        cadvisorLabels(p, c),
        CADVISOR,
        start,
        end,
        () => c.useMemory,
      );
    }
  }

  for (const n of NODES) {
    const life: [number, number] = [n.from, n.to];
    ksm(
      "kube_node_info",
      {
        node: n.name,
        provider_id: `aws:///${n.zone}/i-0${n.name.slice(3, 11).replace(/-/g, "")}`,
        kubelet_version: "v1.33.1",
      },
      ...life,
      () => 1,
    );
    ksm(
      "kube_node_labels",
      {
        node: n.name,
        [ksmLabel("node.kubernetes.io/instance-type")]: n.instanceType,
        [ksmLabel(n.capacityLabel[0])]: n.capacityLabel[1],
        [ksmLabel("topology.kubernetes.io/zone")]: n.zone,
      },
      ...life,
      () => 1,
    );
    ksm(
      "kube_node_status_allocatable",
      { node: n.name, resource: "cpu", unit: "core" },
      ...life,
      () => n.allocCpu,
    );
    ksm(
      "kube_node_status_allocatable",
      { node: n.name, resource: "memory", unit: "byte" },
      ...life,
      () => n.allocMemory,
    );
    ksm("kube_node_status_capacity", { node: n.name, resource: "cpu", unit: "core" }, ...life, () => n.vcpu);
    ksm(
      "kube_node_status_capacity",
      { node: n.name, resource: "memory", unit: "byte" },
      ...life,
      () => n.memory,
    );
    add(
      "node_total_hourly_cost",
      { node: n.name, instance_type: n.instanceType, region: "us-east-1" },
      OPENCOST,
      DATA_START,
      DATA_END,
      () => n.openCostHourly,
    );
    add("kubecost_node_is_spot", { node: n.name }, OPENCOST, DATA_START, DATA_END, () =>
      n.capacityType === "spot" ? 1 : 0,
    );
  }
  for (const [instance_type, capacity_type, zone, before, after] of OFFERINGS)
    add(
      "karpenter_cloudprovider_instance_type_offering_price_estimate",
      { instance_type, capacity_type, zone },
      KARPENTER,
      DATA_START,
      DATA_END,
      (t) => (t < SPOT_CHANGE ? before : after),
    );

  const openMetrics = render(families);
  check(openMetrics);
  return { openMetrics, truth: truth(podSpecs, ksmTargets.length > 1) };
}

function cadvisorLabels(p: PodSpec, c: Container): Labels {
  return {
    namespace: ns,
    pod: p.name,
    container: c.name,
    id: `/kubepods/burstable/pod${p.uid}/${c.name}`,
    image: "spark:4.0.1",
    name: c.name,
  };
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function render(families: Map<string, Family>): string {
  const out: string[] = [];
  for (const [name, f] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`# TYPE ${name} ${f.type}`);
    for (const s of f.series.values()) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(",");
      for (const [t, v] of s.points) out.push(`${name}{${labels}} ${v} ${t}`);
    }
  }
  out.push("# EOF", "");
  return out.join("\n");
}

/**
 * What promtool would get wrong silently: millisecond timestamps, samples out of order or repeated within a
 * series. Also: label names kube-state-metrics could have written, and the `# EOF` it needs.
 */
export function check(text: string): void {
  const lines = text.split("\n");
  if (lines.at(-1) !== "" || lines.at(-2) !== "# EOF")
    throw new Error("OpenMetrics must end with '# EOF\\n'");
  const last = new Map<string, number>();
  const earliest = Date.UTC(2000, 0, 1) / 1000;
  const latest = Date.UTC(2100, 0, 1) / 1000;
  for (const [i, line] of lines.entries()) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not 'name{labels} value timestamp': ${line}`);
    for (const [, k] of m[2]!.matchAll(/([^{,=]+)="/g))
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k!))
        throw new Error(`line ${i + 1}: label name ${k} is not sanitised`);
    const t = Number(m[4]);
    if (!Number.isFinite(t) || t < earliest || t > latest)
      throw new Error(
        `line ${i + 1}: timestamp ${m[4]} is not in seconds between 2000 and 2100 (milliseconds?)`,
      );
    const key = `${m[1]}${m[2]}`;
    const prev = last.get(key);
    if (prev !== undefined && t <= prev)
      throw new Error(`line ${i + 1}: ${key} at ${t} is not after its previous sample at ${prev}`);
    last.set(key, t);
  }
}

function truth(podSpecs: PodSpec[], duplicated: boolean): Truth {
  const window = { start: DAY * 1000, end: (DAY + 86400) * 1000 };
  const info = (n: NodeSpec): NodeInfo => ({
    instanceType: n.instanceType,
    ...(n.capacityType !== undefined && { capacityType: n.capacityType }),
    zone: n.zone,
  });
  const sum = (cs: Container[], k: "cpu" | "memory") => cs.reduce((a, c) => a + c[k], 0);
  const max = (cs: Container[], k: "cpu" | "memory") => cs.reduce((a, c) => Math.max(a, c[k]), 0);
  const attribution = (l: Labels): Attribution => ({
    ...(l["airflow-dag-id"] !== undefined && { dag: l["airflow-dag-id"] }),
    ...(l["airflow-task-id"] !== undefined && { task: l["airflow-task-id"] }),
    ...(l["airflow-execution-date"] !== undefined && { executionDate: l["airflow-execution-date"] }),
    ...(l["etl-module"] !== undefined && { module: l["etl-module"] }),
    ...(l["sparklane-variant"] !== undefined && {
      variant: l["sparklane-variant"] as Attribution["variant"],
    }),
    ...(l["sparklane-run-id"] !== undefined && { runId: l["sparklane-run-id"] }),
  });
  const pods: CostPod[] = podSpecs.map((p) => ({
    uid: p.uid,
    namespace: ns,
    name: p.name,
    appUid: p.appUid,
    role: p.role,
    attribution: attribution(p.labels),
    node: p.node.name,
    nodeInfo: info(p.node),
    cpuCores: Math.max(sum(p.containers, "cpu"), max(p.init, "cpu")),
    memoryBytes: Math.max(sum(p.containers, "memory"), max(p.init, "memory")),
    held: { start: p.podStart * 1000, end: p.main[1] * 1000 },
    mainStartedAt: p.main[0] * 1000,
    uncertaintyMs: 0,
  }));
  const nodes: CostNode[] = NODES.map((n) => ({
    name: n.name,
    info: info(n),
    cpuCores: n.allocCpu,
    memoryBytes: n.allocMemory,
    held: { start: n.from * 1000, end: n.to * 1000 },
  }));
  const prices: Record<string, NodePrice> = {};
  for (const n of NODES) {
    const offering = OFFERINGS.find(
      (o) => o[0] === n.instanceType && o[1] === n.capacityType && o[2] === n.zone,
    );
    prices[n.name] = offering
      ? {
          points: [
            { from: window.start, hourly: offering[3] },
            ...(offering[4] !== offering[3] ? [{ from: SPOT_CHANGE * 1000, hourly: offering[4] }] : []),
          ],
          origin: "karpenter-metric",
          date: "2026-03-15",
          detail: "karpenter_cloudprovider_instance_type_offering_price_estimate",
          vcpu: n.vcpu,
          memoryGib: n.memory / GiB,
        }
      : {
          points: [{ from: window.start, hourly: n.openCostHourly }],
          origin: "opencost-metric",
          date: "2026-03-15",
          detail: "node_total_hourly_cost",
          vcpu: n.vcpu,
          memoryGib: n.memory / GiB,
        };
  }
  const usage: Truth["usage"] = {};
  for (const p of podSpecs) {
    const main = p.containers.find((c) => c.name.startsWith("spark-kubernetes-"))!;
    // While the Spark container runs, the sidecar (if any) runs too; init containers have ended.
    usage[p.uid] = {
      sparkCpuCores: main.useCpu,
      podCpuCores: p.containers.reduce((a, c) => a + c.useCpu, 0),
      podMemoryBytes: p.containers.reduce((a, c) => a + c.useMemory, 0),
    };
  }
  return {
    window,
    scrapeIntervalSeconds: SCRAPE_SECONDS,
    pods,
    nodes,
    prices,
    usage,
    duplicated: duplicated ? podSpecs.filter((p) => p.deletedAt > DUPLICATE_FROM).map((p) => p.name) : [],
  };
}

/** Writes `history.om` and `truth.json` into `dir`; returns their paths and the truth. */
export function writeHistory(
  dir: string,
  options: Options = {},
): { file: string; truthFile: string; truth: Truth } {
  mkdirSync(dir, { recursive: true });
  const { openMetrics, truth } = generate(options);
  const file = join(dir, "history.om");
  const truthFile = join(dir, "truth.json");
  writeFileSync(file, openMetrics);
  writeFileSync(truthFile, `${JSON.stringify(truth, null, 2)}\n`);
  return { file, truthFile, truth };
}

// `node --import tsx test/cost/openmetrics-gen.ts DIR`: the README's Prometheus example.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: node --import tsx test/cost/openmetrics-gen.ts DIR\n");
    process.exit(2);
  }
  const { file, truthFile } = writeHistory(dir);
  process.stdout.write(`${file}\n${truthFile}\n`);
}
