// Objects -> ledger records (src/ledger/record.ts): attribution, phases, effective requests, pod times, nodes,
// local runs; and the Kubernetes quantity grammar they read requests with. Pure: table-driven.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appRecord,
  effectiveRequest,
  localRunRecords,
  nodeRecord,
  podRecord,
  slimPod,
  type LedgerPod,
} from "../../src/ledger/record.js";
import { kubeQuantity } from "../../src/manifest/quantity.js";
import type { SparkApp } from "../../src/kube/apps.js";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

test("kubeQuantity reads the API server's quantity grammar in base units", () => {
  const cases: [string | number | undefined, number | undefined][] = [
    ["1", 1],
    ["500m", 0.5],
    ["1.5", 1.5],
    ["100m", 0.1],
    ["26.4Gi", 26.4 * GiB],
    ["1433Mi", 1433 * MiB],
    ["1k", 1000],
    ["2M", 2e6],
    ["1e3", 1000],
    ["128974848", 128974848],
    [".5", 0.5],
    [4, 4],
    [undefined, undefined],
    ["", undefined],
    ["1.5g", undefined],
    ["12 Gi", undefined],
    ["Gi", undefined],
  ];
  for (const [q, want] of cases) assert.equal(kubeQuantity(q), want, String(q));
  assert.equal(
    kubeQuantity("100m")! * 3,
    0.30000000000000004,
    "a single value is exact; sums are the caller's",
  );
});

test("effective requests: max(Σ containers + sidecars, largest init with the sidecars started before it) + overhead", () => {
  const c = (name: string, cpu?: string, memory?: string, restartPolicy?: string) => ({
    name,
    restartPolicy,
    resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } },
  });
  const cases: { what: string; spec: LedgerPod["spec"]; cpu: number; mem: number }[] = [
    { what: "no spec", spec: undefined, cpu: 0, mem: 0 },
    { what: "one container", spec: { containers: [c("main", "7", "26.4Gi")] }, cpu: 7, mem: 26.4 * GiB },
    {
      what: "containers sum",
      spec: { containers: [c("main", "6", "20Gi"), c("side", "500m", "4Gi")] },
      cpu: 6.5,
      mem: 24 * GiB,
    },
    {
      what: "a larger init container wins per resource",
      spec: { initContainers: [c("setup", "2", "512Mi")], containers: [c("main", "1", "1408Mi")] },
      cpu: 2,
      mem: 1408 * MiB,
    },
    {
      what: "native sidecar counts with the containers and under later inits",
      spec: {
        initContainers: [c("jmx", "1", "1Gi", "Always"), c("setup", "2", "1Gi")],
        containers: [c("main", "1", "1Gi")],
      },
      cpu: 3,
      mem: 2 * GiB,
    },
    {
      what: "overhead is added",
      spec: { containers: [c("main", "1", "1Gi")], overhead: { cpu: "250m", memory: "120Mi" } },
      cpu: 1.25,
      mem: GiB + 120 * MiB,
    },
  ];
  for (const k of cases) {
    assert.equal(effectiveRequest(k.spec, "cpu"), k.cpu, `${k.what}: cpu`);
    assert.equal(effectiveRequest(k.spec, "memory"), k.mem, `${k.what}: memory`);
  }
});

const app = (over: Partial<SparkApp> = {}): SparkApp => ({
  metadata: {
    name: "visits-distinct-20260315-abc",
    namespace: "spark",
    uid: "app-1",
    creationTimestamp: "2026-03-15T06:00:00Z",
    labels: {
      "airflow-dag-id": "generic_spark_etl",
      "airflow-task-id": "submit_spark_etl",
      "airflow-execution-date": "2026-03-15",
      "etl-module": "visits_distinct",
      "sparklane-variant": "standard",
      "sparklane-run-id": "abc",
    },
  },
  spec: { driver: { labels: { team: "data" } } },
  status: {
    applicationState: { state: "COMPLETED" },
    lastSubmissionAttemptTime: "2026-03-15T06:00:02Z",
    terminationTime: "2026-03-15T06:10:00Z",
  },
  ...over,
});

