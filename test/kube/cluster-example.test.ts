// examples/visits-etl submitted for real to the test cluster, both variants, with the built-in templates:
// both reach COMPLETED through the real Spark Operator and its webhook; the test reads back the labels, the
// driver pod's owner reference, and the metrics of sparklane's exporter and of the operator for these runs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { binPath, repoRoot, runCli } from "../helpers/cli.js";
import {
  adminKubeconfig,
  appPath,
  eventually,
  get,
  jobNamespace,
  operatorMetrics,
  realClusterSkip,
  type TestNamespace,
} from "../helpers/real-cluster.js";

const skip = realClusterSkip;
let ns: TestNamespace;
let exporter: ChildProcess | undefined;
let metricsUrl = "";

before(async () => {
  if (skip) return;
  ns = await jobNamespace("example");
  exporter = spawn(
    process.execPath,
    [
      binPath,
      "exporter",
      "--kubeconfig",
      adminKubeconfig(),
      "-n",
      ns.name,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ],
    { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  exporter.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await eventually(
    "the exporter to listen",
    async () => /serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1],
    30_000,
  );
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await eventually(
    "the exporter to sync",
    async () => (await fetch(metricsUrl.replace("metrics", "healthz"))).ok,
    30_000,
  );
});
after(async () => {
  if (exporter) {
    // The exporter stops cleanly on SIGTERM.
    const code = new Promise<number | null>((r) => exporter!.on("close", (c) => r(c)));
    exporter.kill("SIGTERM");
    assert.equal(await code, 0);
  }
  if (!skip) await ns.remove();
});

const submit = (variant: string) =>
  runCli(
    [
      "submit",
      "--project",
      "examples/visits-etl",
      "--conf",
      "examples/visits-etl/triggers/visits-daily.json",
      "--ds",
      "2026-03-15",
      "--variant",
      variant,
      // The variant is not part of the run's identity: two variants of one run need two run ids.
      "--run-id",
      `manual__2026-03-15T00:00:00+00:00-${variant}`,
      "--kubeconfig",
      adminKubeconfig(),
      "-n",
      ns.name,
      "--wait",
      "--output",
      "json",
    ],
    { timeoutMs: 400_000 },
  );

test(
  "examples/visits-etl, both variants, reach COMPLETED on the real operator; labels, owner references, metrics",
  { skip, timeout: 480_000 },
  async () => {
    const [pre, std] = await Promise.all([submit("pre-baked"), submit("standard")]);
    for (const [variant, r] of [
      ["pre-baked", pre],
      ["standard", std],
    ] as const) {
      assert.equal(r.code, 0, `${variant}: ${r.stderr}`);
      const j = JSON.parse(r.stdout) as { name: string; outcome: string };
      assert.equal(j.outcome, "COMPLETED");
      const app = (await get(appPath(ns.name, j.name)))!;
      const labels = app.metadata.labels!;
      assert.equal(labels["etl-module"], "visits_distinct");
      assert.equal(labels["sparklane-variant"], variant);
      assert.equal(labels["airflow-execution-date"], "2026-03-15");
      assert.match(labels["sparklane-run-id"]!, /^[a-z0-9]{10}$/);
      const pod = (await get(`/api/v1/namespaces/${ns.name}/pods/${j.name}-driver`))!;
      for (const k of ["etl-module", "sparklane-variant", "sparklane-run-id", "airflow-dag-id"])
        assert.equal(pod.metadata.labels![k], labels[k], `driver pod label ${k}`);
      assert.equal(pod.metadata.labels!["sparkoperator.k8s.io/app-name"], j.name);
      const owner = pod.metadata.ownerReferences?.find((o) => o.kind === "SparkApplication");
      assert.ok(owner, JSON.stringify(pod.metadata.ownerReferences));
      assert.equal(owner.name, j.name);
      assert.equal(owner.uid, app.metadata.uid);
      // The webhook mounted the JMX config in the driver container, which is why the pod was admitted.
      const driver = (
        pod.spec as { containers: { name: string; volumeMounts?: { name: string }[] }[] }
      ).containers.find((c) => c.name === "spark-kubernetes-driver")!;
      assert.ok(
        driver.volumeMounts?.some((m) => m.name === "jmx-exporter-config"),
        JSON.stringify(driver.volumeMounts),
      );
    }

    const series = (text: string, re: RegExp) => text.split("\n").filter((l) => re.test(l));
    await eventually("the exporter to count both runs", async () => {
      const m = await (await fetch(metricsUrl)).text();
      return (
        series(
          m,
          /^sparklane_runs_total\{module="visits_distinct",variant="(pre-baked|standard)",outcome="completed"[^}]*\} 1$/,
        ).length === 2
      );
    });
    const m = await (await fetch(metricsUrl)).text();
    for (const variant of ["pre-baked", "standard"])
      assert.match(
        m,
        new RegExp(
          `^sparklane_job_start_latency_seconds_count\\{module="visits_distinct",variant="${variant}"[^}]*\\} 1$`,
          "m",
        ),
      );
    // The operator's own metrics carry the cost labels through --metrics-labels (etl-module -> etl_module).
    const op = await operatorMetrics();
    for (const variant of ["pre-baked", "standard"])
      assert.match(
        op,
        new RegExp(
          `^spark_application_success_count\\{etl_module="visits_distinct",sparklane_variant="${variant}"\\} [1-9]`,
          "m",
        ),
      );
  },
);
