// Connection faults on the real test cluster: a TCP proxy (test/helpers/tcp-proxy.ts) sits between sparklane
// and the real kube-apiserver and, on command, cuts every connection with a TCP RST, stalls them (holds every
// byte, closes nothing) or refuses new ones. The watches, the log stream and the requests are the real
// server's, through the official client; only the network misbehaves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { submit } from "../../src/kube/submit.js";
import { InfraError, KubeApiError } from "../../src/errors.js";
import { recordingSleep } from "./harness.js";
import {
  clusterInput,
  eventually,
  jobNamespace,
  proxiedCluster,
  realClusterSkip,
  type TestNamespace,
} from "../helpers/real-cluster.js";

const skip = realClusterSkip;
let ns: TestNamespace;
before(async () => {
  if (!skip) ns = await jobNamespace("faults");
});
after(async () => {
  if (!skip) await ns.remove();
});

/** A driver that runs long enough for its log stream to be cut while it is followed. */
const runFor = (d: string) => (m: { spec: { driver: Record<string, unknown> } }) =>
  (m.spec.driver.annotations = { ...(m.spec.driver.annotations as object), "sparklane.test/run-for": d });

test.skip(
  "submit --wait --logs: every connection cut with an RST while the watches and the driver's log are open; the run completes, each log line once",
  { skip, timeout: 240_000 },
  async () => {
    const p = await proxiedCluster();
    try {
      const lines: string[] = [];
      const notices: string[] = [];
      let created = false;
      const run = submit(
        clusterInput("cut", "ok", runFor("8s")),
        { kubeconfig: p.kubeconfig, namespace: ns.name, wait: true, logs: true },
        {
          onAction: () => (created = true),
          onLog: (l) => lines.push(`${l.container}: ${l.text}`),
          onNotice: (m) => notices.push(m),
        },
      );
      // Both watches (application, pods) are open on the real server once the application exists.
      await eventually("both watches open", async () => created && p.proxy.open() >= 2, 120_000);
      assert.ok(p.proxy.cut() >= 2);
      // Then once the driver's log is being followed (its container runs 8 s after the last line).
      await eventually(
        "the driver's log",
        async () => lines.includes("spark-kubernetes-driver: driver line 3"),
        120_000,
      );
      const cutWhileFollowing = p.proxy.cut();
      assert.ok(cutWhileFollowing >= 3, `watches and the log stream: ${cutWhileFollowing}`);
      const res = await run;
      assert.equal(res.outcome, "COMPLETED", res.error?.message);
      assert.ok(
        notices.some((n) => /watch interrupted \(ECONNRESET\)/.test(n)),
        `the reset was seen as such: ${notices.join(" | ")}`,
      );
      assert.deepEqual(
        lines.filter((l) => l.startsWith("spark-kubernetes-driver")),
        [
          "spark-kubernetes-driver: driver line 1",
          "spark-kubernetes-driver: driver line 2",
          "spark-kubernetes-driver: driver line 3",
        ],
        "no line lost or printed twice",
      );
      assert.deepEqual(
        lines.filter((l) => l.startsWith("setup-etl")),
        ["setup-etl: bootstrap: fetching code", "setup-etl: bootstrap: ready"],
      );
      assert.deepEqual(res.transitions!.map((t) => t.to).slice(-1), ["COMPLETED"]);
      assert.equal(res.events, undefined, "a completed run does not look for Warning events");
    } finally {
      await p.close();
    }
  },
);

test(
  "submit --wait: a stalled connection (no RST, no bytes) is abandoned by the watch's idle timeout and reopened",
  { skip, timeout: 45_000 },
  async () => {
    const p = await proxiedCluster();
    try {
      const notices: string[] = [];
      let created = false;
      const run = submit(
        clusterInput("stall", "ok", runFor("4s")),
        { kubeconfig: p.kubeconfig, namespace: ns.name, wait: true, watchIdleMs: 600_000 },
        { onAction: () => (created = true), onNotice: (m) => notices.push(m) },
      );
      await eventually("both watches open", async () => created && p.proxy.open() >= 2, 120_000);
      const stalled = p.proxy.stall();
      assert.ok(stalled.count >= 2);
      const res = await run;
      assert.equal(res.outcome, "COMPLETED", res.error?.message);
      assert.ok(
        notices.some((n) => /watch interrupted \(ETIMEDOUT\)/.test(n)),
        `the stall was detected: ${notices.join(" | ")}`,
      );
      assert.ok(stalled.abandoned(), "the client closed every stalled connection instead of leaking it");
    } finally {
      await p.close();
    }
  },
);

test(
  "an API server that refuses connections is an InfraError naming ECONNREFUSED, after the retries",
  { skip, timeout: 60_000 },
  async () => {
    const p = await proxiedCluster();
    try {
      await p.proxy.setMode("refuse");
      const waits: number[] = [];
      await assert.rejects(
        submit(clusterInput("refused", "ok"), {
          kubeconfig: p.kubeconfig,
          namespace: ns.name,
          retry: { attempts: 2, sleep: recordingSleep(waits) },
        }),
        (e: unknown) =>
          e instanceof InfraError &&
          !(e instanceof KubeApiError) &&
          e.exitCode === 3 &&
          /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/.test(e.message),
      );
      assert.equal(waits.length, 1, "retried once before giving up");
      assert.equal(p.proxy.accepted, 0);
    } finally {
      await p.close();
    }
  },
);
