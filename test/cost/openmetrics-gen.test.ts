// The synthetic history's own guarantees: what promtool would get wrong silently is refused here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LABELS } from "../../src/kube/naming.js";
import { KSM_ALLOWLIST_FLAG, ksmLabelName, POD_LABEL_KEYS } from "../../src/cost/prometheus.js";
import { check, generate, POD_ALLOWLIST } from "./openmetrics-gen.js";

test("the generator is deterministic and its output passes its own checks", () => {
  const a = generate();
  const b = generate();
  assert.equal(a.openMetrics, b.openMetrics);
  assert.deepEqual(a.truth, b.truth);
  check(a.openMetrics);
  assert.match(a.openMetrics, /\n# EOF\n$/);
  // Both variants, the 45 s / 7 min / 13 min executors, a re-created name, an unlabelled pod.
  const variants = new Set(a.truth.pods.map((p) => p.attribution.variant));
  assert.deepEqual([...variants].sort(), ["pre-baked", "standard", undefined]);
  const mainSeconds = a.truth.pods.map((p) => (p.held.end - p.mainStartedAt!) / 1000);
  for (const s of [45, 7 * 60, 13 * 60]) assert.ok(mainSeconds.includes(s), `a pod running ${s} s`);
  const names = a.truth.pods.map((p) => p.name);
  assert.ok(
    names.some((n, i) => names.indexOf(n) !== i),
    "a name used twice",
  );
  assert.ok(a.truth.duplicated.length > 0);
});

test("check refuses what promtool would silently mangle", () => {
  const ok = '# TYPE x gauge\nx{a="1"} 1 1773532800\nx{a="1"} 1 1773532830\n# EOF\n';
  check(ok);
  assert.throws(() => check(ok.replace("1773532830", "1773532830000")), /not in seconds/);
  assert.throws(() => check(ok.replace("1773532830", "1773532800")), /not after its previous sample/);
  assert.throws(() => check(ok.replace("1773532830", "1773532700")), /not after its previous sample/);
  assert.throws(() => check(ok.replace("# EOF\n", "")), /# EOF/);
  assert.throws(() => check(ok.replace('a="1"} 1 1773532800', 'a-b="1"} 1 1773532800')), /not sanitised/);
});

test("the Prometheus source reads sparklane's own label keys, as kube-state-metrics names them", () => {
  assert.deepEqual(POD_LABEL_KEYS, [...Object.values(LABELS), "spark-app-selector"]);
  assert.deepEqual(POD_ALLOWLIST, POD_LABEL_KEYS);
  assert.equal(ksmLabelName("airflow-dag-id"), "label_airflow_dag_id");
  assert.equal(ksmLabelName("node.kubernetes.io/instance-type"), "label_node_kubernetes_io_instance_type");
  assert.match(
    KSM_ALLOWLIST_FLAG,
    /^--metric-labels-allowlist=pods=\[airflow-dag-id,.*\],nodes=\[node\.kubernetes\.io\/instance-type,karpenter\.sh\/capacity-type,topology\.kubernetes\.io\/zone\]$/,
  );
});
