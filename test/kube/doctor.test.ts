// `sparklane doctor` against the real test cluster, each fault made on purpose: a missing namespace, a missing
// driver ServiceAccount, a ServiceAccount without rights, a namespace the operator and its webhook do not
// select, a CRD that lacks fields. A missing CRD and a webhook that is not configured would break the other
// tests sharing that cluster, so they are made on a private control plane started for this file (its own
// state folder and ports; no operator). The pure helpers are tested without any cluster.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";
import { submit } from "../../src/kube/submit.js";
import { KubeApiError } from "../../src/errors.js";
import { applyOperatorCrds } from "../cluster/cluster.js";
import {
  adminKubeconfig,
  admin,
  cluster,
  clusterInput,
  jobNamespace,
  privateClusterSkip,
  realClusterSkip,
  startPrivateCluster,
  type TestNamespace,
} from "../helpers/real-cluster.js";
import {
  fieldPaths,
  matchesSelectorString,
  webhookFinding,
  webhookOnlyFields,
} from "../../src/kube/doctor.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const skip = realClusterSkip;
let good: TestNamespace;
let unwatched: TestNamespace;

before(async () => {
  if (skip) return;
  good = await jobNamespace("doctor");
  unwatched = await jobNamespace("doctor-unwatched", { watched: false });
  // The operator's controller as the Helm chart deploys it, with the arguments its process runs with
  // (test/cluster/cluster.ts), so doctor can read which namespaces it watches.
  await admin().call("POST", `/apis/apps/v1/namespaces/${cluster().operatorNamespace}/deployments`, {
    metadata: { name: "spark-operator-controller", labels: { "app.kubernetes.io/name": "spark-operator" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "spark-operator" } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "spark-operator" } },
        spec: {
          containers: [
            {
              name: "spark-operator-controller",
              image: "docker.io/kubeflow/spark-operator/controller:2.5.2",
              args: ["controller", "start", `--namespace-selector=${cluster().watchLabel}=true`],
            },
          ],
        },
      },
    },
  });
});
after(async () => {
  if (skip) return;
  await good.remove();
  await unwatched.remove();
});

interface Report {
  ok: boolean;
  errors: number;
  findings: { check: string; severity: string; message: string; fix?: string }[];
}
async function doctor(...args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(["doctor", "--kubeconfig", adminKubeconfig(), "--output", "json", ...args]);
  return { code: r.code, report: JSON.parse(r.stdout || "{}") as Report, stderr: r.stderr };
}
const find = (r: Report, check: string) => r.findings.filter((f) => f.check === check);

test("doctor: a job namespace set up as the chart does passes every check", { skip }, async () => {
  const { code, report, stderr } = await doctor("-n", good.name);
  assert.equal(code, 0, stderr + JSON.stringify(report, null, 1));
  assert.deepEqual(
    report.findings.map((f) => [f.check, f.severity]),
    [
      ["crd", "ok"],
      ["namespace", "ok"],
      ["webhook", "ok"],
      ["service-account", "ok"],
      ["rbac", "ok"],
      ["operator", "ok"],
    ],
  );
  const text = await runCli(["doctor", "--kubeconfig", adminKubeconfig(), "-n", good.name]);
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /^ok +crd: the SparkApplication CRD serves v1beta2 with the schema sparklane validates against/m,
  );
  assert.match(text.stdout, /0 errors, 0 warnings \(namespace doctor-\S+ on https:\/\/127\.0\.0\.1:\d+\)\n$/);
});

test("doctor: a missing namespace is an error naming the fix, exit 2", { skip }, async () => {
  const { code, report } = await doctor("-n", "no-such-ns");
  assert.equal(code, 2);
  const [f] = find(report, "namespace");
  assert.equal(f!.severity, "error");
  assert.match(f!.message, /namespace no-such-ns does not exist/);
  assert.match(f!.fix!, /kubectl create namespace no-such-ns/);
});

test("doctor: a missing driver ServiceAccount, and one without rights, are errors", { skip }, async () => {
  const missing = await doctor("-n", good.name, "--service-account", "ghost");
  assert.equal(missing.code, 2);
  const [sa] = find(missing.report, "service-account");
  assert.equal(sa!.severity, "error");
  assert.match(sa!.message, /ServiceAccount \S+\/ghost does not exist/);
  await admin().call("POST", `/api/v1/namespaces/${good.name}/serviceaccounts`, {
    metadata: { name: "powerless" },
  });
  const weak = await doctor("-n", good.name, "--service-account", "powerless");
  assert.equal(weak.code, 2);
  const [rb] = find(weak.report, "rbac");
  assert.equal(rb!.severity, "error");
  assert.match(
    rb!.message,
    /may not create pods, delete pods, watch pods, create services, create configmaps/,
  );
  assert.match(rb!.fix!, /bind powerless to a Role/);
});

test(
  "doctor: a namespace the operator does not watch, where its webhook does not apply either",
  { skip },
  async () => {
    const { code, report } = await doctor("-n", unwatched.name);
    assert.equal(code, 2);
    const [op] = find(report, "operator");
    assert.equal(op!.severity, "error");
    assert.match(op!.message, /does not watch namespace doctor-unwatched-/);
    const [wh] = find(report, "webhook");
    assert.equal(wh!.severity, "error");
    assert.match(
      wh!.message,
      /does not apply to namespace doctor-unwatched-\S+: its namespaceSelector does not match/,
    );
    assert.match(wh!.fix!, /spark\.jobNamespaces/);
  },
);

