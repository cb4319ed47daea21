// Integration: Debian's real Prometheus scrapes the exporter while the fake cluster runs jobs, and the start
// latency histogram is checked through PromQL over Prometheus's HTTP API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../../src/kube/client.js";
import { submit } from "../../src/kube/submit.js";
import { Exporter } from "../../src/metrics/exporter.js";
import { input, startCluster } from "../kube/harness.js";

const PROMETHEUS = "/usr/bin/prometheus";
const skip = existsSync(PROMETHEUS)
  ? false
  : "Debian's prometheus is not installed (apt-get install prometheus)";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function query(
  promPort: number,
  q: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    error?: string;
  };
  assert.equal(body.status, "success", body.error);
  return body.data.result;
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, tries = 240): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

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
    let prom: ReturnType<typeof spawn> | undefined;
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
      writeFileSync(
        join(dir, "prometheus.yml"),
        [
          "global:",
          "  scrape_interval: 1s",
          "scrape_configs:",
          "  - job_name: sparklane",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${port}"]`,
          "",
        ].join("\n"),
      );
      const check = spawnSync("/usr/bin/promtool", ["check", "config", join(dir, "prometheus.yml")], {
        encoding: "utf8",
      });
      assert.equal(check.status ?? 0, 0, check.stdout + check.stderr);
      // Prometheus cannot report a port it chose itself, so a free port is picked and may be taken before
      // Prometheus binds it: then it exits with "address already in use" and is started again on another.
      let promPort = 0;
      for (let attempt = 1; ; attempt++) {
        promPort = await freePort();
        const child = spawn(
          PROMETHEUS,
          [
            `--config.file=${join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
            "--log.level=warn",
          ],
          {
            stdio: ["ignore", "ignore", "pipe"],
          },
        );
        prom = child;
        let promErr = "";
        child.stderr!.on("data", (d: Buffer) => (promErr += d.toString()));
        const exited = new Promise<"exited">((r) => child.once("exit", () => r("exited")));
        const ready = until(
          async () =>
            child.exitCode !== null
              ? false
              : (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok
                ? true
                : undefined,
          `prometheus ready (${promErr})`,
        );
        const outcome = await Promise.race([ready, exited]);
        if (outcome === true) break;
        if (!/address already in use/.test(promErr) || attempt >= 5)
          assert.fail(`prometheus exited: ${promErr}`);
      }

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
        const res = await query(promPort, "sum by (variant) (sparklane_job_start_latency_seconds_count)");
        const byVariant = Object.fromEntries(res.map((s) => [s.metric.variant, Number(s.value[1])]));
        return byVariant["pre-baked"] === 3 && byVariant.standard === 2 ? byVariant : undefined;
      }, "the histogram counts in Prometheus");
      assert.deepEqual(counts, { "pre-baked": 3, standard: 2 });

      const p50 = await query(
        promPort,
        "histogram_quantile(0.5, sum by (le, variant) (sparklane_job_start_latency_seconds_bucket))",
      );
      const q = Object.fromEntries(p50.map((s) => [s.metric.variant, Number(s.value[1])]));
      assert.ok(q["pre-baked"]! <= 2, `pre-baked p50 ${q["pre-baked"]} s`);
      assert.ok(q.standard! > 2 && q.standard! <= 5, `standard p50 ${q.standard} s, in the 2-5 s bucket`);
      const outcomes = await query(promPort, 'sum(sparklane_runs_total{outcome="completed"})');
      assert.equal(Number(outcomes[0]!.value[1]), 5);
      await exporter.stop();
    } finally {
      ctl.abort();
      if (prom && prom.exitCode === null) {
        const exited = new Promise((r) => prom!.once("exit", r));
        prom.kill("SIGTERM");
        await exited;
      }
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