test("appRecord: sparklane's labels, the driver's labels, phases, outcome and start latency", () => {
  const t0 = Date.parse("2026-03-15T06:00:00Z");
  const r = appRecord(app(), { source: "exporter", now: 5, driverStartedAt: t0 + 42_500 });
  assert.deepEqual(r, {
    uid: "app-1",
    namespace: "spark",
    name: "visits-distinct-20260315-abc",
    source: "exporter",
    labels: { ...app().metadata.labels, team: "data" },
    attribution: {
      dag: "generic_spark_etl",
      task: "submit_spark_etl",
      executionDate: "2026-03-15",
      module: "visits_distinct",
      variant: "standard",
      runId: "abc",
    },
    createdAt: t0,
    submittedAt: t0 + 2000,
    runningAt: t0 + 42_500,
    terminatedAt: t0 + 600_000,
    state: "COMPLETED",
    outcome: "completed",
    startLatencySeconds: 42.5,
    observedAt: 5,
  });
  const running = appRecord(
    app({ status: { applicationState: { state: "RUNNING" }, terminationTime: "2026-03-15T06:01:00Z" } }),
    {
      source: "submit",
      now: 5,
    },
  )!;
  assert.equal(running.outcome, undefined);
  assert.equal(running.terminatedAt, undefined, "a run being retried is not over");
  assert.equal(running.startLatencySeconds, undefined);
  assert.equal(
    appRecord(app({ metadata: { ...app().metadata, uid: undefined } }), { source: "submit", now: 1 }),
    undefined,
  );
  const failed = appRecord(app({ status: { applicationState: { state: "FAILED" } } }), {
    source: "submit",
    now: 1,
  })!;
  assert.equal(failed.outcome, "failed");
  const unknownVariant = appRecord(
    app({ metadata: { ...app().metadata, labels: { "sparklane-variant": "weird" } } }),
    { source: "submit", now: 1 },
  )!;
  assert.equal(unknownVariant.attribution.variant, undefined);
});

test("appRecord: an application Airflow's provider submitted is attributed from the provider's driver labels", () => {
  const r = appRecord(
    app({
      metadata: { name: "x-1a2b3c4d", namespace: "spark", uid: "u", labels: { "etl-module": "m" } },
      spec: {
        driver: {
          labels: {
            dag_id: "etl_dag",
            task_id: "load",
            run_id: "scheduled__2026-03-15T0000000000-5c1a2f4e1",
            try_number: "2",
            spark_kubernetes_operator: "True",
          },
        },
      },
    }),
    { source: "exporter", now: 1 },
  )!;
  assert.deepEqual(r.attribution, {
    dag: "etl_dag",
    task: "load",
    module: "m",
    runId: "scheduled__2026-03-15T0000000000-5c1a2f4e1",
    tryNumber: 2,
  });
});

const pod = (over: Partial<LedgerPod> = {}): LedgerPod => ({
  metadata: {
    name: "app-exec-1",
    namespace: "spark",
    uid: "pod-1",
    labels: { "spark-role": "executor", "sparkoperator.k8s.io/app-name": "app" },
    creationTimestamp: "2026-03-15T06:01:00Z",
    ownerReferences: [{ kind: "Pod", name: "app-driver", uid: "driver-1" }],
  },
  spec: {
    nodeName: "ip-10-0-0-1",
    containers: [
      { name: "spark-kubernetes-executor", resources: { requests: { cpu: "7", memory: "26.4Gi" } } },
    ],
  },
  status: {
    conditions: [
      { type: "Initialized", status: "True", lastTransitionTime: "2026-03-15T06:06:00Z" },
      { type: "PodScheduled", status: "True", lastTransitionTime: "2026-03-15T06:01:01Z" },
    ],
    containerStatuses: [
      {
        name: "spark-kubernetes-executor",
        state: {
          terminated: { exitCode: 0, startedAt: "2026-03-15T06:06:01Z", finishedAt: "2026-03-15T06:13:01Z" },
        },
      },
    ],
  },
  ...over,
});

