// The ledger fed on the real test cluster (test/cluster/: a real API server, scheduler, controller manager, the
// real Spark Operator, kwok): the exporter given a SQLite ledger watches two runs (kwok's outcome label makes
// one complete and one fail), each with a driver and two executors (cluster-run.ts), and the ledger must hold
// the applications, their pods with node, requests and times, and the outcomes. Then `sparklane submit --wait
// --ledger` (the built CLI) records its own run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "../../src/kube/client.js";
import { openLedger } from "../../src/ledger/open.js";
import { Exporter } from "../../src/metrics/exporter.js";
import { spawn } from "node:child_process";
import { binPath, runCli } from "../helpers/cli.js";
import {
  adminKubeconfig,
  jobNamespace,
  realClusterSkip,
  type TestNamespace,
} from "../helpers/real-cluster.js";
import { clusterRun, EXECUTORS } from "./cluster-run.js";

const skip = realClusterSkip;
const MiB = 2 ** 20;
let ns: TestNamespace;
let dir: string;
before(async () => {
  if (skip) return;
  ns = await jobNamespace("ledger");
  dir = mkdtempSync(join(tmpdir(), "sparklane-ledger-cluster-"));
});
after(async () => {
  if (skip) return;
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "the exporter records apps, driver and executor pods with node, requests, times and outcome",
  { skip },
  async () => {
    const path = join(dir, "exporter.db");
    const ledger = await openLedger(path);
    const logs: string[] = [];
    const exporter = new Exporter({
      kube: connect({ kubeconfig: adminKubeconfig() }),
      namespaces: [ns.name],
      host: "127.0.0.1",
      port: 0,
      processMetrics: false,
      ledger,
      ledgerFlushMs: 200,
      onLog: (m) => logs.push(m),
    });
    await exporter.start();
    let runs: Awaited<ReturnType<typeof clusterRun>>[];
    try {
      runs = [
        await clusterRun(ns.name, { tag: "exp-ok", outcome: "ok" }),
        await clusterRun(ns.name, { tag: "exp-fail", outcome: "fail" }),
      ];
      // The executors' deletion and the driver's end reach the exporter's own watch a moment later.
      for (let i = 0; i < 100; i++) {
        const { pods } = await ledger.podsInWindow({ start: 0, end: Date.now() + 60_000 });
        if (pods.filter((p) => p.role === "executor" && p.deletedAt !== undefined).length === 2 * EXECUTORS)
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await exporter.stop();
    }
    assert.equal(exporter.recorder?.stats.failedWrites, 0, logs.join("\n"));
    const apps = await ledger.listApps();
    const { pods } = await ledger.podsInWindow({ start: 0, end: Date.now() + 60_000 });
    await ledger.close();
    for (const [i, want] of [
      ["completed", "COMPLETED"],
      ["failed", "FAILED"],
    ].entries()) {
      const name = runs[i].result.name;
      const app = apps.find((a) => a.name === name);
      assert.ok(app, `${name} is in the ledger`);
      assert.equal(app.source, "exporter");
      assert.deepEqual([app.outcome, app.state], want);
      assert.equal(app.attribution.dag, "ledger_dag");
      assert.equal(app.attribution.module, "visits_distinct");
      assert.equal(app.attribution.variant, "pre-baked");
      assert.ok(app.submittedAt! >= app.createdAt && app.runningAt! >= app.submittedAt!);
      assert.ok(app.terminatedAt! >= app.runningAt!);
      assert.equal(app.startLatencySeconds, (app.runningAt! - app.createdAt) / 1000);
      const mine = pods.filter((p) => p.appUid === app.uid);
      const driver = mine.find((p) => p.role === "driver");
      assert.ok(driver, "the driver pod");
      assert.equal(driver.name, `${name}-driver`);
      assert.equal(driver.node, "kwok-node-0");
      assert.deepEqual(
        [driver.cpuCores, driver.memoryBytes],
        [1, 1433 * MiB],
        "spark-submit's driver request",
      );
      assert.ok(
        driver.scheduledAt! <= driver.mainStartedAt! && driver.mainStartedAt! <= driver.mainFinishedAt!,
      );
      assert.equal(driver.mainStartedAt, app.runningAt);
      const executors = mine
        .filter((p) => p.role === "executor")
        .sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(
        executors.map((p) => p.name),
        runs[i].executors,
      );
      for (const e of executors) {
        assert.equal(e.node, "kwok-node-0");
        assert.deepEqual([e.cpuCores, e.memoryBytes], [2, 1408 * MiB], "init container's cpu, main's memory");
        assert.ok(e.mainStartedAt! >= e.scheduledAt! && e.deletedAt! >= e.mainStartedAt!, JSON.stringify(e));
      }
    }
    const [node] = await openLedger(path).then(async (l) => {
      const n = await l.nodesInWindow({ start: 0, end: Date.now() + 60_000 });
      await l.close();
      return n;
    });
    assert.deepEqual([node.name, node.cpuCores, node.memoryBytes], ["kwok-node-0", 32, 256 * 2 ** 30]);
  },
);

const fixtures = fileURLToPath(new URL("../kube/fixtures/", import.meta.url));

test(
  "`sparklane submit --wait --ledger` records its run (source submit); --no-ledger does not",
  { skip },
  async () => {
    const path = join(dir, "submit.db");
    const args = (task: string, ...extra: string[]) => [
      "submit",
      "--conf",
      `${fixtures}daily.json`,
      "--template-dir",
      `${fixtures}cluster-templates`,
      "--ds",
      "2026-03-15",
      "--task-id",
      task,
      "--kubeconfig",
      adminKubeconfig(),
      "-n",
      ns.name,
      "--wait",
      ...extra,
    ];
    const failed = await runCli(args("fail_ledger", "--ledger", path), { timeoutMs: 240_000 });
    assert.equal(failed.code, 1, failed.stderr);
    const skipped = await runCli(args("ok_noledger", "--no-ledger"), {
      timeoutMs: 240_000,
      env: { SPARKLANE_LEDGER: path },
    });
    assert.equal(skipped.code, 0, skipped.stderr);
    const ledger = await openLedger(path);
    const apps = await ledger.listApps();
    const { pods } = await ledger.podsInWindow({ start: 0, end: Date.now() + 60_000 });
    await ledger.close();
    assert.deepEqual(
      apps.map((a) => [a.source, a.attribution.task, a.state, a.outcome]),
      [["submit", "fail_ledger", "FAILED", "failed"]],
    );
    const [driver] = pods;
    assert.equal(pods.length, 1);
    assert.deepEqual([driver.role, driver.appUid, driver.node], ["driver", apps[0].uid, "kwok-node-0"]);
    assert.ok(driver.mainStartedAt !== undefined && driver.mainFinishedAt !== undefined);
    assert.equal(apps[0].startLatencySeconds, (driver.mainStartedAt - apps[0].createdAt) / 1000);
  },
);

test(
  "`sparklane exporter --ledger`: a run watched by the CLI daemon is in the ledger after SIGTERM",
  { skip },
  async () => {
    const path = join(dir, "cli-exporter.db");
    const child = spawn(
      process.execPath,
      [
        binPath,
        "exporter",
        "--kubeconfig",
        adminKubeconfig(),
        "-n",
        ns.name,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--ledger",
        path,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      for (let i = 0; i < 300 && !/serving http:/.test(err); i++) {
        if (child.exitCode !== null) assert.fail(`exporter exited ${child.exitCode}: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const { result } = await clusterRun(ns.name, { tag: "cli-exp", outcome: "ok" });
      // Its own watch may be a moment behind the submitter's: read the ledger (WAL: readers do not block it).
      for (let i = 0; i < 300; i++) {
        const l = await openLedger(path);
        const seen = (await l.listApps()).find((a) => a.name === result.name)?.outcome;
        await l.close();
        if (seen) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill("SIGTERM");
      assert.equal(await exited, 0, err);
      const ledger = await openLedger(path);
      const app = (await ledger.listApps()).find((a) => a.name === result.name);
      const { pods } = await ledger.podsInWindow({ start: 0, end: Date.now() + 60_000 });
      await ledger.close();
      assert.ok(app, err);
      assert.deepEqual([app.source, app.outcome], ["exporter", "completed"]);
      assert.equal(pods.filter((p) => p.appUid === app.uid).length, 1 + EXECUTORS);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  },
);
