// Ledger records to the core's input: a pod's held interval, attribution from its app, and the hint's labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ledgerHint, nodeToCost, podToCost } from "../../src/cost/ledger-source.js";
import type { AppRecord, PodRecord } from "../../src/ledger/schema.js";

const T = Date.UTC(2026, 10, 15, 10);
const app: AppRecord = {
  uid: "a1",
  namespace: "spark",
  name: "etl",
  source: "exporter",
  labels: {},
  attribution: { dag: "d", module: "m", variant: "standard" },
  createdAt: T,
  terminatedAt: T + 900_000,
  observedAt: T,
};
const pod = (o: Partial<PodRecord>): PodRecord => ({
  uid: "p1",
  appUid: "a1",
  namespace: "spark",
  name: "etl-driver",
  role: "driver",
  node: "n1",
  nodeInfo: { instanceType: "m5.large" },
  cpuCores: 1,
  memoryBytes: 2 ** 30,
  createdAt: T,
  observedAt: T,
  ...o,
});

const cases: [string, Partial<PodRecord>, [number, number] | undefined][] = [
  [
    "scheduled to container finish",
    { scheduledAt: T + 1, mainFinishedAt: T + 500, deletedAt: T + 900 },
    [T + 1, T + 500],
  ],
  ["deleted before its container finished", { scheduledAt: T + 1, deletedAt: T + 300 }, [T + 1, T + 300]],
  ["no end recorded: the app's end bounds it", { scheduledAt: T + 1 }, [T + 1, T + 900_000]],
  ["scheduling not seen: from creation", { mainFinishedAt: T + 50 }, [T, T + 50]],
  ["never scheduled (no node): held nothing", { node: undefined }, undefined],
];
for (const [name, o, held] of cases) {
  test(`ledger pod: ${name}`, () => {
    const c = podToCost(pod(o), app);
    if (held === undefined) return assert.equal(c, undefined);
    assert.deepEqual([c!.held.start, c!.held.end], held);
    assert.equal(c!.uncertaintyMs, 0);
    assert.deepEqual(c!.attribution, app.attribution);
  });
}

test("ledger pod of an app still running: open to the window's end", () => {
  const c = podToCost(pod({ scheduledAt: T }), { ...app, terminatedAt: undefined });
  assert.equal(c!.held.end, Number.POSITIVE_INFINITY);
});

test("ledger node: first seen to deletion, open while it exists", () => {
  const n = { name: "n1", info: {}, cpuCores: 8, memoryBytes: 1, firstSeenAt: T, lastSeenAt: T + 5 };
  assert.deepEqual(nodeToCost({ ...n, deletedAt: T + 9 }).held, { start: T, end: T + 9 });
  assert.deepEqual(nodeToCost(n).held, { start: T, end: Number.POSITIVE_INFINITY });
});

test("the hint names the same labels sparklane puts on pods", () => {
  assert.match(
    ledgerHint(["dag", "module"]),
    /^pods without airflow-dag-id, etl-module: submit with `sparklane submit`/,
  );
});
