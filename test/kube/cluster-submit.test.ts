// submit() as a library call against the real test cluster: refusals answered by the real API server
// (Strict field validation) and by the operator's webhook, --timeout, re-attaching to a failed run, transitions
// and phase timings read from the real objects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { submit } from "../../src/kube/submit.js";
import { JobFailedError, UserError } from "../../src/errors.js";
import {
  admin,
  adminKubeconfig,
  appPath,
  clusterInput,
  eventually,
  get,
  fileNamespace,
  realClusterSkip,
} from "../helpers/real-cluster.js";

const skip = realClusterSkip;
const ns = fileNamespace("lib");

const app = clusterInput;
const opts = () => ({ kubeconfig: adminKubeconfig(), namespace: ns.name });

test(
  "Strict field validation by the real API server: an unknown field is refused with exit 2, naming it",
  { skip },
  async () => {
    await assert.rejects(
      submit(
        app("strict", "ok", (m) => (m.spec.driver.coresz = 2)),
        opts(),
      ),
      (e: unknown) =>
        e instanceof UserError &&
        e.exitCode === 2 &&
        /unknown field "spec\.driver\.coresz"/.test(e.message) &&
        /400/.test(e.message),
    );
    assert.equal(await get(appPath(ns.name, "x")), undefined);
  },
);

test(
  "the operator's validating webhook denies a forbidden sparkConf key: exit 2, naming the key",
  { skip },
  async () => {
    const denied = app(
      "webhook",
      "ok",
      (m) => (m.spec.sparkConf = { "spark.kubernetes.container.image": "x:1" }),
    );
    for (const dryRun of ["server", undefined] as const) {
      await assert.rejects(
        submit(denied, { ...opts(), dryRun }),
        (e: unknown) =>
          e instanceof UserError &&
          /admission webhook "[^"]+" denied the request/.test(e.message) &&
          /spark\.kubernetes\.container\.image/.test(e.message),
      );
    }
  },
);

test(
  "--timeout ends the wait and deletes the application; the real object is gone",
  { skip, timeout: 120_000 },
  async () => {
    const res = await submit(app("timeout", "ok"), { ...opts(), wait: true, timeoutMs: 1500 });
    assert.equal(res.outcome, "TIMEOUT");
    assert.ok(res.error instanceof JobFailedError);
    assert.equal(res.deleted, true);
    assert.equal(await get(appPath(ns.name, res.name)), undefined);
  },
);

test(
  "transitions, phase timings and Warning events come from the real objects; re-attaching to a failed run says how to rerun it; --replace reruns it",
  { skip, timeout: 300_000 },
  async () => {
    const failing = app("refail", "fail");
    const first = await submit(failing, { ...opts(), wait: true });
    assert.equal(first.outcome, "FAILED", first.error?.message);
    assert.match(first.error!.message, /driver container failed with ExitCode: 3, Reason: Error/);
    const states = first.transitions!.map((t) => t.to);
    assert.deepEqual(states.slice(-2), ["FAILING", "FAILED"], states.join(" "));
    for (const k of ["created", "submitted", "driverScheduled", "driverRunning", "terminal"] as const)
      assert.ok(first.timings![k], `timing ${k}: ${JSON.stringify(first.timings)}`);
    assert.ok(first.offsets!.terminal! >= first.offsets!.driverRunning!);

    const again = await submit(failing, { ...opts(), wait: true });
    assert.equal(again.action, "attached");
    assert.equal(again.outcome, "FAILED");
    assert.match(again.error!.message, /--replace runs it again/);

    // The operator's own Warning event names the failure (the fake server had invented another reason).
    assert.ok(
      first.events?.some(
        (e) =>
          e.reason === "SparkDriverFailed" &&
          e.object === `sparkapplication/${first.name}` &&
          /Driver \S+-driver failed/.test(e.message ?? ""),
      ),
      JSON.stringify(first.events),
    );
    const rerun = await submit(failing, { ...opts(), wait: true, replace: true });
    assert.equal(rerun.action, "replaced", "--replace reruns a finished run");
    assert.equal(rerun.outcome, "FAILED");
  },
);

test(
  "--replace waits until the old run's driver pod is gone too, so the new run is not refused for it",
  { skip, timeout: 300_000 },
  async () => {
    const run = app("linger", "ok");
    const first = await submit(run, { ...opts(), wait: true });
    assert.equal(first.outcome, "COMPLETED", first.error?.message);
    const oldUid = (await get(appPath(ns.name, first.name)))!.metadata.uid;
    // A finalizer keeps the old driver pod after the application is deleted, as a slow garbage collector
    // does; the operator would otherwise answer the new run with "driver pod already exist".
    const podPath = `/api/v1/namespaces/${ns.name}/pods/${first.name}-driver`;
    const hold = (finalizers: string[]) =>
      admin().call("PATCH", podPath, { metadata: { finalizers } }, "application/merge-patch+json");
    assert.equal((await hold(["sparklane.test/hold"])).status, 200);
    let settled = false;
    const rerun = submit(run, { ...opts(), wait: true, replace: true }).finally(() => (settled = true));
    try {
      await eventually("the old application to be deleted", async () =>
        (await get(appPath(ns.name, first.name)))?.metadata.uid !== oldUid ? true : undefined,
      );
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(settled, false, "--replace finished while the old driver pod still existed");
      assert.equal(await get(appPath(ns.name, first.name)), undefined, "created while the old pod existed");
    } finally {
      assert.equal((await hold([])).status, 200);
    }
    const res = await rerun;
    assert.equal(res.action, "replaced");
    assert.equal(res.outcome, "COMPLETED", res.error?.message);
  },
);
