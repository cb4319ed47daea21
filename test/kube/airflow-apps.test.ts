// Applications Airflow's provider submitted are first-class: status, list, logs and the exporter recognise the
// provider's random name suffix and its dag_id/task_id/run_id/try_number labels. The application is the body
// real Airflow 3.3.2 + cncf.kubernetes 10.25.0 built for the example DAG (fixtures/airflow-submitted.json,
// captured with test/airflow/airflow_render.py; real-airflow.test.ts checks that live bodies keep that shape),
// posted to the fake API server as the provider posts it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runCli } from "../helpers/cli.js";
import { connect } from "../../src/kube/client.js";
import { submit } from "../../src/kube/submit.js";
import { GROUP, PLURAL, VERSION } from "../../src/kube/client.js";
import { baseName, originOf, providerLabelValue } from "../../src/kube/airflow.js";
import type { SparkApp } from "../../src/kube/apps.js";
import { Exporter } from "../../src/metrics/exporter.js";
import { input, startCluster, type Cluster } from "./harness.js";

const airflowBody = JSON.parse(
  readFileSync(new URL("./fixtures/airflow-submitted.json", import.meta.url), "utf8"),
) as SparkApp & { spec: Record<string, unknown> };
const airflowName = airflowBody.metadata.name;
const base = baseName(airflowName);

let c: Cluster;
let ours: string;
const ctl = new AbortController();
let metricsPort = 0;

async function post(body: SparkApp): Promise<void> {
  const kube = connect({ kubeconfig: c.kubeconfig });
  await kube.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: body.metadata.namespace,
    plural: PLURAL,
    body,
  });
}

async function until(fn: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

before(async () => {
  c = await startCluster({ stepMs: 10 });
  const exporter = new Exporter({
    kube: connect({ kubeconfig: c.kubeconfig }),
    namespaces: ["spark"],
    port: 0,
    host: "127.0.0.1",
    signal: ctl.signal,
    processMetrics: false,
  });
  metricsPort = (await exporter.start()).port;
  await until(
    async () => (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status === 200,
    "exporter",
  );
  ours = (
    await submit(
      input({ context: { dagId: "visits_dag", taskId: "t", ds: "2026-03-15", runId: "manual__x" } }),
      {
        kubeconfig: c.kubeconfig,
        wait: true,
      },
    )
  ).name;
  await post(airflowBody);
});
after(async () => {
  ctl.abort();
  await c.close();
});

test("originOf reads the provider's labels, and its label values are the provider's make_safe_label_value", () => {
  assert.deepEqual(originOf(airflowBody), {
    origin: "airflow",
    dagId: "generic_spark_etl",
    taskId: "submit_spark_etl",
    runId: "manual__2026-03-15T0000000000-a85626ccb",
    tryNumber: 1,
    mapIndex: undefined,
  });
  // the value real Airflow wrote for run_id manual__2026-03-15T00:00:00+00:00
  assert.equal(
    providerLabelValue("manual__2026-03-15T00:00:00+00:00"),
    "manual__2026-03-15T0000000000-a85626ccb",
  );
  assert.equal(providerLabelValue("generic_spark_etl"), "generic_spark_etl");
  assert.match(airflowName, /^visits-distinct-20260315-[a-z0-9]{8}$/);
  assert.equal(base, "visits-distinct-20260315");
  assert.equal(originOf({ metadata: { name: "x", namespace: "n" } }).origin, "unknown");
});

test("list: --dag-id, --run-id, --try-number and --origin find applications whoever submitted them", async () => {
  const rows = async (...args: string[]) => {
    const r = await runCli(["list", "--kubeconfig", c.kubeconfig, "--output", "json", ...args]);
    assert.equal(r.code, 0, r.stderr);
    return (
      JSON.parse(r.stdout) as Array<{ name: string; origin: string; tryNumber?: number; dag?: string }>
    ).map((x) => `${x.name} ${x.origin} ${x.dag} ${x.tryNumber ?? "-"}`);
  };
  assert.deepEqual(
    (await rows()).sort(),
    [`${airflowName} airflow generic_spark_etl 1`, `${ours} sparklane visits_dag -`].sort(),
  );
  assert.deepEqual(await rows("--dag-id", "generic_spark_etl"), [
    `${airflowName} airflow generic_spark_etl 1`,
  ]);
  assert.deepEqual(await rows("--dag", "visits_dag"), [`${ours} sparklane visits_dag -`]);
  assert.deepEqual(await rows("--run-id", "manual__2026-03-15T00:00:00+00:00"), [
    `${airflowName} airflow generic_spark_etl 1`,
  ]);
  assert.deepEqual(await rows("--run-id", "manual__x"), [`${ours} sparklane visits_dag -`]);
  assert.deepEqual(await rows("--origin", "sparklane"), [`${ours} sparklane visits_dag -`]);
  assert.deepEqual(await rows("--try-number", "2"), []);
  const text = await runCli(["list", "--kubeconfig", c.kubeconfig, "--origin", "airflow"]);
  assert.match(text.stdout, /BY\s+DAG\s+TRY/);
  assert.match(text.stdout, new RegExp(`${airflowName}.*airflow\\s+generic_spark_etl\\s+1`));
});

test("status and logs take the rendered name and find the application Airflow submitted from it", async () => {
  await until(async () => {
    const r = await runCli(["status", base, "--kubeconfig", c.kubeconfig, "--output", "json"]);
    return r.code === 0 && JSON.parse(r.stdout).state === "COMPLETED";
  }, "the Airflow-submitted application to complete");
  const s = await runCli(["status", base, "--kubeconfig", c.kubeconfig]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, new RegExp(`name:\\s+spark/${airflowName}\\n`));
  assert.match(
    s.stdout,
    /submitted:\s+Airflow \(SparkKubernetesOperator\): dag generic_spark_etl, task submit_spark_etl, run manual__2026-03-15T0000000000-a85626ccb, try 1/,
  );
  const mine = await runCli(["status", ours, "--kubeconfig", c.kubeconfig]);
  assert.match(mine.stdout, /submitted:\s+sparklane: dag visits_dag, task t, run manual__x/);
  const logs = await runCli(["logs", base, "--kubeconfig", c.kubeconfig]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, new RegExp(`\\[setup-etl\\] bootstrap: fetching ${airflowName} code`));
  assert.match(logs.stdout, /\[spark-kubernetes-driver\] driver line 1/);
});

test("the exporter counts Airflow's runs with origin=airflow beside sparklane's", async () => {
  await until(
    async () => /sparklane_runs_total\{[^}]*origin="airflow"\} 1/.test(await scrape()),
    "the Airflow run in the exporter",
  );
  const m = await scrape();
  assert.match(
    m,
    /sparklane_runs_total\{module="visits_distinct",variant="pre-baked",outcome="completed",origin="airflow"\} 1/,
  );
  assert.match(
    m,
    /sparklane_runs_total\{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"\} 1/,
  );
});

test("two Airflow tries from one rendered name: status refuses to guess and names both, newest first", async () => {
  const second = structuredClone(airflowBody);
  second.metadata.name = `${base}-zz9try02`;
  for (const role of ["driver", "executor"] as const)
    (second.spec[role] as { labels: Record<string, string> }).labels.try_number = "2";
  await post(second);
  const r = await runCli(["status", base, "--kubeconfig", c.kubeconfig]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(`Airflow submitted 2 applications from that name: .*${second.metadata.name}`),
  );
  assert.match(r.stderr, new RegExp(airflowName));
  const full = await runCli(["status", second.metadata.name, "--kubeconfig", c.kubeconfig]);
  assert.match(full.stdout, /try 2/);
});
