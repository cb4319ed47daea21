// The ledger's merge rule (src/ledger/merge.ts), table-driven: repeated, out-of-order and poorer events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeApp, mergeNode, mergePod, podSpan } from "../../src/ledger/index.js";
import { appRules, nodeRules, podRules } from "../../src/ledger/merge.js";
import { AppRecord, NodeRecord, PodRecord } from "../../src/ledger/schema.js";
import { app, node, pod, T0 } from "../helpers/ledger-records.js";

function fold<T>(events: T[], merge: (p: T | undefined, n: T) => T): T {
  return events.reduce<T | undefined>((acc, e) => merge(acc, e), undefined)!;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

interface Case<T> {
  name: string;
  events: T[];
  want: Partial<T>;
  /** Fields that must be absent from the result. */
  absent?: (keyof T)[];
  /** The result must not depend on arrival order (every permutation folds to the same record). */
  anyOrder?: boolean;
}

const t = (s: number) => T0 + s * 1000;

const podCases: Case<PodRecord>[] = [
  {
    name: "a repeated event changes nothing",
    events: [pod("p", { scheduledAt: t(1), node: "n1" }), pod("p", { scheduledAt: t(1), node: "n1" })],
    want: { scheduledAt: t(1), node: "n1", observedAt: T0 },
  },
  {
    name: "out of order: the later-observed facts survive the earlier event arriving last",
    events: [
      pod("p", { observedAt: t(20), scheduledAt: t(5), mainStartedAt: t(15), node: "n1" }),
      pod("p", { observedAt: t(10), scheduledAt: t(5) }),
    ],
    want: { scheduledAt: t(5), mainStartedAt: t(15), node: "n1", observedAt: t(20) },
    anyOrder: true,
  },
  {
    name: "a poorer later event (DELETED without statuses or node) forgets nothing",
    events: [
      pod("p", {
        observedAt: t(10),
        node: "n1",
        nodeInfo: { instanceType: "m6i.2xlarge", zone: "eu-west-1a" },
        scheduledAt: t(1),
        mainStartedAt: t(5),
        mainFinishedAt: t(9),
      }),
      pod("p", { observedAt: t(30), deletedAt: t(30) }),
    ],
    want: {
      node: "n1",
      nodeInfo: { instanceType: "m6i.2xlarge", zone: "eu-west-1a" },
      scheduledAt: t(1),
      mainStartedAt: t(5),
      mainFinishedAt: t(9),
      deletedAt: t(30),
      observedAt: t(30),
    },
    anyOrder: true,
  },
  {
    name: "earliest start times win, whichever event carries them",
    events: [
      pod("p", { observedAt: t(10), createdAt: t(2), scheduledAt: t(4), mainStartedAt: t(15) }),
      pod("p", { observedAt: t(20), createdAt: t(1), scheduledAt: t(3), mainStartedAt: t(14) }),
      pod("p", { observedAt: t(30), createdAt: t(3), scheduledAt: t(5), mainStartedAt: t(16) }),
    ],
    want: { createdAt: t(1), scheduledAt: t(3), mainStartedAt: t(14), observedAt: t(30) },
    anyOrder: true,
  },
  {
    name: "latest end times win",
    events: [
      pod("p", { observedAt: t(50), mainFinishedAt: t(40), deletedAt: t(44) }),
      pod("p", { observedAt: t(45), mainFinishedAt: t(41), deletedAt: t(43) }),
    ],
    want: { mainFinishedAt: t(41), deletedAt: t(44), observedAt: t(50) },
    anyOrder: true,
  },
  {
    name: "node info merges field by field; the newer value of a field wins",
    events: [
      pod("p", { observedAt: t(1), nodeInfo: { instanceType: "m6i.2xlarge", capacityType: "on-demand" } }),
      pod("p", { observedAt: t(2), nodeInfo: { capacityType: "spot", zone: "eu-west-1b" } }),
    ],
    want: { nodeInfo: { instanceType: "m6i.2xlarge", capacityType: "spot", zone: "eu-west-1b" } },
    anyOrder: true,
  },
  {
    name: "requests follow the newest event (an in-place resize)",
    events: [pod("p", { observedAt: t(1), cpuCores: 7 }), pod("p", { observedAt: t(2), cpuCores: 4 })],
    want: { cpuCores: 4 },
    anyOrder: true,
  },
];

const appCases: Case<AppRecord>[] = [
  {
    name: "state and outcome follow the newest observedAt",
    events: [
      app("a", { observedAt: t(10), state: "SUBMITTED", submittedAt: t(10) }),
      app("a", { observedAt: t(20), state: "RUNNING", runningAt: t(20) }),
      app("a", { observedAt: t(30), state: "COMPLETED", outcome: "completed", terminatedAt: t(30) }),
    ],
    want: {
      state: "COMPLETED",
      outcome: "completed",
      submittedAt: t(10),
      runningAt: t(20),
      terminatedAt: t(30),
    },
    anyOrder: true,
  },
  {
    name: "a re-run after a failure is RUNNING again, without the stale outcome",
    events: [
      app("a", { observedAt: t(30), state: "FAILED", outcome: "failed", terminatedAt: t(30) }),
      app("a", { observedAt: t(40), state: "RUNNING" }),
    ],
    want: { state: "RUNNING", terminatedAt: t(30) },
    absent: ["outcome"],
    anyOrder: true,
  },
  {
    name: "a newer event without a state keeps the known state and outcome",
    events: [
      app("a", { observedAt: t(30), state: "COMPLETED", outcome: "completed" }),
      app("a", { observedAt: t(40), startLatencySeconds: 12 }),
    ],
    want: { state: "COMPLETED", outcome: "completed", startLatencySeconds: 12, observedAt: t(40) },
    anyOrder: true,
  },
  {
    name: "an outcome known only to an event without a state is kept",
    events: [app("a", { observedAt: t(30), outcome: "failed" }), app("a", { observedAt: t(40) })],
    want: { outcome: "failed" },
    anyOrder: true,
  },
  {
    name: "at equal observedAt a terminal state is not demoted",
    events: [
      app("a", { observedAt: t(30), state: "COMPLETED", outcome: "completed" }),
      app("a", { observedAt: t(30), state: "RUNNING" }),
    ],
    want: { state: "COMPLETED", outcome: "completed" },
    anyOrder: true,
  },
  {
    name: "labels merge key by key, the newer value winning",
    events: [
      app("a", { observedAt: t(1), labels: { a: "1", b: "1" } }),
      app("a", { observedAt: t(2), labels: { b: "2", c: "2" } }),
    ],
    want: { labels: { a: "1", b: "2", c: "2" } },
    anyOrder: true,
  },
  {
    name: "attribution merges field by field",
    events: [
      app("a", { observedAt: t(1), attribution: { dag: "visits", runId: "manual__1" } }),
      app("a", { observedAt: t(2), attribution: { module: "visits_daily", tryNumber: 2 } }),
    ],
    want: { attribution: { dag: "visits", runId: "manual__1", module: "visits_daily", tryNumber: 2 } },
    anyOrder: true,
  },
  {
    name: "the launching command's source beats the exporter's, whatever the order",
    events: [
      app("a", { observedAt: t(1), source: "submit" }),
      app("a", { observedAt: t(2), source: "exporter" }),
    ],
    want: { source: "submit" },
    anyOrder: true,
  },
];

const nodeCases: Case<NodeRecord>[] = [
  {
    name: "first seen is the earliest, last seen the latest, info merges, deletion is kept",
    events: [
      node("n", { firstSeenAt: t(10), lastSeenAt: t(20), info: { instanceType: "m6i.2xlarge" } }),
      node("n", { firstSeenAt: t(5), lastSeenAt: t(15), info: { zone: "eu-west-1a" } }),
      node("n", { firstSeenAt: t(12), lastSeenAt: t(30), deletedAt: t(30), info: {} }),
    ],
    want: {
      firstSeenAt: t(5),
      lastSeenAt: t(30),
      deletedAt: t(30),
      info: { instanceType: "m6i.2xlarge", zone: "eu-west-1a" },
    },
    anyOrder: true,
  },
];

function check<T extends object>(kind: string, cases: Case<T>[], merge: (p: T | undefined, n: T) => T) {
  for (const c of cases) {
    test(`${kind}: ${c.name}`, () => {
      const orders = c.anyOrder ? permutations(c.events) : [c.events];
      for (const events of orders) {
        const got = fold(events, merge);
        for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof T], v, `${k}`);
        for (const k of c.absent ?? []) assert.equal(k in got, false, `${String(k)} must be absent`);
        // Folding the result with any of its own events again is a no-op: repeats are harmless.
        for (const e of events) assert.deepEqual(merge(got, e), got);
      }
    });
  }
}