test("podRecord: role, node, effective requests, scheduled, the Spark container's times; deletion only when deleted", () => {
  const t = (s: string) => Date.parse(`2026-03-15T${s}Z`);
  const info = { instanceType: "r6i.2xlarge", capacityType: "spot", zone: "eu-west-1a" };
  const r = podRecord(pod(), { appUid: "app-1", now: 9, nodeInfo: info });
  assert.deepEqual(r, {
    uid: "pod-1",
    appUid: "app-1",
    namespace: "spark",
    name: "app-exec-1",
    role: "executor",
    node: "ip-10-0-0-1",
    nodeInfo: info,
    cpuCores: 7,
    memoryBytes: 26.4 * GiB,
    createdAt: t("06:01:00"),
    scheduledAt: t("06:01:01"),
    mainStartedAt: t("06:06:01"),
    mainFinishedAt: t("06:13:01"),
    observedAt: 9,
  });
  assert.deepEqual(
    podRecord(slimPod(pod()), { appUid: "app-1", now: 9, nodeInfo: info }),
    r,
    "slimPod keeps all",
  );
  const terminating = pod({ metadata: { ...pod().metadata, deletionTimestamp: "2026-03-15T06:14:00Z" } });
  assert.equal(
    podRecord(terminating, { appUid: "a", now: 1 })!.deletedAt,
    undefined,
    "grace period, not the end",
  );
  assert.equal(podRecord(terminating, { appUid: "a", now: 1, deleted: true })!.deletedAt, t("06:14:00"));
  assert.equal(podRecord(pod(), { appUid: "a", now: 77, deleted: true })!.deletedAt, 77);
  const driver = podRecord(
    pod({
      metadata: { ...pod().metadata, labels: { "spark-role": "driver" } },
      status: {
        containerStatuses: [
          { name: "spark-kubernetes-executor", state: { running: { startedAt: "2026-03-15T06:00:00Z" } } },
          { name: "spark-kubernetes-driver", state: { running: { startedAt: "2026-03-15T06:05:00Z" } } },
        ],
      },
    }),
    { appUid: "a", now: 1 },
  )!;
  assert.equal(driver.role, "driver");
  assert.equal(driver.mainStartedAt, t("06:05:00"), "the driver's container, not another");
  assert.equal(driver.mainFinishedAt, undefined);
  assert.equal(driver.scheduledAt, undefined);
  assert.equal(
    podRecord(pod({ metadata: { ...pod().metadata, labels: {} } }), { appUid: "a", now: 1 }),
    undefined,
  );
});

test("nodeRecord: Karpenter's and the well-known labels, allocatable before capacity", () => {
  const r = nodeRecord(
    {
      metadata: {
        name: "ip-10-0-0-1",
        creationTimestamp: "2026-03-15T05:00:00Z",
        labels: {
          "node.kubernetes.io/instance-type": "r6i.2xlarge",
          "karpenter.sh/capacity-type": "spot",
          "topology.kubernetes.io/zone": "eu-west-1a",
        },
      },
      status: { allocatable: { cpu: "7910m", memory: "63461256Ki" }, capacity: { cpu: "8", memory: "64Gi" } },
    },
    { now: 100 },
  );
  assert.deepEqual(r, {
    name: "ip-10-0-0-1",
    info: { instanceType: "r6i.2xlarge", capacityType: "spot", zone: "eu-west-1a" },
    cpuCores: 7.91,
    memoryBytes: 63461256 * 1024,
    firstSeenAt: Date.parse("2026-03-15T05:00:00Z"),
    lastSeenAt: 100,
  });
  const bare = nodeRecord(
    { metadata: { name: "n" }, status: { capacity: { cpu: "32", memory: "256Gi" } } },
    {
      now: 5,
      deleted: true,
    },
  );
  assert.deepEqual(bare, {
    name: "n",
    info: {},
    cpuCores: 32,
    memoryBytes: 256 * GiB,
    firstSeenAt: 5,
    lastSeenAt: 5,
    deletedAt: 5,
  });
});

test("localRunRecords: one application and one driver; running = spark-submit started", () => {
  const { app: a, pod: p } = localRunRecords({
    uid: "local-abc-x",
    name: "visits_distinct",
    labels: { "airflow-dag-id": "d", "etl-module": "visits_distinct", "sparklane-variant": "pre-baked" },
    host: "laptop",
    startedAt: 1000,
    submittedAt: 3500,
    endedAt: 20_000,
    status: "failed",
    cpuCores: 4,
    memoryBytes: 2 * GiB,
    now: 21_000,
  });
  assert.equal(a.source, "local");
  assert.equal(a.outcome, "failed");
  assert.equal(a.state, "FAILED");
  assert.equal(a.startLatencySeconds, 2.5);
  assert.deepEqual(a.attribution, { dag: "d", module: "visits_distinct", variant: "pre-baked" });
  assert.deepEqual(
    [
      p.uid,
      p.appUid,
      p.role,
      p.node,
      p.cpuCores,
      p.memoryBytes,
      p.scheduledAt,
      p.mainStartedAt,
      p.mainFinishedAt,
    ],
    ["local-abc-x-driver", "local-abc-x", "driver", "laptop", 4, 2 * GiB, 1000, 3500, 20_000],
  );
});
