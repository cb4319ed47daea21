// The exporter on the real test cluster while its connections misbehave: a TCP proxy in front of the real
// kube-apiserver (test/helpers/tcp-proxy.ts) cuts the exporter's watches with RSTs again and again, stalls them,
// and refuses connections for a while (the API server "gone"), while runs go through the real Spark Operator.
// Every run must be counted exactly once; history (runs that ended before the exporter started) never.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../../src/kube/client.js";
import { realSleep } from "../../src/kube/retry.js";
import { submit } from "../../src/kube/submit.js";
import { Exporter } from "../../src/metrics/exporter.js";
import {
  admin,
  adminKubeconfig,
  appPath,
  clusterInput,
  eventually,
  fileNamespace,
  list,
  proxiedCluster,
  realClusterSkip,
} from "../helpers/real-cluster.js";

const skip = realClusterSkip;
const ns = fileNamespace("exp-faults");

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ")[1]) : 0;
}
const runs = (outcome: string) =>
  `sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="${outcome}",origin="sparklane"}`;
const restarts = (m: string) =>
  m
    .split("\n")
    .filter((l) => l.startsWith("sparklane_exporter_watch_restarts_total{") && l.includes('reason="error"'))
    .reduce((n, l) => n + Number(l.split(" ")[1]), 0);

test(
  "exporter: watches cut, stalled and refused while runs go through the real operator; each run counted once, history never",
  { skip, timeout: 360_000 },
  async () => {
    const direct = () => ({ kubeconfig: adminKubeconfig(), namespace: ns.name });
    // History: a run that ended before the exporter started is in the state gauge, not counted as a run.
    const old = await submit(clusterInput("old", "ok"), { ...direct(), wait: true });
    assert.equal(old.outcome, "COMPLETED", old.error?.message);

    const p = await proxiedCluster();
    const ctl = new AbortController();
    const exporter = new Exporter({
      kube: connect({ kubeconfig: p.kubeconfig }),
      namespaces: [ns.name],
      port: 0,
      host: "127.0.0.1",
      signal: ctl.signal,
      processMetrics: false,
      // One hour ahead, so an application stuck in SUBMITTED shows its age.
      now: () => Date.now() + 3_600_000,
      // Backoff capped at 200 ms: the outage is short and the test waits on its end.
      sleep: (ms, signal) => realSleep(Math.min(ms, 200), signal),
      watchIdleMs: 3_000,
    });
    try {
      const { port } = await exporter.start();
      const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await eventually("synced", async () => exporter.healthy);
      let m = await scrape();
      assert.equal(value(m, 'sparklane_applications{state="COMPLETED"}'), 1);
      assert.equal(value(m, runs("completed")), 0);

      // Two runs through the operator (sparklane's own submits go direct; only the exporter is behind the proxy).
      let finished = 0;
      const both = Promise.all([
        submit(
          clusterInput(
            "exp_ok",
            "ok",
            (a) => (a.spec.driver.annotations = { "sparklane.test/run-for": "6s" }),
          ),
          {
            ...direct(),
            wait: true,
          },
        ),
        submit(clusterInput("exp_fail", "fail"), { ...direct(), wait: true }),
      ]).finally(() => (finished = 1));
      // Faults for as long as the runs last (bounded: 300 steps of 500 ms): a stall (left alone for 4.5 s, longer
      // than the idle timeout), then an outage of 3 s during which the API server refuses connections and a
      // stuck run is created, then RSTs every other step.
      let stalled: ReturnType<typeof p.proxy.stall> | undefined;
      let stuckName = "";
      for (let i = 0; i < 300 && !finished; i++) {
        if (i === 2) stalled = p.proxy.stall();
        else if (i === 12) {
          await p.proxy.setMode("refuse");
          p.proxy.cut();
          stuckName = (await submit(clusterInput("exp_stuck", "image-pull"), direct())).name;
        } else if (i === 18) await p.proxy.setMode("forward");
        else if (i > 18 && i % 2 === 0) p.proxy.cut();
        await new Promise((r) => setTimeout(r, 500));
      }
      await p.proxy.setMode("forward");
      const [ok, fail] = await both;
      assert.equal(ok.outcome, "COMPLETED", ok.error?.message);
      assert.equal(fail.outcome, "FAILED", fail.error?.message);
      assert.ok(stuckName, "the runs outlasted the outage");
      assert.ok(stalled!.abandoned(), "the stalled watches were abandoned, not leaked");
      assert.ok(stalled && stalled.count >= 2, "the stall hit the open watches");

      await eventually(
        "both runs counted",
        async () => {
          const t = await scrape();
          return value(t, runs("completed")) + value(t, runs("failed")) >= 2;
        },
        60_000,
      );
      // A last cut after the counts settled: a re-list must not count anything again.
      const before = restarts(await scrape());
      p.proxy.cut();
      await eventually(
        "the watches reopened after the last cut",
        async () => restarts(await scrape()) > before && exporter.healthy,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      m = await scrape();
      assert.equal(value(m, runs("completed")), 1, "the completed run, once");
      assert.equal(value(m, runs("failed")), 1, "the failed run, once");
      assert.equal(
        value(
          m,
          'sparklane_job_start_latency_seconds_count{module="visits_distinct",variant="pre-baked",origin="sparklane"}',
        ),
        2,
        "one start latency per run that reached RUNNING",
      );
      assert.equal(
        value(
          m,
          'sparklane_run_duration_seconds_count{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"}',
        ),
        1,
      );
      assert.doesNotMatch(
        m,
        /manual__|exp_ok|visits_distinct_daily|config\/dev/,
        "no run ids or payload values in labels",
      );
      assert.equal(value(m, 'sparklane_applications{state="COMPLETED"}'), 2);
      assert.equal(value(m, 'sparklane_applications{state="FAILED"}'), 1);
      assert.ok(restarts(m) >= 3, `watch restarts counted: ${restarts(m)}`);
      // The run created while the API server refused connections was seen after the outage; it is stuck in
      // SUBMITTED (its driver cannot pull its image), an hour old by the exporter's clock.
      await eventually(
        "the oldest SUBMITTED age",
        async () => value(await scrape(), "sparklane_submitted_oldest_age_seconds") >= 3600,
        60_000,
      );

      // Deleting the applications empties the state gauge.
      for (const a of await list(appPath(ns.name)))
        await admin().call("DELETE", appPath(ns.name, a.metadata.name));
      await eventually(
        "the gauge after the deletes",
        async () => {
          const t = await scrape();
          return (
            value(t, 'sparklane_applications{state="COMPLETED"}') === 0 &&
            value(t, 'sparklane_applications{state="SUBMITTED"}') === 0
          );
        },
        60_000,
      );
    } finally {
      ctl.abort();
      await exporter.stop();
      await p.close();
    }
  },
);
