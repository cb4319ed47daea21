// `sparklane exporter` (the CLI) against the real test cluster (test/cluster/), scraped every second by Debian's
// real Prometheus. Two runs go through the real Spark Operator and kwok's stages: a pre-baked one that
// completes and a standard one whose driver fails. The exporter's counters and start-latency histogram, every
// PromQL expression of the shipped Grafana dashboard and every rule of the shipped PrometheusRule are then
// evaluated through Prometheus's query API on that data.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { binPath, runCli } from "../helpers/cli.js";
import {
  dashboardTargets,
  prometheusSkip,
  ruleGroups,
  startPrometheus,
  until,
  type Prometheus,
} from "../helpers/prometheus.js";
import {
  adminKubeconfig,
  jobNamespace,
  realClusterSkip,
  type TestNamespace,
} from "../helpers/real-cluster.js";

const fixtures = fileURLToPath(new URL("../kube/fixtures/", import.meta.url));
const skip = realClusterSkip || prometheusSkip;
const MODULE = "visits_distinct";

let ns: TestNamespace | undefined;
let dir: string;
let exporter: ChildProcess | undefined;
let prom: Prometheus | undefined;

before(async () => {
  if (skip) return;
  ns = await jobNamespace("prom");
  dir = mkdtempSync(join(tmpdir(), "sparklane-cluster-prom-"));
  // The cluster fixture has only the pre-baked template; the same template as the standard variant lets one
  // run carry each variant label (kwok decides the outcome from the task id, not the image).
  const sparkapps = join(dir, "templates", "sparkapps");
  mkdirSync(sparkapps, { recursive: true });
  for (const name of ["generic-spark-app-pre-baked.yaml", "generic-spark-app.yaml"])
    copyFileSync(
      join(fixtures, "cluster-templates", "sparkapps", "generic-spark-app-pre-baked.yaml"),
      join(sparkapps, name),
    );
});

after(async () => {
  await prom?.stop();
  if (exporter && exporter.exitCode === null && exporter.signalCode === null) {
    const exited = new Promise((r) => exporter!.once("exit", r));
    exporter.kill("SIGTERM");
    await exited;
  }
  await ns?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI exporter on a port the OS chooses and returns that port, read from its start-up line. */
async function startExporter(namespace: string): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      binPath,
      "exporter",
      "--kubeconfig",
      adminKubeconfig(),
      "-n",
      namespace,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  exporter = child;
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return until(async () => {
    if (child.exitCode !== null) assert.fail(`sparklane exporter exited ${child.exitCode}: ${err}`);
    const m = /serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(err);
    return m ? Number(m[1]) : undefined;
  }, `sparklane exporter to serve (${err})`);
}

const submitArgs = (task: string, variant: string) => [
  "submit",
  "--conf",
  `${fixtures}daily.json`,
  "--template-dir",
  join(dir, "templates"),
  "--variant",
  variant,
  "--ds",
  "2026-03-15",
  "--task-id",
  task,
  "--kubeconfig",
  adminKubeconfig(),
  "-n",
  ns!.name,
  "--wait",
];

/** Grafana's variables as the dashboard would expand them for this test's data. */
function expand(expr: string, window: string): string {
  return expr
    .replaceAll("$module", MODULE)
    .replaceAll("$variant", "pre-baked|standard")
    .replaceAll("$__rate_interval", window)
    .replaceAll("$__range", window);
}

const num = (s: { value: [number, string] }) => Number(s.value[1]);

test(
  "Prometheus scrapes the CLI exporter on the real cluster; runs, start latency, the dashboard and the alert rules answer in PromQL",
  { skip, timeout: 420_000 },
  async () => {
    const port = await startExporter(ns!.name);
    prom = await startPrometheus(port, dir);
    const started = Date.now();
    const { query } = prom;
    // The exporter's series for this namespace exist from the first scrape, before the runs.
    await until(
      async () => ((await query("sparklane_exporter_synced == 1")).length ? true : undefined),
      "a scrape",
    );

    const [ok, fail] = await Promise.all([
      runCli(submitArgs("ok_prom", "pre-baked"), { timeoutMs: 240_000 }),
      runCli(submitArgs("fail_prom", "standard"), { timeoutMs: 240_000 }),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(fail.code, 1, fail.stderr);

    const runs = await until(async () => {
      const r = await query("sparklane_runs_total");
      return r.reduce((n, s) => n + num(s), 0) === 2 ? r : undefined;
    }, "both runs counted in Prometheus");
    const counted = runs
      .filter((s) => num(s) > 0)
      .map((s) => `${s.metric.module} ${s.metric.variant} ${s.metric.outcome} ${num(s)}`)
      .sort();
    assert.deepEqual(counted, [`${MODULE} pre-baked completed 1`, `${MODULE} standard failed 1`]);

    const count = await until(async () => {
      const r = await query("sum(sparklane_job_start_latency_seconds_count)");
      return r.length && num(r[0]!) === 2 ? 2 : undefined;
    }, "two start latencies in Prometheus");
    assert.equal(count, 2);
    // Creation to driver running: the operator's spark-submit takes seconds here, and both runs ended within
    // the submit timeout, so each latency is above 0 and below 240 s.
    const sum = num((await query("sum(sparklane_job_start_latency_seconds_sum)"))[0]!);
    assert.ok(sum > 0 && sum < 2 * 240, `start latency sum ${sum} s`);
    const byVariant = await query("sum by (variant) (sparklane_job_start_latency_seconds_count)");
    assert.deepEqual(Object.fromEntries(byVariant.map((s) => [s.metric.variant, num(s)])), {
      "pre-baked": 1,
      standard: 1,
    });

    // The dashboard's windows ($__range, $__rate_interval) become one window covering everything Prometheus
    // has scraped, so rate() and increase() see both runs; "Outcomes per hour" keeps its literal [1h], which
    // covers it too. Evaluated now, each expression must parse and return at least one finite sample.
    const window = `${Math.ceil((Date.now() - started) / 1000) + 30}s`;
    const targets = dashboardTargets();
    assert.ok(targets.length >= 10, `${targets.length} dashboard targets`);
    for (const t of targets) {
      const q = expand(t.expr, window);
      const r = await query(q);
      assert.ok(r.length > 0, `dashboard panel "${t.title}" is empty: ${q}`);
      assert.ok(
        r.some((s) => Number.isFinite(num(s))),
        `dashboard panel "${t.title}" has no finite value: ${q} -> ${JSON.stringify(r)}`,
      );
    }
    const inRange = await query(expand(targets.find((t) => t.title === "Runs in range")!.expr, window));
    assert.ok(num(inRange[0]!) > 0, `runs in range ${num(inRange[0]!)}`);

    // The rules need an hour (or a day, for the regression alert) of history to fire, so only their syntax is
    // checked: Prometheus must accept each expression.
    const rules = ruleGroups().flatMap((g) => g.rules);
    assert.ok(rules.length >= 5, `${rules.length} rules`);
    for (const rule of rules) {
      const r = await prom.queryRaw(rule.expr);
      assert.equal(r.status, "success", `${rule.alert ?? rule.record}: ${r.error}`);
    }
  },
);