test(
  "doctor: with a manifest, the webhook-only fields it uses are named where the webhook does not apply",
  { skip },
  async () => {
    const r = await doctor(
      "-n",
      unwatched.name,
      "--conf",
      `${fixtures}daily.json`,
      "--template-dir",
      `${fixtures}cluster-templates`,
    );
    assert.equal(r.code, 2);
    const [wh] = find(r.report, "webhook");
    assert.equal(wh!.severity, "error");
    assert.match(
      wh!.message,
      /this manifest uses spec\.driver\.volumeMounts, spec\.driver\.initContainers, .*silently dropped/,
    );
  },
);

test("doctor: an unreachable API server is exit 3", { skip }, async () => {
  const { writeFileSync, readFileSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const f = join(mkdtempSync(join(tmpdir(), "sparklane-doctor-")), "kubeconfig");
  writeFileSync(
    f,
    readFileSync(adminKubeconfig(), "utf8").replace(
      /server: https:\/\/127\.0\.0\.1:\d+/,
      "server: https://127.0.0.1:9",
    ),
  );
  const r = await runCli(["doctor", "--kubeconfig", f, "-n", "x"]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /cannot reach the Kubernetes API/);
});

test("doctor helpers: webhook-only fields, CRD field paths, namespace selectors", () => {
  assert.deepEqual(
    webhookOnlyFields({
      spec: {
        driver: { env: [{ name: "A" }], cores: 1, volumeMounts: [{ name: "spark-local-dir-1" }] },
        executor: { tolerations: [{ key: "k" }], initContainers: [] },
      },
    }),
    ["spec.driver.env", "spec.executor.tolerations"],
  );
  const paths = fieldPaths(
    {
      properties: { a: { properties: { b: { type: "string" } } }, c: { items: { $ref: "#/$defs/X" } } },
    },
    { X: { properties: { d: {} } } },
  );
  assert.deepEqual([...paths].sort(), ["a", "a.b", "c", "c[].d"]);
  assert.equal(
    matchesSelectorString("team=data,env in (prod,dev),!legacy", { team: "data", env: "dev" }),
    true,
  );
  assert.equal(matchesSelectorString("team=data,env in (prod,dev)", { team: "data", env: "qa" }), false);
  assert.equal(matchesSelectorString("watched", {}), false);
  assert.equal(matchesSelectorString("a!=b", { a: "c" }), true);
});

test("doctor helpers: a pod webhook configuration without a caBundle is an error", () => {
  const hook = {
    metadata: { name: "spark-operator-webhook" },
    webhooks: [
      {
        name: "mutate--v1-pod.sparkoperator.k8s.io",
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        clientConfig: { url: "https://x" },
        rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }],
      },
    ],
  };
  const noCa = webhookFinding([hook], "spark", {}, undefined);
  assert.equal(noCa.severity, "error");
  assert.match(noCa.message, /has no caBundle/);
});

test(
  "doctor on a private control plane: no CRD (and submit's 404 says to install the operator), then CRDs without the operator's webhook",
  { skip: privateClusterSkip, timeout: 240_000 },
  async (t) => {
    const pc = await startPrivateCluster(["--control-plane-only"]);
    t.after(() => pc.stop());
    t.diagnostic(`private control plane up in ${pc.startSeconds.toFixed(1)} s`);
    const ns = await jobNamespace("doctor-private", { api: pc.api });
    const run = (...args: string[]) =>
      runCli(["doctor", "--kubeconfig", pc.info.kubeconfig, "--output", "json", "-n", ns.name, ...args]);

    const noCrd = await run();
    assert.equal(noCrd.code, 2, noCrd.stderr);
    const [crd] = find(JSON.parse(noCrd.stdout) as Report, "crd");
    assert.equal(crd!.severity, "error");
    assert.match(
      crd!.message,
      /the SparkApplication CRD \(sparkapplications\.sparkoperator\.k8s\.io\) is not installed/,
    );
    assert.match(crd!.fix!, /apply its CRDs server-side/);
    await assert.rejects(
      submit(clusterInput("nocrd", "ok"), { kubeconfig: pc.info.kubeconfig, namespace: ns.name }),
      (e: unknown) =>
        e instanceof KubeApiError && e.exitCode === 3 && /Spark Operator installed/.test(e.hint ?? ""),
    );

    // The operator's CRDs, and no webhook: what a Helm install with webhook.enable=false leaves.
    await applyOperatorCrds(pc.api);
    const withManifest = await run(
      "--conf",
      `${fixtures}daily.json`,
      "--template-dir",
      `${fixtures}cluster-templates`,
    );
    assert.equal(withManifest.code, 2, withManifest.stderr);
    const report = JSON.parse(withManifest.stdout) as Report;
    assert.equal(find(report, "crd")[0]!.severity, "ok");
    const [wh] = find(report, "webhook");
    assert.equal(wh!.severity, "error");
    assert.match(
      wh!.message,
      /pod webhook is not configured: .*this manifest uses spec\.driver\.volumeMounts, spec\.driver\.initContainers/,
    );
    assert.match(wh!.fix!, /webhook\.enable=true/);
    // Without a manifest doctor cannot tell what would be dropped, so it is still an error, naming no field.
    const [plain] = find(JSON.parse((await run()).stdout) as Report, "webhook");
    assert.equal(plain!.severity, "error");
    assert.doesNotMatch(plain!.message, /this manifest uses/);
  },
);
