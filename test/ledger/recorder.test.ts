// The recorder's batching and its behaviour when the store fails. The store is the real SQLite ledger; the
// failures are injected by a wrapper that refuses the first writes (a fault the real store does not produce on
// demand), and the test checks that they are logged, retried and never thrown, and that nothing is lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../src/ledger/open.js";
import { LedgerRecorder, type EventType } from "../../src/ledger/recorder.js";
import type { LedgerStore } from "../../src/ledger/schema.js";
import type { SparkApp } from "../../src/kube/apps.js";
import type { LedgerNode, LedgerPod } from "../../src/ledger/record.js";

const events = readFileSync(new URL("./fixtures/cluster-events.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { kind: string; type: EventType; object: unknown });

function feed(rec: LedgerRecorder): void {
  for (const e of events) {
    if (e.kind === "app") rec.app(e.type, e.object as SparkApp);
    else if (e.kind === "pod") rec.pod(e.type, e.object as LedgerPod);
    else rec.node(e.type, e.object as LedgerNode);
  }
}

async function ledger(): Promise<{ store: LedgerStore; done: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-recorder-"));
  const store = await openLedger(join(dir, "l.db"));
  return {
    store,
    done: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("records are batched: one write per burst, coalesced by object", async () => {
  const { store, done } = await ledger();
  let writes = 0;
  let records = 0;
  const counting: LedgerStore = Object.create(store) as LedgerStore;
  counting.write = (b) => {
    writes++;
    records += (b.apps?.length ?? 0) + (b.pods?.length ?? 0) + (b.nodes?.length ?? 0);
    return store.write(b);
  };
  const rec = new LedgerRecorder({ store: counting, source: "exporter", flushMs: 60_000 });
  feed(rec);
  assert.equal(writes, 0, "nothing is written before the flush");
  await rec.close();
  assert.equal(writes, 1);
  // 2 apps, 6 pods, 1 node: 53 events folded into 9 records.
  assert.equal(records, 9);
  assert.equal(rec.stats.written, 9);
  await done();
});

test("a failing store is logged and retried; nothing is thrown and nothing is lost", async () => {
  const { store, done } = await ledger();
  let refuse = 2;
  const flaky: LedgerStore = Object.create(store) as LedgerStore;
  flaky.write = (b) =>
    refuse-- > 0 ? Promise.reject(new Error("SQLITE_BUSY: database is locked")) : store.write(b);
  const logs: string[] = [];
  const rec = new LedgerRecorder({
    store: flaky,
    source: "exporter",
    flushMs: 1,
    maxBatch: 5,
    retry: { baseMs: 5, capMs: 20 },
    onLog: (m) => logs.push(m),
  });
  feed(rec);
  for (let i = 0; i < 200 && (rec.size() > 0 || refuse > 0); i++) await new Promise((r) => setTimeout(r, 10));
  await rec.close();
  assert.equal(rec.stats.failedWrites, 2);
  assert.equal(rec.stats.dropped, 0);
  assert.ok(
    logs.some((l) =>
      /writing \d+ record\(s\) failed \(SQLITE_BUSY: database is locked\); retrying in \d+ ms/.test(l),
    ),
    logs.join("\n"),
  );
  assert.ok(
    logs.some((l) => /writing again after 2 failed attempt/.test(l)),
    logs.join("\n"),
  );
  const { pods, apps } = await store.podsInWindow({ start: 0, end: Date.now() + 1e12 });
  assert.equal(apps.length, 2);
  assert.equal(pods.length, 6);
  assert.ok(apps.every((a) => a.outcome !== undefined && a.startLatencySeconds === 7));
  await done();
});

test("a store that never recovers: close() gives up after its attempts, says how much was lost, and returns", async () => {
  const { store, done } = await ledger();
  const dead: LedgerStore = Object.create(store) as LedgerStore;
  dead.write = () => Promise.reject(new Error("connection refused"));
  const logs: string[] = [];
  const rec = new LedgerRecorder({
    store: dead,
    source: "submit",
    flushMs: 60_000,
    maxPending: 4,
    retry: { baseMs: 1, capMs: 2 },
    onLog: (m) => logs.push(m),
  });
  feed(rec);
  assert.ok(rec.size() <= 4, "the queue is bounded");
  await rec.close(2);
  assert.equal(rec.stats.failedWrites, 2);
  assert.ok(rec.stats.dropped >= 9 - 4);
  assert.ok(
    logs.some((l) => /record\(s\) could not be written and are lost/.test(l)),
    logs.join("\n"),
  );
  await done();
});

test("pods seen before their node get its labels when the node arrives", async () => {
  const { store, done } = await ledger();
  const rec = new LedgerRecorder({ store, source: "exporter", flushMs: 60_000 });
  // The captured node has no cloud labels (kwok): these are added here, and the node's events come last.
  const labels = {
    "node.kubernetes.io/instance-type": "r6i.2xlarge",
    "karpenter.sh/capacity-type": "spot",
    "topology.kubernetes.io/zone": "eu-west-1a",
  };
  const others = events.filter((e) => e.kind !== "node" && !(e.kind === "pod" && e.type === "DELETED"));
  const node = events.find((e) => e.kind === "node")!;
  const o = node.object as LedgerNode;
  for (const e of others) {
    if (e.kind === "app") rec.app(e.type, e.object as SparkApp);
    else rec.pod(e.type, e.object as LedgerPod);
  }
  rec.node("ADDED", { ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, ...labels } } });
  await rec.close();
  const { pods } = await store.podsInWindow({ start: 0, end: Date.now() + 1e12 });
  assert.equal(pods.length, 6);
  for (const p of pods)
    assert.deepEqual(
      p.nodeInfo,
      { instanceType: "r6i.2xlarge", capacityType: "spot", zone: "eu-west-1a" },
      p.name,
    );
  await done();
});
