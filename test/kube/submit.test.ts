// submit + watch against the fake API server and the simulated operator, through the official client.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { submit } from "../../src/kube/submit.js";
import { prepareApplication } from "../../src/kube/prepare.js";
import { InfraError, InterruptedError, JobFailedError, KubeApiError, UserError } from "../../src/errors.js";
import { input, recordingSleep, startCluster, type Cluster } from "./harness.js";
import type { KObj } from "../helpers/fake-apiserver/server.js";

let c: Cluster;
before(async () => {
  c = await startCluster({ stepMs: 20 });
});
after(async () => {
  await c.close();
});

const APP_POST = /\/namespaces\/spark\/sparkapplications$/;

function uniq(tag: string) {
  return { dagId: "generic_spark_etl", taskId: tag, ds: "2026-03-15", runId: `manual__${tag}` };
}

test("happy path: created with fieldValidation=Strict, transitions, labels on app and pods, timings, logs", async () => {
  const lines: string[] = [];
  const res = await submit(
    input({ context: uniq("happy") }),
    { kubeconfig: c.kubeconfig, wait: true, logs: true },
    { onLog: (l) => lines.push(`${l.container}: ${l.text}`) },
  );
  assert.equal(res.ok, true, res.error?.message);
  assert.equal(res.action, "created");
  assert.equal(res.outcome, "COMPLETED");
  // The first state seen depends on how fast the operator is; every later one is seen in order.
  assert.deepEqual(
    res.transitions!.map((t) => t.to).filter((s) => s !== "NEW"),
    ["SUBMITTED", "RUNNING", "SUCCEEDING", "COMPLETED"],
  );
  const post = c.api.requests.find((r) => r.method === "POST" && APP_POST.test(r.path))!;
  assert.equal(post.query.fieldValidation, "Strict");
  const app = c.api.store.get("sparkapplications", "spark", res.name)!;
  assert.match(res.name, /^visits-distinct-20260315-[a-z0-9]{10}$/);
  assert.equal(app.metadata.labels!["airflow-task-id"], "happy");
  assert.equal(app.metadata.labels!["sparklane-variant"], "pre-baked");
  assert.equal(app.spec.executor.labels["etl-module"], "visits_distinct");
  const driver = c.api.store.get("pods", "spark", `${res.name}-driver`)!;
  assert.equal(driver.metadata.labels!["sparklane-run-id"], app.metadata.labels!["sparklane-run-id"]);
  for (const k of [
    "created",
    "submitted",
    "driverScheduled",
    "initContainersDone",
    "driverRunning",
    "firstExecutorRunning",
    "terminal",
  ] as const) {
    assert.ok(res.timings![k], `timing ${k} missing: ${JSON.stringify(res.timings)}`);
  }
  assert.deepEqual(lines, [
    "setup-etl: bootstrap: fetching " + res.name + " code",
    "setup-etl: bootstrap: ready",
    "spark-kubernetes-driver: driver line 1",
    "spark-kubernetes-driver: driver line 2",
    "spark-kubernetes-driver: driver line 3",
  ]);
});

