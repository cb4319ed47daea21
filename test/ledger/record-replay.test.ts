// The ledger fed by replayed watch events: fixtures/cluster-events.jsonl is the event stream of two real runs on
// the test cluster (one COMPLETED, one FAILED, each with a driver and two executors; capture-fixture.ts made
// it), replayed through the recorder into the real SQLite store. Expected values are read off the fixture's
// timestamps by hand (they are whole seconds), not computed by the code under test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../src/ledger/open.js";
import { LedgerRecorder, type EventType } from "../../src/ledger/recorder.js";
import type { LedgerStore, PodRecord } from "../../src/ledger/schema.js";
import type { SparkApp } from "../../src/kube/apps.js";
import type { LedgerNode, LedgerPod } from "../../src/ledger/record.js";

interface Event {
  kind: "app" | "pod" | "node";
  type: EventType;
  object: unknown;
}
const events: Event[] = readFileSync(new URL("./fixtures/cluster-events.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Event);

const T = (hms: string) => Date.parse(`2026-12-03T${hms}Z`);
const MiB = 2 ** 20;
const ALL = { start: 0, end: Date.parse("2100-01-01T00:00:00Z") };
const OK = "3eb37187-14a5-4162-bfd8-6314f3dc5c85";
const FAIL = "6625f536-660b-426e-849b-808c76568887";

function replay(rec: LedgerRecorder, evs: Event[]): void {
  for (const e of evs) {
    if (e.kind === "app") rec.app(e.type, e.object as SparkApp);
    else if (e.kind === "pod") rec.pod(e.type, e.object as LedgerPod);
    else rec.node(e.type, e.object as LedgerNode);
  }
}

/** Deterministic shuffle (mulberry32), so a failure can be reproduced. */
function shuffled<T>(xs: T[], seed: number): T[] {
  let a = seed;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function withLedger(fn: (store: LedgerStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-replay-"));
  const store = await openLedger(join(dir, "ledger.db"));
  try {
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const recorder = (store: LedgerStore, now = 1) =>
  new LedgerRecorder({ store, source: "exporter", now: () => now, flushMs: 60_000, maxBatch: 7 });

/** What the ledger holds, without the bookkeeping field that says when it was last seen. */
async function contents(store: LedgerStore) {
  const { pods, apps } = await store.podsInWindow(ALL);
  const strip = <R extends { observedAt?: number }>(r: R) => ({ ...r, observedAt: 0 });
  return {
    apps: apps.map(strip).sort((a, b) => a.uid.localeCompare(b.uid)),
    pods: pods.map(strip).sort((a, b) => a.name.localeCompare(b.name)),
    nodes: (await store.nodesInWindow(ALL)).map((n) => ({ ...n, lastSeenAt: 0 })),
  };
}

test("replayed watch events: exact phases, start latency, outcome, requests and pod times", async () => {
  await withLedger(async (store) => {
    const rec = recorder(store);
    replay(rec, events);
    await rec.close();
    assert.equal(rec.stats.failedWrites, 0);
    const ok = await store.getApp(OK);
    assert.ok(ok);
    assert.deepEqual(
      {
        name: ok.name,
        source: ok.source,
        attribution: ok.attribution,
        createdAt: ok.createdAt,
        submittedAt: ok.submittedAt,
        runningAt: ok.runningAt,
        terminatedAt: ok.terminatedAt,
        state: ok.state,
        outcome: ok.outcome,
        startLatencySeconds: ok.startLatencySeconds,
      },
      {
        name: "visits-distinct-20260315-oil09abtbk",
        source: "exporter",
        attribution: {
          dag: "ledger_dag",
          task: "capture-ok",
          executionDate: "2026-03-15",
          module: "visits_distinct",
          variant: "pre-baked",
          runId: "oil09abtbk",
        },
        createdAt: T("22:22:45"),
        submittedAt: T("22:22:45"),
        runningAt: T("22:22:52"),
        terminatedAt: T("22:23:00"),
        state: "COMPLETED",
        outcome: "completed",
        startLatencySeconds: 7,
      },
    );
    assert.equal(ok.labels["sparklane.test/outcome"], "ok", "the driver's labels are the run's");
    const failed = await store.getApp(FAIL);
    assert.ok(failed);
    assert.deepEqual(
      [failed.state, failed.outcome, failed.startLatencySeconds, failed.runningAt, failed.terminatedAt],
      ["FAILED", "failed", 7, T("22:23:07"), T("22:23:15")],
    );

    const { pods } = await contents(store);
    const row = (p: Omit<PodRecord, "observedAt">) => [
      p.name.replace(/^visits-distinct-20260315-/, ""),
      p.appUid,
      p.role,
      p.node,
      p.cpuCores,
      p.memoryBytes,
      p.createdAt,
      p.scheduledAt,
      p.mainStartedAt,
      p.mainFinishedAt,
      p.deletedAt,
    ];
    // The driver: 1 core / 1433Mi (spark-submit's request); init containers and the sidecar request nothing.
    // Executors: init 2 cores / 512Mi, main 1 core / 1408Mi -> effective 2 cores, 1408Mi.
    const drv = [1, 1433 * MiB];
    const exe = [2, 1408 * MiB];
    assert.deepEqual(pods.map(row), [
      [
        "nwq5y6w96u-driver",
        FAIL,
        "driver",
        "kwok-node-0",
        ...drv,
        T("22:23:06"),
        T("22:23:06"),
        T("22:23:07"),
        T("22:23:15"),
        T("22:23:15"),
      ],
      [
        "nwq5y6w96u-exec-1",
        FAIL,
        "executor",
        "kwok-node-0",
        ...exe,
        T("22:23:07"),
        T("22:23:07"),
        T("22:23:08"),
        undefined,
        T("22:23:10"),
      ],
      [
        "nwq5y6w96u-exec-2",
        FAIL,
        "executor",
        "kwok-node-0",
        ...exe,
        T("22:23:07"),
        T("22:23:07"),
        T("22:23:08"),
        undefined,
        T("22:23:10"),
      ],
      [
        "oil09abtbk-driver",
        OK,
        "driver",
        "kwok-node-0",
        ...drv,
        T("22:22:52"),
        T("22:22:52"),
        T("22:22:52"),
        T("22:23:00"),
        T("22:23:00"),
      ],
      [
        "oil09abtbk-exec-1",
        OK,
        "executor",
        "kwok-node-0",
        ...exe,
        T("22:22:52"),
        T("22:22:52"),
        T("22:22:53"),
        undefined,
        T("22:22:55"),
      ],
      [
        "oil09abtbk-exec-2",
        OK,
        "executor",
        "kwok-node-0",
        ...exe,
        T("22:22:52"),
        T("22:22:52"),
        T("22:22:53"),
        undefined,
        T("22:22:55"),
      ],
    ]);
    const [node] = (await contents(store)).nodes;
    assert.deepEqual([node.name, node.cpuCores, node.memoryBytes], ["kwok-node-0", 32, 256 * 2 ** 30]);
  });
});

test("replay is idempotent: the same events again, duplicated and shuffled, leave the same ledger", async () => {
  await withLedger(async (store) => {
    const first = recorder(store);
    replay(first, events);
    await first.close();
    const want = await contents(store);
    assert.equal(want.pods.length, 6);

    // Again into the same ledger, twice over and in a shuffled order, by a recorder that knows nothing.
    for (const seed of [1, 2, 3]) {
      const again = recorder(store, 2);
      replay(again, shuffled([...events, ...events], seed));
      await again.close();
      assert.deepEqual(await contents(store), want, `seed ${seed}`);
    }
  });
  // And a fresh ledger fed only the shuffled stream ends the same as one fed the stream in order.
  let inOrder: unknown;
  await withLedger(async (store) => {
    const r = recorder(store);
    replay(r, events);
    await r.close();
    inOrder = await contents(store);
  });
  for (const seed of [4, 5]) {
    await withLedger(async (store) => {
      const r = recorder(store);
      replay(r, shuffled([...events, ...events], seed));
      await r.close();
      assert.deepEqual(await contents(store), inOrder, `seed ${seed}`);
    });
  }
});
