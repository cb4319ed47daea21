import { test } from "node:test";
import assert from "node:assert/strict";
import { checkManifest, checkRules, k8s } from "../../src/manifest/index.js";
import { build, issues, seedDoc, type Doc } from "./helpers.js";

const ruleIssues = (mutate: (d: Doc) => void) => issues(mutate).filter((i) => i.step === "rules");

test("the seed renders break no operator rule", () => {
  for (const name of ["visits-daily", "visits-mem-intensive", "visits-standard-image"])
    assert.deepEqual(checkRules(seedDoc(name)), []);
});

const long = (n: number) => "a".repeat(n);

const REFUSED: Array<{ name: string; mutate: (d: Doc) => void; path: string; message: RegExp }> = [
  {
    name: "a name with an underscore",
    mutate: (d) => (d.metadata.name = "visits_distinct-20260315"),
    path: "metadata.name",
    message: /DNS-1035/,
  },
  {
    name: "a name starting with a digit",
    mutate: (d) => (d.metadata.name = "1visits"),
    path: "metadata.name",
    message: /starting with a letter/,
  },
  {
    name: "a name of 64 characters",
    mutate: (d) => (d.metadata.name = long(64)),
    path: "metadata.name",
    message: /at most 63 characters, found 64/,
  },
  {
    name: "no name at all",
    mutate: (d) => delete d.metadata.name,
    path: "metadata",
    message: /metadata\.name is missing/,
  },
  {
    name: "a bad namespace",
    mutate: (d) => (d.metadata.namespace = "Spark"),
    path: "metadata.namespace",
    message: /DNS-1123/,
  },
  {
    name: "a label key with a space",
    mutate: (d) => (d.metadata.labels["bad key"] = "x"),
    path: 'metadata.labels["bad key"]',
    message: /label key "bad key"/,
  },
  {
    name: "a label key prefix that is not a DNS subdomain",
    mutate: (d) => (d.spec.driver.labels["Example.COM/x"] = "y"),
    path: 'spec.driver.labels["Example.COM/x"]',
    message: /prefix must be a DNS subdomain/,
  },
  {
    name: "a label key name of 64 characters",
    mutate: (d) => (d.spec.executor.labels[long(64)] = "y"),
    path: `spec.executor.labels.${long(64)}`,
    message: /at most 63/,
  },
  {
    name: "a label key prefix of 254 characters",
    mutate: (d) => (d.metadata.labels[`${long(254)}/x`] = "y"),
    path: `metadata.labels["${long(254)}/x"]`,
    message: /at most 253/,
  },
  {
    name: "a label value of 64 characters",
    mutate: (d) => (d.metadata.labels.x = long(64)),
    path: "metadata.labels.x",
    message: /label value .* at most 63/,
  },
  {
    name: "a label value ending in '-'",
    mutate: (d) => (d.spec.executor.labels["etl-module"] = "visits-"),
    path: "spec.executor.labels.etl-module",
    message: /starting and ending with a letter or digit/,
  },
  {
    name: "a node selector value with a slash",
    mutate: (d) => (d.spec.executor.nodeSelector.dedicated = "a/b"),
    path: "spec.executor.nodeSelector.dedicated",
    message: /node selector value/,
  },
  {
    name: "an annotation key with two slashes",
    mutate: (d) => (d.spec.driver.annotations["a/b/c"] = "x"),
    path: 'spec.driver.annotations["a/b/c"]',
    message: /annotation key/,
  },
  {
    name: "spark.master in sparkConf",
    mutate: (d) => (d.spec.sparkConf["spark.master"] = "local[*]"),
    path: 'spec.sparkConf["spark.master"]',
    message: /refused by the operator's webhook/,
  },
  {
    name: "spark.kubernetes.driver.master",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.driver.master"] = "x"),
    path: 'spec.sparkConf["spark.kubernetes.driver.master"]',
    message: /webhook/,
  },
  {
    name: "the container image key",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.container.image"] = "x"),
    path: 'spec.sparkConf["spark.kubernetes.container.image"]',
    message: /webhook/,
  },
  {
    name: "the executor image key",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.executor.container.image"] = "x"),
    path: 'spec.sparkConf["spark.kubernetes.executor.container.image"]',
    message: /webhook/,
  },
  {
    name: "a service account key",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.authenticate.driver.serviceAccountName"] = "admin"),
    path: 'spec.sparkConf["spark.kubernetes.authenticate.driver.serviceAccountName"]',
    message: /webhook/,
  },
  {
    name: "an oauth token",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.authenticate.submission.oauthToken"] = "t"),
    path: 'spec.sparkConf["spark.kubernetes.authenticate.submission.oauthToken"]',
    message: /webhook/,
  },
  {
    name: "an oauth token file",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.authenticate.executor.oauthTokenFile"] = "/t"),
    path: 'spec.sparkConf["spark.kubernetes.authenticate.executor.oauthTokenFile"]',
    message: /webhook/,
  },
  {
    name: "a foreign spark.kubernetes.namespace",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.namespace"] = "kube-system"),
    path: 'spec.sparkConf["spark.kubernetes.namespace"]',
    message: /must equal metadata\.namespace "spark", found "kube-system"/,
  },
  {
    name: "spec and role node selectors together",
    mutate: (d) => (d.spec.nodeSelector = { a: "b" }),
    path: "spec.executor.nodeSelector",
    message: /cannot both be set/,
  },
  {
    name: "a memory with a bad unit",
    mutate: (d) => (d.spec.driver.memory = "20gib"),
    path: "spec.driver.memory",
    message: /Spark memory size.*found "20gib"/,
  },
  {
    name: "a memory with a space",
    mutate: (d) => (d.spec.executor.memory = "22 g"),
    path: "spec.executor.memory",
    message: /Spark memory size/,
  },
  {
    name: "a memory overhead in Kubernetes units",
    mutate: (d) => (d.spec.executor.memoryOverhead = "2Gi"),
    path: "spec.executor.memoryOverhead",
    message: /Spark memory size/,
  },
  {
    name: "a pod template with Spark 2",
    mutate: (d) => (
      (d.spec.sparkVersion = "2.4.8"),
      (d.spec.driver.template = { metadata: { labels: { a: "b" } } })
    ),
    path: "spec.driver.template",
    message: /sparkVersion 3\.0\.0 or later, found "2\.4\.8"/,
  },
  {
    name: "an affinity weight of 0",
    mutate: (d) =>
      (d.spec.executor.affinity = {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 0, preference: { matchExpressions: [] } },
          ],
        },
      }),
    path: "spec.executor.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
    message: /from 1 to 100, found 0/,
  },
  {
    name: "an affinity weight of 101",
    mutate: (d) =>
      (d.spec.executor.affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 101, podAffinityTerm: { topologyKey: "k" } },
          ],
        },
      }),
    path: "spec.executor.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
    message: /from 1 to 100, found 101/,
  },
  {
    name: "an unknown affinity operator",
    mutate: (d) => (d.spec.executor.affinity = nodeExpr({ key: "a", operator: "Like", values: ["x"] })),
    path: "spec.executor.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
    message: /expected one of In, NotIn, Exists, DoesNotExist, Gt, Lt, found "Like"/,
  },
  {
    name: "In without values",
    mutate: (d) => (d.spec.executor.affinity = nodeExpr({ key: "a", operator: "In", values: [] })),
    path: "spec.executor.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
    message: /In needs at least one value/,
  },
  {
    name: "NotIn with no values key",
    mutate: (d) => (d.spec.driver.affinity = nodeExpr({ key: "a", operator: "NotIn" })),
    path: "spec.driver.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
    message: /NotIn needs at least one value/,
  },
  {
    name: "Exists with values",
    mutate: (d) => (d.spec.executor.affinity = nodeExpr({ key: "a", operator: "Exists", values: ["x"] })),
    path: "spec.executor.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
    message: /Exists takes no values/,
  },
  {
    name: "Gt with a non-integer",
    mutate: (d) => (d.spec.executor.affinity = nodeExpr({ key: "a", operator: "Gt", values: ["ten"] })),
    path: "spec.executor.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
    message: /exactly one integer/,
  },
  {
    name: "a pod affinity with Gt",
    mutate: (d) =>
      (d.spec.executor.affinity = {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              topologyKey: "k",
              labelSelector: { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] },
            },
          ],
        },
      }),
    path: "spec.executor.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator",
    message: /expected one of In, NotIn, Exists, DoesNotExist/,
  },
];