test("failure: FAILED with the operator's errorMessage, deleted with --delete-on-termination", async () => {
  const res = await submit(input({ context: uniq("fail"), scenario: "fail" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    deleteOnTermination: true,
  });
  assert.equal(res.outcome, "FAILED");
  assert.ok(res.error instanceof JobFailedError);
  assert.match(res.error.message, /driver container failed with ExitCode: 1/);
  assert.equal(res.deleted, true);
  assert.equal(c.api.store.get("sparkapplications", "spark", res.name), undefined);
});

test("submission failure: SUBMISSION_FAILED is final with restartPolicy Never", async () => {
  const res = await submit(input({ context: uniq("subfail"), scenario: "submission-failed" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
  });
  assert.equal(res.outcome, "SUBMISSION_FAILED");
  assert.match(res.error!.message, /Read-only file system/);
});

test("stuck image pull: fails fast naming container, reason and image, and deletes unless --keep", async () => {
  const res = await submit(input({ context: uniq("pull"), scenario: "image-pull" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
  });
  assert.equal(res.outcome, "STUCK");
  assert.match(
    res.error!.message,
    /init container "setup-etl" \(image registry\.example\/spark:4\.0\.0-python3\) is stuck: ImagePullBackOff/,
  );
  assert.equal(c.api.store.get("sparkapplications", "spark", res.name), undefined);
  const kept = await submit(input({ context: uniq("pull-keep"), scenario: "image-pull" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    keep: true,
  });
  assert.equal(kept.outcome, "STUCK");
  assert.ok(c.api.store.get("sparkapplications", "spark", kept.name), "--keep keeps the application");
});

test("init container exiting non-zero is reported with its exit code", async () => {
  const res = await submit(input({ context: uniq("init"), scenario: "init-fail" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    keep: true,
  });
  assert.equal(res.outcome, "STUCK");
  assert.match(res.stuck!, /init container "setup-etl" .* Error \(exit code 2\)/);
});

test("a sidecar keeping the driver pod Running does not hang the wait", async () => {
  const res = await submit(input({ context: uniq("sidecar"), scenario: "sidecar" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    terminationGraceMs: 300,
  });
  assert.equal(res.outcome, "COMPLETED");
  assert.equal(res.state, "RUNNING", "the application itself never left RUNNING");
});

test("rerun through UNKNOWN, PENDING_RERUN and INVALIDATING ends COMPLETED", async () => {
  const res = await submit(input({ context: uniq("rerun"), scenario: "rerun" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
  });
  assert.equal(res.outcome, "COMPLETED");
  const states = res.transitions!.map((t) => t.to);
  for (const s of ["UNKNOWN", "PENDING_RERUN", "INVALIDATING", "COMPLETED"])
    assert.ok(states.includes(s), `${s} in ${states}`);
});

test("410 Gone mid-watch, as an ERROR event in a 200 stream and as HTTP 410: re-lists and completes", async () => {
  for (const goneAs of ["event", "http"] as const) {
    c.api.goneAs = goneAs;
    const listsBefore = c.api.requests.filter(
      (r) => r.method === "GET" && /sparkapplications$/.test(r.path) && r.query.watch !== "true",
    ).length;
    // The previous run's watches end as it finishes; counted from zero, this run's are the only ones.
    for (let i = 0; i < 400 && c.api.openWatchCount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const open0 = c.api.openWatchCount();
    const p = submit(input({ context: uniq(`gone-${goneAs}`), scenario: "slow" }), {
      kubeconfig: c.kubeconfig,
      wait: true,
    });
    // Expire only once this run's two watches (application, pods) are open on the server, however slow the
    // machine is: a condition, not a guessed delay.
    const opened = () => c.api.openWatchCount() - open0;
    for (let i = 0; i < 400 && opened() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(opened(), 2, "both watches open");
    c.api.expireWatches();
    const res = await p;
    assert.equal(res.outcome, "COMPLETED", `${goneAs}: ${res.error?.message}`);
    const listsAfter = c.api.requests.filter(
      (r) => r.method === "GET" && /sparkapplications$/.test(r.path) && r.query.watch !== "true",
    ).length;
    assert.ok(
      listsAfter - listsBefore >= 2,
      `${goneAs}: re-listed after 410 (${listsAfter - listsBefore} lists)`,
    );
  }
  c.api.goneAs = "http";
});

test("connection reset mid-watch and mid-log: reconnects, logs complete without duplicates", async () => {
  const lines: string[] = [];
  const from = c.api.requests.length;
  for (let i = 0; i < 400 && c.api.openWatchCount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  const open0 = c.api.openWatchCount();
  const p = submit(
    input({ context: uniq("reset"), scenario: "slow" }),
    { kubeconfig: c.kubeconfig, wait: true, logs: true },
    { onLog: (l) => lines.push(l.text) },
  );
  const mine = () => c.api.requests.slice(from);
  const driverLogs = () =>
    mine().filter((r) => r.query.container === "spark-kubernetes-driver" && r.status === 200);
  // Reset while the watches are open, then again while the driver's log is being followed.
  for (let i = 0; i < 400 && c.api.openWatchCount() - open0 < 2; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(c.api.openWatchCount() - open0, 2, "both watches open");
  c.api.resetStreams();
  for (let i = 0; i < 400 && (driverLogs().length < 1 || !lines.includes("driver line 1")); i++)
    await new Promise((r) => setTimeout(r, 10));
  c.api.resetStreams();
  const res = await p;
  assert.equal(res.outcome, "COMPLETED", res.error?.message);
  assert.ok(mine().filter((r) => r.query.watch === "true").length > 2, "the watches were reopened");
  assert.ok(driverLogs().length >= 2, "the driver's log stream was reopened");
  assert.deepEqual(
    lines.filter((l) => l.startsWith("driver")),
    ["driver line 1", "driver line 2", "driver line 3"],
  );
});

test("resubmitting the same run attaches; a different spec refuses; --replace replaces", async () => {
  const ctx = uniq("attach");
  const posts = () => c.api.count("POST", APP_POST);
  const n0 = posts();
  const first = await submit(input({ context: ctx, scenario: "never" }), { kubeconfig: c.kubeconfig });
  assert.equal(first.action, "created");
  const again = await submit(input({ context: ctx, scenario: "never" }), { kubeconfig: c.kubeconfig });
  assert.equal(again.action, "attached");
  assert.equal(posts() - n0, 1);
  const changed = input({ context: ctx, scenario: "never" });
  (changed.manifest as { spec: { driver: { memory: string } } }).spec.driver.memory = "2g";
  await assert.rejects(
    submit(changed, { kubeconfig: c.kubeconfig }),
    (e: unknown) =>
      e instanceof UserError && /different spec/.test(e.message) && /--replace/.test(e.hint ?? ""),
  );
  const replaced = await submit(changed, { kubeconfig: c.kubeconfig, replace: true });
  assert.equal(replaced.action, "replaced");
  assert.equal(c.api.store.get("sparkapplications", "spark", first.name)!.spec.driver.memory, "2g");
});

test("409 on create: adopts when the payload-hash annotation matches, refuses otherwise", async () => {
  const inp = input({ context: uniq("conflict"), scenario: "never" });
  const p = prepareApplication({ ...inp, defaultNamespace: "spark" });
  c.api.store.create("sparkapplications", structuredClone(p.manifest) as KObj);
  // The GET before the POST misses it (created meanwhile by a concurrent submit), so the POST gets 409.
  c.api.inject({ method: "GET", path: new RegExp(`/sparkapplications/${p.name}$`), status: 404 });
  const res = await submit(inp, { kubeconfig: c.kubeconfig });
  assert.equal(res.action, "adopted");

  const other = input({ context: uniq("conflict2"), scenario: "never" });
  const q = prepareApplication({ ...other, defaultNamespace: "spark" });
  const foreign = structuredClone(q.manifest) as KObj;
  foreign.metadata.annotations = {
    ...foreign.metadata.annotations,
    "sparklane.io/payload-hash": "0".repeat(64),
  };
  c.api.store.create("sparkapplications", foreign);
  c.api.inject({ method: "GET", path: new RegExp(`/sparkapplications/${q.name}$`), status: 404 });
  await assert.rejects(
    submit(other, { kubeconfig: c.kubeconfig }),
    (e: unknown) => e instanceof UserError && /payload-hash annotation differs/.test(e.message),
  );
});

test("429 honours Retry-After; 5xx is retried with backoff; other 4xx are final and verbatim", async () => {
  const waits: number[] = [];
  c.api.inject({ method: "POST", path: APP_POST, status: 429, retryAfter: 2 });
  const res = await submit(input({ context: uniq("429"), scenario: "never" }), {
    kubeconfig: c.kubeconfig,
    retry: { sleep: recordingSleep(waits), random: () => 0 },
  });
  assert.equal(res.action, "created");
  assert.ok(waits.includes(2000), `waited ${waits}`);

  waits.length = 0;
  c.api.inject({ method: "POST", path: APP_POST, status: 503, times: 3 });
  const r5 = await submit(input({ context: uniq("503"), scenario: "never" }), {
    kubeconfig: c.kubeconfig,
    retry: { sleep: recordingSleep(waits), random: () => 1, baseMs: 100, capMs: 300 },
  });
  assert.equal(r5.action, "created");
  assert.deepEqual(
    waits.filter((w) => w >= 100),
    [100, 200, 300],
    "capped exponential backoff",
  );

  const posts = c.api.count("POST", APP_POST);
  c.api.inject({ method: "POST", path: APP_POST, status: 403 });
  await assert.rejects(
    submit(input({ context: uniq("403"), scenario: "never" }), {
      kubeconfig: c.kubeconfig,
      retry: { sleep: recordingSleep([]) },
    }),
    (e: unknown) => e instanceof KubeApiError && e.code === 403 && /injected 403/.test(e.message),
  );
  assert.equal(c.api.count("POST", APP_POST) - posts, 1, "a 403 is not retried");
});

test("a POST that times out is followed by a GET, and the object it created is adopted", async () => {
  const posts = c.api.count("POST", APP_POST);
  c.api.inject({ method: "POST", path: APP_POST, delayMs: 1500 });
  const res = await submit(input({ context: uniq("timeout-post"), scenario: "never" }), {
    kubeconfig: c.kubeconfig,
    postTimeoutMs: 200,
    retry: { sleep: recordingSleep([]) },
  });
  assert.equal(res.action, "adopted");
  assert.equal(c.api.count("POST", APP_POST) - posts, 1, "no second POST");
});

test("--timeout ends the wait with a JobFailedError and deletes the application unless --keep", async () => {
  const res = await submit(input({ context: uniq("timeout"), scenario: "never" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    timeoutMs: 300,
  });
  assert.equal(res.outcome, "TIMEOUT");
  assert.ok(res.error instanceof JobFailedError);
  assert.match(res.error.message, /timed out after 0 s in state NEW/);
  assert.equal(res.deleted, true);
});

test("interrupt: deletes with --delete-on-termination and reports InterruptedError", async () => {
  const ctl = new AbortController();
  const from = c.api.requests.length;
  const p = submit(input({ context: uniq("sigint"), scenario: "never" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    deleteOnTermination: true,
    signal: ctl.signal,
  });
  // Abort once the application exists and is being watched, not after a guessed delay.
  const watching = () => c.api.requests.slice(from).some((r) => r.query.watch === "true");
  for (let i = 0; i < 400 && !watching(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(watching(), "submit started watching its application");
  ctl.abort();
  const res = await p;
  assert.equal(res.outcome, "INTERRUPTED");
  assert.ok(res.error instanceof InterruptedError);
  assert.equal(res.deleted, true);
});

test("server dry run sends dryRun=All and stores nothing", async () => {
  const res = await submit(input({ context: uniq("dry") }), { kubeconfig: c.kubeconfig, dryRun: "server" });
  assert.equal(res.action, "dry-run");
  const post = c.api.requests.filter((r) => r.method === "POST").at(-1)!;
  assert.equal(post.query.dryRun, "All");
  assert.equal(c.api.store.get("sparkapplications", "spark", res.name), undefined);
});

test("an unreachable API is an InfraError", async () => {
  const { FakeApiServer } = await import("../helpers/fake-apiserver/server.js");
  const dead = await new FakeApiServer().start();
  const kc = dead.kubeconfig();
  await dead.stop();
  await assert.rejects(
    submit(input({ context: uniq("dead") }), {
      kubeconfig: kc,
      retry: { attempts: 2, sleep: recordingSleep([]) },
    }),
    (e: unknown) =>
      e instanceof InfraError &&
      !(e instanceof KubeApiError) &&
      /cannot reach the Kubernetes API/.test(e.message),
  );
  await dead.close();
});

test("a 404 on create (no CRD, no namespace) is exit 3 with a hint about the operator", async () => {
  c.api.inject({ method: "POST", path: APP_POST, status: 404 });
  await assert.rejects(
    submit(input({ context: uniq("nocrd"), scenario: "never" }), { kubeconfig: c.kubeconfig }),
    (e: unknown) =>
      e instanceof KubeApiError && e.exitCode === 3 && /Spark Operator installed/.test(e.hint ?? ""),
  );
});

test("re-attaching to a run that already failed says how to run it again", async () => {
  const inp = input({ context: uniq("refail"), scenario: "fail" });
  const first = await submit(inp, { kubeconfig: c.kubeconfig, wait: true });
  assert.equal(first.outcome, "FAILED");
  const again = await submit(inp, { kubeconfig: c.kubeconfig, wait: true });
  assert.equal(again.action, "attached");
  assert.equal(again.outcome, "FAILED");
  assert.match(again.error!.message, /--replace runs it again/);
  const rerun = await submit(inp, { kubeconfig: c.kubeconfig, wait: true, replace: true });
  assert.equal(rerun.action, "replaced", "--replace reruns a finished run");
  assert.equal(rerun.outcome, "FAILED");
});

test("a run that does not complete reports the recent Warning events that name the cause", async () => {
  const mount = await submit(input({ context: uniq("mount"), scenario: "mount" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
    timeoutMs: 1000,
  });
  assert.equal(mount.outcome, "TIMEOUT");
  assert.ok(
    mount.events?.some(
      (e) => e.reason === "FailedMount" && /configmap "jmx-exporter-config" not found/.test(e.message ?? ""),
    ),
    JSON.stringify(mount.events),
  );
  const failed = await submit(input({ context: uniq("events-fail"), scenario: "fail" }), {
    kubeconfig: c.kubeconfig,
    wait: true,
  });
  assert.ok(
    failed.events?.some(
      (e) => e.reason === "SparkApplicationFailed" && e.object.startsWith("sparkapplication/"),
    ),
  );
  const ok = await submit(input({ context: uniq("events-ok") }), { kubeconfig: c.kubeconfig, wait: true });
  assert.equal(ok.events, undefined, "completed runs do not look for events");
});
