// Records for the ledger tests and benchmark: a complete application and pod, with fields overridden per case.
import type { AppRecord, NodeRecord, PodRecord } from "../../src/ledger/index.js";

export const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

export function app(uid: string, o: Partial<AppRecord> = {}): AppRecord {
  return {
    uid,
    namespace: "spark",
    name: `visits-${uid}`,
    source: "exporter",
    labels: { "airflow-dag-id": "visits", "etl-module": "visits_daily" },
    attribution: { dag: "visits", task: "submit_spark_etl", module: "visits_daily", variant: "pre-baked" },
    createdAt: T0,
    observedAt: T0,
    ...o,
  };
}

export function pod(uid: string, o: Partial<PodRecord> = {}): PodRecord {
  return {
    uid,
    appUid: "app-1",
    namespace: "spark",
    name: `visits-${uid}`,
    role: "executor",
    nodeInfo: {},
    cpuCores: 7,
    memoryBytes: 26.4 * 2 ** 30,
    createdAt: T0,
    observedAt: T0,
    ...o,
  };
}

export function node(name: string, o: Partial<NodeRecord> = {}): NodeRecord {
  return {
    name,
    info: { instanceType: "m6i.2xlarge", capacityType: "on-demand", zone: "eu-west-1a" },
    cpuCores: 8,
    memoryBytes: 32 * 2 ** 30,
    firstSeenAt: T0,
    lastSeenAt: T0,
    ...o,
  };
}

/**
 * The watch events of one run, in order: a driver and `executors` executors, each created, scheduled, started,
 * finished and deleted, with the app's phases; what the exporter sees for one application.
 */
export function runEvents(
  i: number,
  executors = 2,
  t = T0 + i * 60_000,
): { apps: AppRecord[]; pods: PodRecord[] } {
  const appUid = `app-${i}`;
  const a = (dt: number, o: Partial<AppRecord> = {}) =>
    app(appUid, { createdAt: t, observedAt: t + dt, ...o });
  const apps = [
    a(0),
    a(1000, { submittedAt: t + 1000, state: "SUBMITTED" }),
    a(30_000, { submittedAt: t + 1000, runningAt: t + 30_000, state: "RUNNING", startLatencySeconds: 29 }),
    a(300_000, { terminatedAt: t + 300_000, state: "COMPLETED", outcome: "completed" }),
  ];
  const pods: PodRecord[] = [];
  for (let e = 0; e <= executors; e++) {
    const p = (dt: number, o: Partial<PodRecord> = {}) =>
      pod(`${appUid}-pod-${e}`, {
        appUid,
        role: e === 0 ? "driver" : "executor",
        name: e === 0 ? `${appUid}-driver` : `${appUid}-exec-${e}`,
        createdAt: t + 2000,
        observedAt: t + dt,
        ...o,
      });
    const placed = { node: `node-${e % 3}`, nodeInfo: { instanceType: "m6i.2xlarge", capacityType: "spot" } };
    pods.push(
      p(2000),
      p(3000, { ...placed, scheduledAt: t + 3000 }),
      p(25_000, { ...placed, scheduledAt: t + 3000, mainStartedAt: t + 25_000 }),
      p(290_000, { ...placed, mainFinishedAt: t + 290_000 }),
      p(295_000, { deletedAt: t + 295_000 }),
    );
  }
  return { apps, pods };
}
