// Integration: Debian's real Prometheus scrapes the exporter while the fake cluster runs jobs, and the start
// latency histogram is checked through PromQL over Prometheus's HTTP API. On the fake server because the test
// places start latencies in chosen buckets (pre-baked under 2 s, standard 2-5 s): on the real operator every
// start includes a spark-submit JVM of 12-25 s, depending on load. Real data through real Prometheus, with every
// dashboard query, is cluster-exporter.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../../src/kube/client.js";
import { submit } from "../../src/kube/submit.js";
import { Exporter } from "../../src/metrics/exporter.js";
import { prometheusSkip as skip, startPrometheus, until, type Prometheus } from "../helpers/prometheus.js";
import { input, startCluster } from "../kube/harness.js";

test(
  "Prometheus scrapes the exporter; PromQL sees start latency by variant",
  { skip, timeout: 180_000 },
  async () => {
    // Standard runs build their venv in the init container (simulated 2.5 s); pre-baked runs do not.
    const c = await startCluster({
      stepMs: 10,
      initDelayMs: (app) => (app.metadata.labels?.["sparklane-variant"] === "standard" ? 2500 : 0),
    });
    const dir = mkdtempSync(join(tmpdir(), "sparklane-prom-"));
    const ctl = new AbortController();
    let prom: Prometheus | undefined;
    try {
      const kube = connect({ kubeconfig: c.kubeconfig });
      const exporter = new Exporter({
        kube,
        namespaces: ["spark"],
        port: 0,
        host: "127.0.0.1",
        signal: ctl.signal,
      });
      const { port } = await exporter.start();
      prom = await startPrometheus(port, dir);
      const { query } = prom;

      const runs = [
        ...[1, 2, 3].map((i) =>
          submit(input({ context: { dagId: "d", taskId: `pb${i}`, ds: "2026-03-15", runId: "r" } }), {
            kubeconfig: c.kubeconfig,
            wait: true,
          }),
        ),
        ...[1, 2].map((i) =>
          submit(
            input({
              context: { dagId: "d", taskId: `std${i}`, ds: "2026-03-15", runId: "r" },
              variant: "standard",
            }),
            { kubeconfig: c.kubeconfig, wait: true },
          ),
        ),
      ];
      for (const r of await Promise.all(runs)) assert.equal(r.outcome, "COMPLETED");

      const counts = await until(async () => {
        const res = await query("sum by (variant) (sparklane_job_start_latency_seconds_count)");
        const byVariant = Object.fromEntries(res.map((s) => [s.metric.variant, Number(s.value[1])]));
        return byVariant["pre-baked"] === 3 && byVariant.standard === 2 ? byVariant : undefined;
      }, "the histogram counts in Prometheus");
      assert.deepEqual(counts, { "pre-baked": 3, standard: 2 });

      const p50 = await query(
        "histogram_quantile(0.5, sum by (le, variant) (sparklane_job_start_latency_seconds_bucket))",
      );
      const q = Object.fromEntries(p50.map((s) => [s.metric.variant, Number(s.value[1])]));
      assert.ok(q["pre-baked"]! <= 2, `pre-baked p50 ${q["pre-baked"]} s`);
      assert.ok(q.standard! > 2 && q.standard! <= 5, `standard p50 ${q.standard} s, in the 2-5 s bucket`);
      const outcomes = await query('sum(sparklane_runs_total{outcome="completed"})');
      assert.equal(Number(outcomes[0]!.value[1]), 5);
      await exporter.stop();
    } finally {
      ctl.abort();
      await prom?.stop();
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
