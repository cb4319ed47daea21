// The ledger source reads less than the records (a third of the columns), keeps its pods as columns and shares
// node labels; none of that may change a figure. Differential: a few thousand generated runs (both variants,
// spot and unlabelled nodes, pods without an app, without an end, never scheduled, across midnight and the
// window's ends), reported through the ledger source and through the straightforward path (every record read
// whole with podsInWindow, mapped with podToCost into arrays), must give the same report, to the last digit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger, type AppRecord, type NodeRecord, type PodRecord } from "../../src/ledger/index.js";
import {
  computeCost,
  ledgerCostData,
  resolvePrices,
  type CostData,
  type CostPod,
} from "../../src/cost/index.js";
import { appToRun, ledgerHint, nodeToCost, podToCost } from "../../src/cost/ledger-source.js";
import { PodColumns } from "../../src/cost/pod-columns.js";
import type { CostWindow } from "../../src/cost/window.js";

const H = 3_600_000;
const GIB = 2 ** 30;
const START = Date.UTC(2026, 10, 10);
const WINDOW: CostWindow = { start: START + 6 * H, end: START + 3 * 24 * H, label: "test" };
let dir: string;

/** A deterministic generator (the test must fail the same way twice). */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

before(() => (dir = mkdtempSync(join(tmpdir(), "sparklane-cost-stream-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

function generate(runs: number): { apps: AppRecord[]; pods: PodRecord[]; nodes: NodeRecord[] } {
  const r = rng(7);
  const nodes: NodeRecord[] = Array.from({ length: 9 }, (_, i) => ({
    name: `node-${i}`,
    // node-8 has no instance type: unpriced. node-0, node-4: spot, priced on demand and flagged.
    info:
      i === 8
        ? {}
        : { instanceType: i % 2 ? "m5.4xlarge" : "r5.2xlarge", capacityType: i % 4 ? "on-demand" : "spot" },
    cpuCores: 16,
    memoryBytes: 64 * GIB,
    firstSeenAt: START + (i === 3 ? 30 * H : 0),
    lastSeenAt: START + 4 * 24 * H,
    ...(i === 5 ? { deletedAt: START + 50 * H } : {}),
  }));
  const apps: AppRecord[] = [];
  const pods: PodRecord[] = [];
  for (let i = 0; i < runs; i++) {
    const t = START + Math.floor(r() * 4 * 24 * H);
    const standard = r() < 0.5;
    const boot = standard ? 300_000 : 10_000;
    const uid = `app-${i}`;
    const missingKey = r() < 0.05;
    apps.push({
      uid,
      namespace: r() < 0.9 ? "spark" : "etl",
      name: `etl-${i}`,
      source: "exporter",
      labels: { team: `t${i % 3}` },
      attribution: {
        dag: `dag_${i % 7}`,
        ...(missingKey ? {} : { task: `task_${i % 3}` }),
        module: `m${i % 5}`,
        variant: standard ? "standard" : "pre-baked",
        runId: `run-${i}`,
      },
      createdAt: t,
      ...(r() < 0.9 ? { terminatedAt: t + 2 * H } : {}),
      ...(r() < 0.8 ? { state: "COMPLETED", outcome: "completed" as const } : {}),
      startLatencySeconds: boot / 1000,
      observedAt: t,
    });
    // A few pods of apps that the ledger never recorded.
    const appUid = r() < 0.03 ? `unrecorded-${i}` : uid;
    for (let k = 0, n = 1 + Math.floor(r() * 4); k < n; k++) {
      const s = t + 1000 * k;
      const node = nodes[Math.floor(r() * nodes.length)];
      const scheduled = r() < 0.97;
      const ended = r() < 0.9;
      pods.push({
        uid: `${uid}-p${k}`,
        appUid,
        namespace: "spark",
        name: `etl-${i}-${k}`,
        role: k === 0 ? "driver" : "executor",
        ...(scheduled || r() < 0.5 ? { node: node.name } : {}),
        nodeInfo: node.info,
        cpuCores: 1 + Math.floor(r() * 8),
        memoryBytes: Math.round((1 + r() * 30) * GIB),
        createdAt: s - 1000,
        ...(scheduled ? { scheduledAt: s } : {}),
        ...(r() < 0.95 ? { mainStartedAt: s + boot } : {}),
        ...(ended ? { mainFinishedAt: s + boot + Math.floor(r() * 6 * H) } : {}),
        ...(ended && r() < 0.5 ? { deletedAt: s + boot + 7 * H } : {}),
        observedAt: s,
      });
    }
  }
  return { apps, pods, nodes };
}

test("the ledger source's report equals the straightforward one on 3,000 generated runs", async () => {
  const store = await openLedger(join(dir, "ledger.db"));
  try {
    const g = generate(3000);
    await store.write({ nodes: g.nodes });
    for (let i = 0; i < g.apps.length; i += 500)
      await store.write({
        apps: g.apps.slice(i, i + 500),
        pods: g.pods.filter((p) => {
          const n = Number(p.uid.split("-")[1]);
          return n >= i && n < i + 500;
        }),
      });

    // The reference: whole records, arrays, one pod object each.
    const { pods, apps } = await store.podsInWindow(WINDOW);
    const appByUid = new Map(apps.map((a) => [a.uid, a]));
    const streamed = await ledgerCostData(store, WINDOW);
    const refPods = pods.map((p) => podToCost(p, appByUid.get(p.appUid))).filter((p) => p !== undefined);
    const reference: CostData = {
      ...streamed,
      pods: refPods,
      nodes: (await store.nodesInWindow(WINDOW)).map(nodeToCost),
      runs: apps.map(appToRun),
      unattributedHint: ledgerHint,
    };
    assert.deepEqual([...streamed.pods], refPods);
    assert.ok(refPods.length > 3000, `${refPods.length} pods in the window`);

    for (const opts of [
      { by: ["dag", "task", "module", "variant"] as const, idle: "share" as const },
      { by: ["run"] as const, idle: "separate" as const },
    ]) {
      const report = async (data: CostData) =>
        computeCost({
          window: WINDOW,
          data,
          prices: await resolvePrices(data, WINDOW, {}),
          options: { by: [...opts.by], mode: "request", idle: opts.idle, cpuToMemoryWeight: 9 },
          source: "ledger",
          generatedAt: WINDOW.end + H,
        });
      const want = await report(reference);
      if (opts.by.length > 1)
        assert.ok(
          want.rows.some((r) => r.unattributed),
          "an unattributed row",
        );
      assert.ok(want.warnings.length > 0 && want.idle, JSON.stringify(want.warnings));
      assert.deepEqual(await report(streamed), want);
    }
  } finally {
    await store.close();
  }
});

test("PodColumns hands back the pods pushed, absent fields absent, any number of times", () => {
  const a = { dag: "d" };
  const pods: CostPod[] = [
    {
      uid: "p1",
      namespace: "spark",
      name: "n",
      appUid: "a1",
      role: "driver",
      attribution: a,
      node: "n1",
      nodeInfo: { instanceType: "m5.large" },
      cpuCores: 1.5,
      memoryBytes: 3 * GIB,
      held: { start: 1, end: Number.POSITIVE_INFINITY },
      mainStartedAt: 0,
      usage: [{ t: 2, cpuCores: 0.5, memoryBytes: 1 }],
      uncertaintyMs: 30_000,
    },
    {
      uid: "p2",
      namespace: "spark",
      attribution: a,
      nodeInfo: {},
      cpuCores: 0,
      memoryBytes: 0,
      held: { start: -5, end: -5 },
      uncertaintyMs: 0,
    },
  ];
  const cols = new PodColumns();
  // Past the first capacity (1,024 pods), so growing is exercised.
  const many = Array.from({ length: 1500 }, (_, i) => ({ ...pods[i % 2], uid: `p${i}` }));
  for (const p of many) cols.push(p);
  assert.equal(cols.length, 1500);
  assert.deepEqual([...cols], many);
  assert.deepEqual([...cols], many);
  const [first] = cols;
  assert.equal(first.attribution, a, "shared objects stay shared");
  assert.ok(!("node" in [...cols][1]), "an absent field is absent, not undefined");
});