check("pod", podCases, mergePod);
check("app", appCases, mergeApp);
check("node", nodeCases, mergeNode);

test("the merged record is one the schema accepts", () => {
  const events = podCases.flatMap((c) => c.events);
  assert.ok(PodRecord.safeParse(fold(events, mergePod)).success);
  assert.ok(
    AppRecord.safeParse(
      fold(
        appCases.flatMap((c) => c.events),
        mergeApp,
      ),
    ).success,
  );
  assert.ok(NodeRecord.safeParse(fold(nodeCases[0].events, mergeNode)).success);
});

test("every schema field has a merge rule", () => {
  const keys = (o: object) => Object.keys(o).sort();
  assert.deepEqual(keys(appRules), keys(AppRecord.shape));
  assert.deepEqual(keys(podRules), keys(PodRecord.shape));
  assert.deepEqual(keys(nodeRules), keys(NodeRecord.shape));
});

test("records of different keys are never merged", () => {
  assert.throws(() => mergePod(pod("a"), pod("b")), /different keys/);
});

test("a pod's span starts at scheduling (else creation) and ends at its main container's end (else deletion)", () => {
  assert.deepEqual(podSpan(pod("p", { createdAt: 1, scheduledAt: 2, mainFinishedAt: 9, deletedAt: 12 })), {
    start: 2,
    end: 9,
  });
  assert.deepEqual(podSpan(pod("p", { createdAt: 1, deletedAt: 12 })), { start: 1, end: 12 });
  assert.deepEqual(podSpan(pod("p", { createdAt: 1 })), { start: 1, end: undefined });
});
