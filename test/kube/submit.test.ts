// submit + watch against the fake API server and its simulated operator, only for what the real test cluster
// (test/cluster/, test/kube/cluster-*.test.ts) cannot produce on demand; each test says why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { submit } from "../../src/kube/submit.js";
import { prepareApplication } from "../../src/kube/prepare.js";
import { KubeApiError, UserError } from "../../src/errors.js";
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

// Fake server: kwok cannot make the real operator pass through UNKNOWN, PENDING_RERUN and INVALIDATING in one run.
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

// Fake server: a real API server expires a watch only when etcd compacts; a 410 in the middle of this run's stream cannot be asked for.
test("410 Gone mid-watch, as an ERROR event in a 200 stream and as HTTP 410: re-lists and completes", async () => {
  for (const goneAs of ["event", "http"] as const) {
    c.api.goneAs = goneAs;
    const listsBefore = c.api.requests.filter(
      (r) => r.method === "GET" && /sparkapplications$/.test(r.path) && r.query.watch !== "true",
    ).length;
    const from0 = c.api.requests.length;
    const p = submit(input({ context: uniq(`gone-${goneAs}`), scenario: "slow" }), {
      kubeconfig: c.kubeconfig,
      wait: true,
    });
    // Expire only once this run's two watches (application, pods) are open, however slow the machine is.
    const opened = () => c.api.requests.slice(from0).filter((r) => r.query.watch === "true").length;
    for (let i = 0; i < 400 && opened() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
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

// Fake server: resetting exactly the watch and log connections of one run, mid-stream, needs control of the server's sockets.
test("connection reset mid-watch and mid-log: reconnects, logs complete without duplicates", async () => {
  const lines: string[] = [];
  const from = c.api.requests.length;
  const p = submit(
    input({ context: uniq("reset"), scenario: "slow" }),
    { kubeconfig: c.kubeconfig, wait: true, logs: true },
    { onLog: (l) => lines.push(l.text) },
  );
  const mine = () => c.api.requests.slice(from);
  const driverLogs = () =>
    mine().filter((r) => r.query.container === "spark-kubernetes-driver" && r.status === 200);
  // Reset while the watches are open, then again while the driver's log is being followed.
  for (let i = 0; i < 400 && mine().filter((r) => r.query.watch === "true").length < 2; i++)
    await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
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

// Fake server: the 409 comes from a concurrent submit creating the object between sparklane's GET and POST, a race a real server cannot be told to lose.
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

// Fake server: a real API server answers 429 and 5xx only under overload or failure, not on demand.
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

// Fake server: the POST must be applied but answered too late, which needs the server to hold its answer.
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

// Fake server: kwok mounts no volumes, so no kubelet reports FailedMount for a missing ConfigMap.
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