function nodeExpr(expr: Record<string, unknown>) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr] }] },
    },
  };
}

for (const c of REFUSED) {
  test(`rules refuse ${c.name}`, () => {
    const found = ruleIssues(c.mutate);
    assert.equal(found.length, 1, JSON.stringify(found, null, 1));
    assert.equal(found[0]!.path, c.path);
    assert.match(found[0]!.message, c.message);
    assert.match(found[0]!.where, /^app\.yaml:\d+:\d+ /);
  });
}

const ACCEPTED: Array<{ name: string; mutate: (d: Doc) => void }> = [
  { name: "a 63-character name", mutate: (d) => (d.metadata.name = `a${long(62)}`) },
  {
    name: "a prefixed label key",
    mutate: (d) => (d.metadata.labels["karpenter.k8s.aws/instance-cpu"] = "17"),
  },
  { name: "an empty label value", mutate: (d) => (d.metadata.labels.empty = "") },
  { name: "a label value with dots and underscores", mutate: (d) => (d.spec.driver.labels.v = "a.b_c-d") },
  {
    name: "spark.kubernetes.namespace equal to the namespace",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.namespace"] = "spark"),
  },
  {
    name: "memory in every Spark unit",
    mutate: (d) =>
      Object.assign(d.spec.driver, { memory: "512m", memoryOverhead: "1024", memoryLimit: "2GB" }),
  },
  {
    name: "only spec.nodeSelector",
    mutate: (d) => ((d.spec.nodeSelector = { a: "b" }), delete d.spec.executor.nodeSelector),
  },
  {
    name: "the seed's affinity (Lt with one integer, In with values)",
    mutate: (d) => (d.spec.executor.affinity = seedDoc("visits-mem-intensive").spec.executor.affinity),
  },
  {
    name: "weights of 1 and 100",
    mutate: (d) =>
      (d.spec.executor.affinity = {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [1, 100].map((weight) => ({
            weight,
            preference: { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] },
          })),
        },
      }),
  },
];

