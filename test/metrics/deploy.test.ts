// deploy/: the dashboard and alert rules parse, their PromQL is valid (promtool), every metric they use is one
// the exporter really exposes, the alerts fire on the situations they are for, and the Helm values match.
// What the exporter exposes is read from a live scrape on the real test cluster (test/cluster/): one run that
// completes and one whose driver fails, chosen by kwok's stages through the driver's outcome label.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { submit } from "../../src/kube/submit.js";
import { START_LATENCY_BUCKETS } from "../../src/metrics/metrics.js";
import { repoRoot } from "../helpers/cli.js";
import { PROMTOOL, dashboardExprs, ruleGroups } from "../helpers/prometheus.js";
import {
  adminKubeconfig,
  clusterExporter,
  clusterInput,
  eventually,
  jobNamespace,
  realClusterSkip,
} from "../helpers/real-cluster.js";

const noPromtool = existsSync(PROMTOOL) ? false : "promtool (Debian's prometheus package) is not installed";
const deploy = (...p: string[]) => join(repoRoot, "deploy", ...p);

let exposed: Set<string>;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "sparklane-deploy-"));
  if (realClusterSkip) return;
  // The names the exporter really serves, read from a live scrape after one run of each outcome.
  const ns = await jobNamespace("deploy");
  try {
    const exporter = await clusterExporter(ns.name);
    try {
      const opts = { kubeconfig: adminKubeconfig(), namespace: ns.name, wait: true };
      const [ok, ko] = await Promise.all([
        submit(clusterInput("ok", "ok"), opts),
        submit(clusterInput("ko", "fail"), opts),
      ]);
      assert.deepEqual([ok.outcome, ko.outcome], ["COMPLETED", "FAILED"], ko.error?.message);
      // The exporter's own watch sees the ends a moment after submit's.
      const text = await eventually("both runs counted by the exporter", async () => {
        const t = await exporter.scrape();
        const counted = [...t.matchAll(/^sparklane_runs_total\{[^}]*\} (\d+)$/gm)].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
        return counted === 2 && t;
      });
      exposed = new Set(
        text
          .split("\n")
          .filter((l) => l && !l.startsWith("#"))
          .map((l) => l.split(/[{ ]/)[0]!),
      );
    } finally {
      await exporter.stop();
    }
  } finally {
    await ns.remove();
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(sparklane_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

test(
  "every metric the dashboard and the alerts use is exposed by the exporter",
  { skip: realClusterSkip },
  () => {
    const exprs = [...dashboardExprs(), ...ruleGroups().flatMap((g) => g.rules.map((r) => r.expr))];
    assert.ok(exprs.length >= 15, `${exprs.length} expressions`);
    for (const e of exprs) {
      const used = metricsIn(e);
      assert.ok(used.length > 0, `expression uses no sparklane metric: ${e}`);
      for (const m of used)
        assert.ok(
          exposed.has(m),
          `${m} (in ${e}) is not exposed; exposed: ${[...exposed].filter((x) => x.startsWith("sparklane_") && !x.startsWith("sparklane_exporter_process")).join(", ")}`,
        );
    }
  },
);

test("the dashboard answers the question it is for: start latency p50/p95 by variant and module, outcomes, durations", () => {
  const exprs = dashboardExprs().join("\n");
  for (const needle of [
    "histogram_quantile(0.5, sum by (le, variant) (rate(sparklane_job_start_latency_seconds_bucket",
    "histogram_quantile(0.95, sum by (le, module, variant) (rate(sparklane_job_start_latency_seconds_bucket",
    "sum by (outcome, variant) (increase(sparklane_runs_total",
    "sparklane_run_duration_seconds_bucket",
  ]) {
    assert.ok(exprs.includes(needle), needle);
  }
});

test("promtool accepts the alert rules and the dashboard's PromQL", { skip: noPromtool }, () => {
  const rules = join(tmp, "rules.yaml");
  writeFileSync(rules, stringify({ groups: ruleGroups() }));
  let r = spawnSync(PROMTOOL, ["check", "rules", rules], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // Grafana's variables replaced by what they expand to; each expression checked as a recording rule.
  const asRules = dashboardExprs().map((e, i) => ({
    record: `dashboard:expr_${i}`,
    expr: e
      .replaceAll("$__rate_interval", "5m")
      .replaceAll("$__range", "1h")
      .replaceAll("$module", ".*")
      .replaceAll("$variant", ".*"),
  }));
  const dash = join(tmp, "dashboard-rules.yaml");
  writeFileSync(dash, stringify({ groups: [{ name: "dashboard", rules: asRules }] }));
  r = spawnSync(PROMTOOL, ["check", "rules", dash], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test(
  "the alerts fire on a stuck SUBMITTED application and on a high failure rate (promtool test rules)",
  { skip: noPromtool },
  () => {
    const rules = join(tmp, "alerts.yaml");
    writeFileSync(rules, stringify({ groups: ruleGroups() }));
    const unit = {
      rule_files: [rules],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            // One application stuck in SUBMITTED: its age grows 60 s per minute from 10 minutes.
            { series: "sparklane_submitted_oldest_age_seconds", values: "600+60x20" },
            {
              series: 'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="failed"}',
              values: "0+1x30",
            },
            {
              series:
                'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="completed"}',
              values: "0+1x30",
            },
            {
              series: 'sparklane_runs_total{module="healthy",variant="pre-baked",outcome="completed"}',
              values: "0+1x30",
            },
            {
              series: 'sparklane_runs_total{module="healthy",variant="pre-baked",outcome="failed"}',
              values: "0x30",
            },
          ],
          alert_rule_test: [
            { eval_time: "4m", alertname: "SparklaneApplicationStuckSubmitted", exp_alerts: [] },
            {
              eval_time: "10m",
              alertname: "SparklaneApplicationStuckSubmitted",
              exp_alerts: [
                {
                  exp_labels: { severity: "warning" },
                  exp_annotations: {
                    summary: "A SparkApplication has been SUBMITTED for more than 15 minutes",
                    description:
                      "The oldest application in SUBMITTED is 20m 0s old. Its driver pod is probably stuck (ImagePullBackOff, CrashLoopBackOff, failed init container): run `sparklane list --state SUBMITTED` and `sparklane status <name>`.",
                  },
                },
              ],
            },
            {
              eval_time: "20m",
              alertname: "SparklaneFailureRateHigh",
              exp_alerts: [
                {
                  exp_labels: { severity: "warning", module: "visits_distinct" },
                  exp_annotations: {
                    summary: "More than 20% of visits_distinct runs failed in the last hour",
                    description:
                      "Failure ratio 50%. `sparklane list --module <module> --state FAILED` lists them.",
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const file = join(tmp, "alerts.test.yaml");
    writeFileSync(file, stringify(unit));
    const r = spawnSync(PROMTOOL, ["test", "rules", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  },
);

test("spark-operator Helm values: latency buckets, job namespaces, a writable Ivy volume", () => {
  const v = parse(readFileSync(deploy("spark-operator", "values.yaml"), "utf8"));
  assert.equal(v.prometheus.metrics.jobStartLatencyBuckets, START_LATENCY_BUCKETS.join(","));
  assert.equal(v.prometheus.metrics.enable, true);
  assert.ok(Array.isArray(v.spark.jobNamespaces) && v.spark.jobNamespaces.length > 0);
  const ivyMount = v.controller.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/ivy-cache");
  assert.ok(
    ivyMount && ivyMount.readOnly !== true,
    "a writable mount at /ivy-cache, where the templates point spark.jars.ivy",
  );
  assert.ok(
    v.controller.volumes.some(
      (x: { name: string; emptyDir?: unknown }) => x.name === ivyMount.name && x.emptyDir,
    ),
  );
  const template = readFileSync(join(repoRoot, "templates", "sparkapps", "generic-spark-app.yaml"), "utf8");
  assert.match(
    template,
    /spark\.jars\.ivy: "\/ivy-cache"/,
    "the standard template points Ivy at the same path",
  );
  for (const key of v.prometheus.metrics.labels.split(","))
    assert.match(key, /^[a-z0-9-]+$/, `metric label key ${key} maps to a valid Prometheus label name`);
});

test("the exporter's Deployment runs `sparklane exporter` with read-only RBAC and health probes", () => {
  const docs = parseAllDocuments(readFileSync(deploy("prometheus", "exporter.yaml"), "utf8")).map((d) =>
    d.toJS(),
  );
  const kinds = docs.map((d) => d.kind);
  assert.deepEqual(kinds, [
    "ServiceAccount",
    "ClusterRole",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "Deployment",
    "Service",
    "ServiceMonitor",
  ]);
  for (const role of docs.filter((d) => d.kind === "ClusterRole"))
    for (const rule of role.rules) assert.deepEqual(rule.verbs, ["get", "list", "watch"], "read-only");
  const nodes = docs.find((d) => d.kind === "ClusterRoleBinding");
  assert.equal(nodes.roleRef.name, "sparklane-exporter-nodes", "the ledger's node watch is cluster-wide");
  const c = docs.find((d) => d.kind === "Deployment").spec.template.spec.containers[0];
  assert.equal(c.args[0], "exporter");
  assert.equal(c.readinessProbe.httpGet.path, "/healthz");
  assert.equal(c.ports[0].containerPort, Number(c.args[c.args.indexOf("--port") + 1]));
});
