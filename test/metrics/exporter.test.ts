// The exporter against the fake cluster: counts every run once, across 410s and an API server restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../../src/kube/client.js";
import { submit } from "../../src/kube/submit.js";
import { Exporter } from "../../src/metrics/exporter.js";
import { input, startCluster } from "../kube/harness.js";

async function scrape(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  return r.text();
}

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

async function until(fn: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const ctx = (taskId: string) => ({ dagId: "d", taskId, ds: "2026-03-15", runId: `r-${taskId}` });

test("exporter: start latency, outcomes, durations, states; history not counted; survives 410 and an API restart", async () => {
  const c = await startCluster({ stepMs: 10 });
  const ctl = new AbortController();
  try {
    // A run that finished before the exporter started is history: present in the state gauge, not counted as a run.
    await submit(input({ context: ctx("old") }), { kubeconfig: c.kubeconfig, wait: true });
    const kube = connect({ kubeconfig: c.kubeconfig });
    const exporter = new Exporter({
      kube,
      namespaces: ["spark"],
      port: 0,
      host: "127.0.0.1",
      signal: ctl.signal,
      processMetrics: false,
      now: () => Date.now() + 3_600_000,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    });
    const { port } = await exporter.start();
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, "healthz");
    let m = await scrape(port);
    assert.equal(value(m, 'sparklane_applications{state="COMPLETED"}'), 1);
    assert.equal(
      value(
        m,
        'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"}',
      ),
      0,
    );

    await submit(input({ context: ctx("a") }), { kubeconfig: c.kubeconfig, wait: true });
    await submit(input({ context: ctx("b"), variant: "standard" }), { kubeconfig: c.kubeconfig, wait: true });
    await submit(input({ context: ctx("c"), scenario: "fail" }), { kubeconfig: c.kubeconfig, wait: true });
    await until(
      async () =>
        value(
          await scrape(port),
          'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="failed",origin="sparklane"}',
        ) === 1,
      "failed run counted",
    );
    m = await scrape(port);
    assert.equal(
      value(
        m,
        'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"}',
      ),
      1,
    );
    assert.equal(
      value(
        m,
        'sparklane_runs_total{module="visits_distinct",variant="standard",outcome="completed",origin="sparklane"}',
      ),
      1,
    );
    assert.equal(
      value(
        m,
        'sparklane_job_start_latency_seconds_count{module="visits_distinct",variant="pre-baked",origin="sparklane"}',
      ),
      2,
    );
    assert.equal(
      value(
        m,
        'sparklane_job_start_latency_seconds_bucket{le="2",module="visits_distinct",variant="pre-baked",origin="sparklane"}',
      ),
      2,
      "fast fake starts land in the 2 s bucket (creation time has 1 s resolution)",
    );
    assert.equal(
      value(
        m,
        'sparklane_run_duration_seconds_count{module="visits_distinct",variant="standard",outcome="completed",origin="sparklane"}',
      ),
      1,
    );
    assert.equal(value(m, 'sparklane_applications{state="COMPLETED"}'), 3);
    assert.equal(value(m, 'sparklane_applications{state="FAILED"}'), 1);
    assert.doesNotMatch(m, /r-a|manual__|payload/, "no run ids or payload values in labels");

    // 410 Gone in the middle, then an API server restart (same port, same store): nothing is counted twice.
    c.api.expireWatches();
    await submit(input({ context: ctx("d") }), { kubeconfig: c.kubeconfig, wait: true });
    const refused = (text: string) =>
      text
        .split("\n")
        .filter(
          (l) => l.startsWith("sparklane_exporter_watch_restarts_total{") && l.includes('reason="error"'),
        )
        .reduce((n, l) => n + Number(l.split(" ")[1]), 0);
    const refusedBefore = refused(await scrape(port));
    await c.api.stop();
    // Restart only once the exporter has met the outage (a failed reconnect), not after a guessed delay.
    await until(async () => refused(await scrape(port)) > refusedBefore, "the exporter to see the API down");
    await c.api.start();
    await submit(input({ context: ctx("e") }), { kubeconfig: c.kubeconfig, wait: true });
    await until(
      async () =>
        value(
          await scrape(port),
          'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"}',
        ) === 3,
      "runs after restart",
    );
    m = await scrape(port);
    assert.equal(
      value(
        m,
        'sparklane_job_start_latency_seconds_count{module="visits_distinct",variant="pre-baked",origin="sparklane"}',
      ),
      4,
    );
    assert.ok(value(m, 'sparklane_exporter_watch_restarts_total{resource="app",reason="gone"}') >= 1);
    assert.equal(value(m, 'sparklane_applications{state="COMPLETED"}'), 5);

    // A driver that cannot pull its image leaves the application SUBMITTED: its age shows (clock one hour ahead).
    assert.equal(value(m, "sparklane_submitted_oldest_age_seconds"), 0);
    await submit(input({ context: ctx("stuck"), scenario: "image-pull" }), {
      kubeconfig: c.kubeconfig,
      wait: true,
      keep: true,
    });
    await until(
      async () => value(await scrape(port), "sparklane_submitted_oldest_age_seconds") >= 3600,
      "oldest SUBMITTED age",
    );

    // Deleting applications empties the state gauge.
    for (const a of c.api.store.list("sparkapplications", "spark"))
      c.api.store.delete("sparkapplications", "spark", a.metadata.name);
    await until(
      async () => value(await scrape(port), 'sparklane_applications{state="COMPLETED"}') === 0,
      "gauge after deletes",
    );
    await exporter.stop();
  } finally {
    ctl.abort();
    await c.close();
  }
});

test("exporter with --all-namespaces sees every namespace", async () => {
  const c = await startCluster({ stepMs: 5 });
  const ctl = new AbortController();
  try {
    const exporter = new Exporter({
      kube: connect({ kubeconfig: c.kubeconfig }),
      allNamespaces: true,
      port: 0,
      host: "127.0.0.1",
      signal: ctl.signal,
      processMetrics: false,
    });
    const { port } = await exporter.start();
    await until(async () => exporter.healthy, "synced");
    for (const namespace of ["team-a", "team-b"]) {
      await submit(input({ context: ctx(namespace) }), { kubeconfig: c.kubeconfig, namespace, wait: true });
    }
    await until(
      async () =>
        value(
          await scrape(port),
          'sparklane_runs_total{module="visits_distinct",variant="pre-baked",outcome="completed",origin="sparklane"}',
        ) === 2,
      "runs in two namespaces",
    );
    assert.ok(
      c.api.requests.some(
        (r) => r.path === "/apis/sparkoperator.k8s.io/v1beta2/sparkapplications" && r.query.watch === "true",
      ),
      "one cluster-wide watch",
    );
    await exporter.stop();
  } finally {
    ctl.abort();
    await c.close();
  }
});
