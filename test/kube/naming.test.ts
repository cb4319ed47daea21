// Names, hashes and labels: pure, table-driven.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applicationName,
  canonicalJson,
  costLabels,
  isValidLabelValue,
  payloadHash,
  runHash,
  sanitizeLabelValue,
} from "../../src/kube/naming.js";
import { prepareApplication } from "../../src/kube/prepare.js";
import { detectStuck, describeStuck, type Pod } from "../../src/kube/pods.js";
import { selectorFor } from "../../src/kube/status.js";
import { appFixture } from "./harness.js";

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

test("application names are DNS-1035 labels of at most 63 characters", () => {
  const cases: [string, string, string][] = [
    ["visits_distinct", "2026-03-15", "visits-distinct-20260315-abcdefghij"],
    ["Visits.Distinct", "2026-03-15", "visits-distinct-20260315-abcdefghij"],
    ["9lives", "2026-03-15", "app-9lives-20260315-abcdefghij"],
    ["___", "2026-03-15", "app-20260315-abcdefghij"],
    ["a".repeat(100), "2026-03-15", `${"a".repeat(63 - 20)}-20260315-abcdefghij`],
    ["ends_with_dash_" + "x".repeat(35) + "-", "2026-03-15", ""],
  ];
  for (const [module, ds, expected] of cases) {
    const n = applicationName(module, ds, "abcdefghij");
    assert.ok(n.length <= 63, `${n} is ${n.length} long`);
    assert.match(n, DNS1035, n);
    if (expected) assert.equal(n, expected);
    assert.ok(n.endsWith("-20260315-abcdefghij"), "date and hash are never cut");
  }
});

test("the run hash is deterministic, key-order independent, and changes with any part of the identity", () => {
  const id = { dagId: "d", taskId: "t", runId: "r", payload: { a: 1, b: { c: [1, 2] } } };
  const h = runHash(id);
  assert.match(h, /^[0-9a-z]{10}$/);
  assert.equal(runHash({ ...id, payload: { b: { c: [1, 2] }, a: 1 } }), h);
  for (const other of [
    { ...id, dagId: "x" },
    { ...id, taskId: "x" },
    { ...id, runId: "x" },
    { ...id, payload: { a: 2, b: { c: [1, 2] } } },
  ]) {
    assert.notEqual(runHash(other), h);
  }
  assert.equal(canonicalJson({ b: 1, a: [true, null] }), '{"a":[true,null],"b":1}');
  assert.equal(payloadHash({ x: 1 }), payloadHash({ x: 1 }));
});

test("label values are sanitised to label syntax; long values keep a distinguishing hash", () => {
  const cases = [
    "visits_distinct",
    "2026-03-15",
    "manual__2026-03-15T00:00:00+00:00",
    "a b/c:d",
    "-leading-and-trailing-",
    "x".repeat(200),
    "ünïcödé",
    "",
    "line\nbreak",
  ];
  for (const raw of cases) {
    const v = sanitizeLabelValue(raw);
    assert.ok(isValidLabelValue(v), `${JSON.stringify(raw)} -> ${JSON.stringify(v)}`);
  }
  assert.equal(sanitizeLabelValue("visits_distinct"), "visits_distinct", "valid values are kept as they are");
  assert.notEqual(sanitizeLabelValue("x".repeat(100) + "1"), sanitizeLabelValue("x".repeat(100) + "2"));
  const labels = costLabels({
    dagId: "dag with spaces",
    taskId: "t",
    ds: "2026-03-15",
    module: "m",
    variant: "pre-baked",
    runHash: "abc",
  });
  for (const v of Object.values(labels)) assert.ok(isValidLabelValue(v));
  assert.equal(
    selectorFor({ module: "visits_distinct", variant: "pre-baked" }),
    "etl-module=visits_distinct,sparklane-variant=pre-baked",
  );
});

test("prepare applies the name, namespace, labels and identity annotations structurally", () => {
  const p = prepareApplication({
    manifest: appFixture,
    payload: { etl_module: "visits_distinct" },
    variant: "standard",
    context: { dagId: "d", taskId: "t", ds: "2026-03-15", runId: "r" },
    namespace: "other",
  });
  const md = p.manifest.metadata as {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  assert.equal(md.name, p.name);
  assert.equal(md.namespace, "other");
  assert.equal(md.labels["sparklane-variant"], "standard");
  assert.equal(
    md.labels["airflow-dag-id"],
    "d",
    "the template's label value is replaced by the sanitised context value",
  );
  assert.equal(md.annotations["sparklane.io/payload-hash"], p.payloadHash);
  const spec = p.manifest.spec as {
    driver: { labels: Record<string, string>; initContainers: unknown[] };
    executor: { labels: Record<string, string> };
  };
  assert.equal(spec.executor.labels["sparklane-run-id"], p.runHash);
  assert.equal(spec.driver.initContainers.length, 2, "everything else is untouched");
  assert.equal(
    (appFixture.metadata as { name: string }).name,
    "visits-distinct-20260315",
    "the input manifest is not mutated",
  );
});

test("stuck-pod detection: each fail-fast reason, non-zero init exits, and sidecars that are fine", () => {
  const pod = (init: object[], main: object[]): Pod => ({
    metadata: { name: "x-driver" },
    spec: {
      initContainers: [
        { name: "setup-etl", image: "img:init" },
        { name: "jmx", image: "img:jmx", restartPolicy: "Always" },
      ],
      containers: [{ name: "spark-kubernetes-driver", image: "img:driver" }],
    },
    status: { initContainerStatuses: init as never, containerStatuses: main as never },
  });
  for (const reason of [
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
  ]) {
    const s = detectStuck(
      pod([], [{ name: "spark-kubernetes-driver", state: { waiting: { reason, message: "m" } } }]),
    );
    assert.equal(s?.reason, reason);
    assert.equal(s?.image, "img:driver");
    assert.match(
      describeStuck(s!),
      new RegExp(`container "spark-kubernetes-driver" \\(image img:driver\\) is stuck: ${reason}: m`),
    );
  }
  const init = detectStuck(
    pod([{ name: "setup-etl", state: { terminated: { exitCode: 3, reason: "Error" } } }], []),
  );
  assert.equal(init?.exitCode, 3);
  assert.equal(init?.initContainer, true);
  assert.equal(
    detectStuck(
      pod(
        [
          { name: "setup-etl", state: { terminated: { exitCode: 0 } } },
          { name: "jmx", state: { running: {} } },
        ],
        [{ name: "spark-kubernetes-driver", state: { running: {} } }],
      ),
    ),
    undefined,
  );
  assert.equal(
    detectStuck(
      pod([], [{ name: "spark-kubernetes-driver", state: { waiting: { reason: "ContainerCreating" } } }]),
    ),
    undefined,
    "normal waiting is not stuck",
  );
});

test("an unschedulable driver pod is reported with the scheduler's message, and is not fatal", async () => {
  const { unschedulable } = await import("../../src/kube/pods.js");
  const pod: Pod = {
    metadata: { name: "x-driver" },
    status: {
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/3 nodes are available: 3 Insufficient memory.",
        },
      ],
    },
  };
  assert.equal(unschedulable(pod), "0/3 nodes are available: 3 Insufficient memory.");
  assert.equal(detectStuck(pod), undefined);
  assert.equal(
    unschedulable({ status: { conditions: [{ type: "PodScheduled", status: "True" }] } }),
    undefined,
  );
});
