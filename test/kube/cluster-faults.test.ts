// Connection faults on the real test cluster: a TCP proxy (test/helpers/tcp-proxy.ts) sits between sparklane
// and the real kube-apiserver and, on command, cuts every connection with a TCP RST, stalls them (holds every
// byte, closes nothing) or refuses new ones. The watches, the log stream and the requests are the real
// server's, through the official client; only the network misbehaves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { binPath, runCli } from "../helpers/cli.js";
import { submit } from "../../src/kube/submit.js";
import { InfraError, KubeApiError } from "../../src/errors.js";
import { recordingSleep } from "./harness.js";
import {
  clusterInput,
  eventually,
  fileNamespace,
  proxiedCluster,
  realClusterSkip,
} from "../helpers/real-cluster.js";

const skip = realClusterSkip;
const ns = fileNamespace("faults");

/** A driver that runs long enough for its log stream to be cut while it is followed. */
const runFor = (d: string) => (m: { spec: { driver: Record<string, unknown> } }) =>
  (m.spec.driver.annotations = { ...(m.spec.driver.annotations as object), "sparklane.test/run-for": d });

test(
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
  { skip, timeout: 240_000 },
  async () => {
    const p = await proxiedCluster();
    try {
      const notices: string[] = [];
      let created = false;
      const run = submit(
        clusterInput("stall", "ok", runFor("4s")),
        { kubeconfig: p.kubeconfig, namespace: ns.name, wait: true, watchIdleMs: 3_000 },
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

test(
  "sparklane exporter: serves /healthz and /metrics through the proxy and stops on SIGTERM; exits 3 when the API refuses at start",
  { skip, timeout: 120_000 },
  async () => {
    const p = await proxiedCluster();
    try {
      const args = [
        "exporter",
        "--kubeconfig",
        p.kubeconfig,
        "-n",
        ns.name,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
      ];
      const child = spawn(process.execPath, [binPath, ...args], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      try {
        const port = await eventually("the exporter to serve", async () =>
          Number(/serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1] ?? 0),
        );
        await eventually(
          "healthy",
          async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200,
        );
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        assert.match(metrics, /^sparklane_exporter_synced 1$/m);
        assert.match(metrics, /# TYPE sparklane_job_start_latency_seconds histogram/);
      } finally {
        child.kill("SIGTERM");
      }
      assert.equal(await exited, 0, stderr);

      // An exporter that never reached the API at start is misconfigured: it says so and exits, not runs on.
      await p.proxy.setMode("refuse");
      const r = await runCli(args, { timeoutMs: 60_000 });
      assert.equal(r.signal, null, `still running after 60 s: ${r.stderr}`);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    } finally {
      await p.close();
    }
  },
);
