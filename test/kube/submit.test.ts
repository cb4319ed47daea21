// submit + watch against the fake API server and the simulated operator, only for what a real API server and
// the real operator cannot produce on demand; each test says why. Everything else submit does is tested on the
// real test cluster: cluster-submit.test.ts, cluster-cli.test.ts, cluster-faults.test.ts (cut, stalled and
// refused connections through a TCP proxy in front of the real API server).
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

// Fake: the real operator goes through UNKNOWN, PENDING_RERUN and INVALIDATING only on a lost node, a retry
// policy and a spec change during a run; no stage makes that sequence on demand in one run.
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

// Fake: a real API server answers 410 only once etcd has compacted past the watch's resourceVersion (every
// 5 min by default), never in the middle of a stream on demand, and never as an ERROR event we can time.
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

// Fake: a GET that misses an object which a concurrent submit creates before our POST is a race no real
// server produces on demand.
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

// Fake: a real API server sends 429 and 5xx only under overload (APF, etcd down), not as a chosen sequence.
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

// Fake: the proxy (cluster-faults.test.ts) sees only TLS bytes, so it cannot hold back the POST's answer while
// letting the GET before it through; the fake delays exactly the POST.
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

// Fake for FailedMount: the kubelet emits it; kwok mounts nothing and never does. (The operator's own
// SparkDriverFailed event is checked on the real cluster in cluster-submit.test.ts.)
test("a run that does not complete reports the kubelet's FailedMount Warning event that names the cause", async () => {
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
});
