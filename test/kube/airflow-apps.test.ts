// Applications Airflow's provider submitted are first-class: status, list, logs and the exporter recognise the
// provider's random name suffix and its dag_id/task_id/run_id/try_number labels. The application is the body
// real Airflow 3.3.2 + cncf.kubernetes 10.25.0 built for the example DAG (fixtures/airflow-submitted.json,
// captured with test/airflow/airflow_render.py; real-airflow.test.ts checks that live bodies keep that shape),
// posted as the provider posts it (with the two changes the real cluster needs, see onCluster) to the real
// test cluster (test/cluster/): the real API server stores it, the real Spark Operator and its webhook run it,
// kwok's stages play its driver pod (no outcome label: it completes). Beside it runs one application sparklane
// submitted. The pure test (originOf, providerLabelValue) needs no cluster.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runCli } from "../helpers/cli.js";
import { connect } from "../../src/kube/client.js";
import { submit } from "../../src/kube/submit.js";
import { GROUP, PLURAL, VERSION } from "../../src/kube/client.js";
import { baseName, originOf, providerLabelValue } from "../../src/kube/airflow.js";
import type { SparkApp } from "../../src/kube/apps.js";
import {
  adminKubeconfig,
  clusterExporter,
  clusterInput,
  eventually,
  jobNamespace,
  realClusterSkip,
  type ClusterExporter,
  type TestNamespace,
} from "../helpers/real-cluster.js";

type Body = SparkApp & { spec: Record<string, unknown> & { driver: Record<string, unknown> } };
const airflowBody = JSON.parse(
  readFileSync(new URL("./fixtures/airflow-submitted.json", import.meta.url), "utf8"),
) as Body;
const airflowName = airflowBody.metadata.name;
const base = baseName(airflowName);

const skip = realClusterSkip;
const T = { skip, timeout: 180_000 };
let ns: TestNamespace | undefined;
let exporter: ClusterExporter | undefined;
let ours: string;
const kc = () => ["--kubeconfig", adminKubeconfig(), "-n", ns!.name];

/**
 * The captured body, as posted to this file's namespace. Two changes, both for the real cluster, and nothing
 * else: the namespace (the provider posts to the namespace of metadata.namespace; this test's is fresh), and a
 * mount of jmx-exporter-config on the driver container. The body was captured from a template that mounted
 * that volume only in the JMX sidecar; the operator's pod webhook adds a spec volume to the pod only when the
 * Spark container mounts it, so the real API server refused the driver pod (`spec.initContainers[1]
 * .volumeMounts[0].name: Not found: "jmx-exporter-config"`): spark-submit failed and the run went to
 * SUBMISSION_FAILED, then FAILED. The added mount is the one templates/sparkapps/ carry since.
 */
function onCluster(body: Body): Body {
  const b = structuredClone(body);
  b.metadata.namespace = ns!.name;
  const mounts = b.spec.driver.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[];
  mounts.push({ name: "jmx-exporter-config", mountPath: "/etc/jmx-exporter", readOnly: true });
  return b;
}

async function post(body: Body): Promise<void> {
  const kube = connect({ kubeconfig: adminKubeconfig() });
  await kube.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: body.metadata.namespace,
    plural: PLURAL,
    body,
  });
}

before(async () => {
  if (skip) return;
  ns = await jobNamespace("airflow");
  exporter = await clusterExporter(ns.name, { processMetrics: false });
  ours = (
    await submit(
      {
        ...clusterInput("t", "ok"),
        context: { dagId: "visits_dag", taskId: "t", ds: "2026-03-15", runId: "manual__x" },
      },
      { kubeconfig: adminKubeconfig(), namespace: ns.name, wait: true },
    )
  ).name;
  await post(onCluster(airflowBody));
});
after(async () => {
  await exporter?.stop();
  await ns?.remove();
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

test(
  "list: --dag-id, --run-id, --try-number and --origin find applications whoever submitted them",
  T,
  async () => {
    const rows = async (...args: string[]) => {
      const r = await runCli(["list", ...kc(), "--output", "json", ...args]);
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
    const text = await runCli(["list", ...kc(), "--origin", "airflow"]);
    assert.match(text.stdout, /BY\s+DAG\s+TRY/);
    assert.match(text.stdout, new RegExp(`${airflowName}.*airflow\\s+generic_spark_etl\\s+1`));
  },
);

test(
  "status and logs take the rendered name and find the application Airflow submitted from it",
  T,
  async () => {
    // The real operator runs it: spark-submit, then kwok's stages start and end its driver pod.
    await eventually("the Airflow-submitted application to complete", async () => {
      const r = await runCli(["status", base, ...kc(), "--output", "json"]);
      return r.code === 0 && JSON.parse(r.stdout).state === "COMPLETED";
    });
    const s = await runCli(["status", base, ...kc()]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`name:\\s+${ns!.name}/${airflowName}\\n`));
    assert.match(s.stdout, new RegExp(`driver pod:\\s+${airflowName}-driver \\(Succeeded\\)`));
    assert.match(
      s.stdout,
      /submitted:\s+Airflow \(SparkKubernetesOperator\): dag generic_spark_etl, task submit_spark_etl, run manual__2026-03-15T0000000000-a85626ccb, try 1/,
    );
    const mine = await runCli(["status", ours, ...kc()]);
    assert.match(mine.stdout, /submitted:\s+sparklane: dag visits_dag, task t, run manual__x/);
    // kwok serves the same log files for every pod (test/cluster/kwok/logs), so the lines cannot tell the two
    // drivers apart; which application a rendered name resolves to is what status asserts above.
    const logs = await runCli(["logs", base, ...kc()]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /^\[setup-etl\] bootstrap: fetching code$/m);
    assert.match(logs.stdout, /^\[spark-kubernetes-driver\] driver line 1$/m);
    // A rendered name Airflow submitted nothing from is not found, not some other application's logs.
    const none = await runCli(["logs", "visits-distinct-20260316", ...kc()]);
    assert.equal(none.code, 2, none.stderr);
    assert.equal(none.stdout, "");
  },
);

test("the exporter counts Airflow's runs with origin=airflow beside sparklane's", T, async () => {
  await eventually("the Airflow run in the exporter", async () =>
    /sparklane_runs_total\{[^}]*origin="airflow"\} 1/.test(await exporter!.scrape()),
  );
  const m = await exporter!.scrape();
  assert.match(
    m,
    /sparklane_runs_total\{module="visits_distinct",variant="pre-baked",outcome="completed",origin="airflow"\} 1/,
  );
  assert.match(
    m,
    /sparklane_runs_total\{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"\} 1/,
  );
});

test(
  "two Airflow tries from one rendered name: status refuses to guess and names both, newest first",
  T,
  async () => {
    const second = onCluster(airflowBody);
    second.metadata.name = `${base}-zz9try02`;
    for (const role of ["driver", "executor"] as const)
      (second.spec[role] as { labels: Record<string, string> }).labels.try_number = "2";
    await post(second);
    const r = await runCli(["status", base, ...kc()]);
    assert.equal(r.code, 2);
    // The first try was created seconds earlier (the tests above waited for it to complete), so the creation
    // times, which have whole seconds, order them.
    assert.match(
      r.stderr,
      new RegExp(`Airflow submitted 2 applications from that name: ${second.metadata.name}, ${airflowName}`),
    );
    const full = await runCli(["status", second.metadata.name, ...kc()]);
    assert.match(full.stdout, /try 2/);
  },
);
