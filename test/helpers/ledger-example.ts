// A real SQLite run ledger (written through the ledger store) holding a week of the example project's runs
// (examples/visits-etl): DAG generic_spark_etl, task submit_spark_etl; visits_distinct every six hours and
// page_hourly every two hours, each on a node provisioned for it (as Karpenter does: m5.4xlarge for
// visits_distinct, m5.2xlarge for page_hourly, on-demand); visits_distinct moves from the standard
// variant (minutes of bootstrap: image pull and installs) to pre-baked half-way; a few ad-hoc runs carry no
// labels. Days are counted back from today's UTC midnight, so `--window 7d` holds all of them.
import { openLedger, type AppRecord, type NodeRecord, type PodRecord } from "../../src/ledger/index.js";

const H = 3_600_000;
const M = 60_000;
const GIB = 2 ** 30;
const DAY = 86_400_000;

export interface ExampleLedger {
  runs: number;
  /** The window the runs fall in: [start, end), end = today's UTC midnight. */
  start: number;
  end: number;
}

export async function writeExampleLedger(path: string, now = Date.now(), days = 7): Promise<ExampleLedger> {
  const end = Math.floor(now / DAY) * DAY;
  const start = end - days * DAY;
  const nodes: NodeRecord[] = [];
  const apps: AppRecord[] = [];
  const pods: PodRecord[] = [];
  let seq = 0;
  // Deterministic jitter: the same ledger every time for the same day.
  const jitter = (i: number, span: number) => ((((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1) * span;

  function run(
    created: number,
    attribution: AppRecord["attribution"],
    bootMs: number,
    runMs: number,
    executors: number,
    failed = false,
  ): void {
    const i = seq++;
    const uid = `a${String(i).padStart(4, "0")}-5e1d-4c0b-9a55-0c3f${String(i).padStart(8, "0")}`;
    const name = attribution.module
      ? `${attribution.module.replaceAll("_", "-")}-${new Date(created).toISOString().slice(0, 13).replace(/[-T]/g, "")}`
      : `adhoc-${i}`;
    const big = executors > 2;
    const node = `ip-10-0-${Math.floor(i / 250)}-${i % 250}.eu-west-1.compute.internal`;
    const info = {
      instanceType: big ? "m5.4xlarge" : "m5.2xlarge",
      capacityType: "on-demand",
      zone: "eu-west-1a",
    };
    const scheduled = created + 2_000;
    const started = scheduled + bootMs;
    const finished = started + runMs;
    apps.push({
      uid,
      namespace: "data-eng",
      name,
      source: "exporter",
      labels: {},
      attribution,
      createdAt: created,
      submittedAt: created + 1_000,
      runningAt: started,
      terminatedAt: finished,
      state: failed ? "FAILED" : "COMPLETED",
      outcome: failed ? "failed" : "completed",
      startLatencySeconds: Math.round((started - created) / 100) / 10,
      observedAt: finished + M,
    });
    nodes.push({
      name: node,
      info,
      cpuCores: big ? 16 : 8,
      memoryBytes: (big ? 64 : 32) * GIB,
      firstSeenAt: created - 45_000,
      lastSeenAt: finished + 2 * M,
      deletedAt: finished + 2 * M,
    });
    for (let e = 0; e <= executors; e++) {
      const role = e === 0 ? "driver" : "executor";
      // Executors are requested once the driver runs, so they start later and pull the image themselves.
      const sched = role === "driver" ? scheduled : started + 5_000;
      const main = role === "driver" ? started : sched + bootMs * 0.8;
      pods.push({
        uid: `${uid}-p${e}`,
        appUid: uid,
        namespace: "data-eng",
        name: role === "driver" ? `${name}-driver` : `${name}-exec-${e}`,
        role,
        node,
        nodeInfo: info,
        cpuCores: role === "driver" ? 2 : 3,
        memoryBytes: (role === "driver" ? 8 : 12) * GIB,
        createdAt: sched - 1_000,
        scheduledAt: sched,
        mainStartedAt: main,
        mainFinishedAt: finished,
        deletedAt: finished + 30_000,
        observedAt: finished + 60_000,
      });
    }
  }

  const etl = { dag: "generic_spark_etl", task: "submit_spark_etl" };
  for (let d = 0; d < days; d++) {
    const day = start + d * DAY;
    const baked = d >= days / 2;
    for (const h of [3, 9, 15, 21])
      run(
        day + h * H + jitter(d * 24 + h + 1, 5 * M),
        { ...etl, module: "visits_distinct", variant: baked ? "pre-baked" : "standard" },
        baked ? 8_000 + jitter(d * 24 + h + 2, 6_000) : 150_000 + jitter(d * 24 + h + 3, 90_000),
        40 * M + jitter(d * 24 + h + 4, 20 * M),
        4,
        d === 2 && h === 15,
      );
    for (let h = 1; h < 24; h += 2)
      run(
        day + h * H + jitter(d * 24 + h, 10 * M),
        { ...etl, module: "page_hourly", variant: "standard" },
        90_000 + jitter(d * 24 + h + 7, 60_000),
        12 * M + jitter(d * 24 + h + 9, 8 * M),
        2,
        d === 4 && h === 9,
      );
    if (d % 3 === 1) run(day + 15 * H, {}, 70_000, 25 * M, 1);
  }
  const store = await openLedger(path);
  try {
    await store.write({ nodes, apps, pods });
  } finally {
    await store.close();
  }
  return { runs: apps.length, start, end };
}