for (const c of ACCEPTED) {
  test(`rules accept ${c.name}`, () => {
    assert.deepEqual(ruleIssues(c.mutate), []);
  });
}

test("spec.nodeSelector is accepted with a deprecation warning", () => {
  const { issues: found, warnings } = checkManifest(
    build((d) => ((d.spec.nodeSelector = { a: "b" }), delete d.spec.executor.nodeSelector)),
  );
  assert.deepEqual(found, []);
  assert.deepEqual(
    warnings.map((w) => [w.path, w.message]),
    [["spec.nodeSelector", "spec.nodeSelector is deprecated by the operator"]],
  );
  assert.deepEqual(checkManifest(build(() => undefined)).warnings, []);
});

test("k8s syntax helpers agree with apimachinery on edge cases", () => {
  assert.equal(k8s.qualifiedName("a"), undefined);
  assert.equal(k8s.qualifiedName("example.com/a.b-c_d"), undefined);
  assert.match(k8s.qualifiedName("/a") ?? "", /empty prefix/);
  assert.match(k8s.qualifiedName("a/") ?? "", /empty/);
  assert.match(k8s.qualifiedName("-a") ?? "", /starting and ending/);
  assert.equal(k8s.labelValue(""), undefined);
  assert.match(k8s.labelValue("a b") ?? "", /letters/);
  assert.equal(k8s.sparkMemory("20g"), undefined);
  assert.equal(k8s.sparkMemory("20GB"), undefined);
  assert.match(k8s.sparkMemory("1.5g") ?? "", /Spark memory/);
  assert.equal(k8s.dns1035Label("a-1"), undefined);
  assert.match(k8s.dns1035Label("a-") ?? "", /DNS-1035/);
});
