// status, list, logs and delete through the built CLI against the fake API server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { submit } from "../../src/kube/submit.js";
import { input, startCluster, type Cluster } from "./harness.js";

let c: Cluster;
let done: string;
let stuck: string;
let other: string;
before(async () => {
  c = await startCluster({ stepMs: 10 });
  const ctx = (taskId: string, ds = "2026-03-15") => ({
    dagId: "visits_dag",
    taskId,
    ds,
    runId: `manual__${taskId}`,
  });
  done = (await submit(input({ context: ctx("daily") }), { kubeconfig: c.kubeconfig, wait: true })).name;
  stuck = (
    await submit(input({ context: ctx("pull"), scenario: "image-pull" }), {
      kubeconfig: c.kubeconfig,
      wait: true,
      keep: true,
    })
  ).name;
  other = (
    await submit(
      input({
        context: ctx("other", "2026-03-16"),
        variant: "standard",
        payload: { etl_module: "sessions", etl_script: "s.py", config_file: "c.yaml" },
        scenario: "never",
      }),
      {
        kubeconfig: c.kubeconfig,
      },
    )
  ).name;
});
after(async () => {
  await c.close();
});

test("list filters by the cost-attribution labels", async () => {
  const all = await runCli(["list", "--kubeconfig", c.kubeconfig, "--output", "json"]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(
    JSON.parse(all.stdout)
      .map((r: { name: string }) => r.name)
      .sort(),
    [done, stuck, other].sort(),
  );
  const byModule = await runCli([
    "list",
    "--kubeconfig",
    c.kubeconfig,
    "--module",
    "sessions",
    "--output",
    "json",
  ]);
  assert.deepEqual(
    JSON.parse(byModule.stdout).map((r: { name: string }) => r.name),
    [other],
  );
  const byVariant = await runCli([
    "list",
    "--kubeconfig",
    c.kubeconfig,
    "--variant",
    "pre-baked",
    "--task",
    "pull",
    "--output",
    "json",
  ]);
  assert.deepEqual(
    JSON.parse(byVariant.stdout).map((r: { name: string }) => r.name),
    [stuck],
  );
  const byDate = await runCli([
    "list",
    "--kubeconfig",
    c.kubeconfig,
    "--execution-date",
    "2026-03-16",
    "--dag",
    "visits_dag",
  ]);
  assert.match(byDate.stdout, /^NAMESPACE\s+NAME\s+STATE/);
  assert.ok(byDate.stdout.includes(other) && !byDate.stdout.includes(done), byDate.stdout);
});

test("status shows state, the stuck reason and the phase timings", async () => {
  const s = await runCli(["status", stuck, "--kubeconfig", c.kubeconfig]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /state:\s+SUBMITTED/);
  assert.match(s.stdout, /stuck:.*ImagePullBackOff/);
  assert.match(
    s.stdout,
    /warnings:\n {2}\S+ {2}pod\/\S+-driver {2}Failed: Failed to pull image "registry\.example\/spark:4\.0\.0-python3": manifest unknown/,
  );
  const j = await runCli(["status", done, "--kubeconfig", c.kubeconfig, "--output", "json"]);
  const st = JSON.parse(j.stdout);
  assert.equal(st.state, "COMPLETED");
  assert.ok(st.timings.created && st.timings.terminal);
  const missing = await runCli(["status", "nope", "--kubeconfig", c.kubeconfig]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /sparkapplication spark\/nope not found/);
});

test("one namespace rule for every command: --namespace > the template's > the context's > default", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-ns-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A context without a namespace: status, logs and delete used to look in `default`, while submit had created
  // the application in the template's namespace (spark, from the built-in templates).
  const bare = join(dir, "kubeconfig-no-namespace.yaml");
  writeFileSync(bare, readFileSync(c.kubeconfig, "utf8").replace(/^ {4}namespace: .*\n/m, ""));
  const st = await runCli(["status", done, "--kubeconfig", bare]);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, new RegExp(`name:\\s+spark/${done}`));
  const logs = await runCli(["logs", done, "--kubeconfig", bare]);
  assert.equal(logs.code, 0, logs.stderr);
  const list = await runCli(["list", "--kubeconfig", bare, "--output", "json"]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok((JSON.parse(list.stdout) as { name: string }[]).some((r) => r.name === done));
  // The template wins over a context that names another namespace, as with kubectl create -f.
  const elsewhere = join(dir, "kubeconfig-other.yaml");
  writeFileSync(elsewhere, readFileSync(c.kubeconfig, "utf8").replace(/^( {4}namespace: ).*$/m, "$1other"));
  assert.equal((await runCli(["status", done, "--kubeconfig", elsewhere])).code, 0);
  // A project whose template renders another namespace: that is where sparklane looks, and it says so.
  const project = join(dir, "proj");
  mkdirSync(project);
  writeFileSync(join(project, "sparklane.yaml"), "name: p\nvariables:\n  sparklane_namespace: etl\n");
  const missing = await runCli(["status", done, "--kubeconfig", bare, "--project", project]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    new RegExp(`sparkapplication etl/${done} not found in namespace etl \\(the template's\\)`),
  );
  const none = await runCli(["list", "--kubeconfig", bare, "--project", project]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(
    none.stderr,
    /no sparkapplications match in namespace etl \(the template's\); -A searches every namespace/,
  );
  const del = await runCli(["delete", "nope", "--kubeconfig", bare, "--project", project]);
  assert.match(del.stderr, /etl\/nope not found in namespace etl/);
  // --namespace wins over everything.
  const flag = await runCli(["status", done, "--kubeconfig", bare, "--project", project, "-n", "spark"]);
  assert.equal(flag.code, 0, flag.stderr);
  const dflt = await runCli(["list", "--kubeconfig", bare, "-n", "default", "--module", "x"]);
  assert.match(dflt.stderr, /no sparkapplications match in namespace default \(from --namespace\)/);
});

test("no kubeconfig at all is exit 2 saying so, for the commands and the exporter", async (t) => {
  const home = mkdtempSync(join(tmpdir(), "sparklane-home-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const env = { HOME: home, KUBECONFIG: "", KUBERNETES_SERVICE_HOST: "" };
  for (const args of [["list"], ["status", "x"], ["exporter", "--port", "0", "--host", "127.0.0.1"]]) {
    const r = await runCli(args, { env, timeoutMs: 20_000 });
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /no kubeconfig found/);
    assert.doesNotMatch(r.stderr, /skipTLSVerify/);
  }
});

test("the exporter exits 3 when the API never answers at start, instead of printing and running on", async () => {
  const { FakeApiServer } = await import("../helpers/fake-apiserver/server.js");
  const dead = await new FakeApiServer().start();
  const kc = dead.kubeconfig();
  await dead.stop();
  try {
    const r = await runCli(
      ["exporter", "--kubeconfig", kc, "-n", "spark", "--port", "0", "--host", "127.0.0.1"],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(r.signal, null, `still running after 60 s: ${r.stderr}`);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot reach the Kubernetes API/);
  } finally {
    await dead.close();
  }
});

test("logs prints the init container's log and then the driver's", async () => {
  const r = await runCli(["logs", done, "--kubeconfig", c.kubeconfig]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), [
    `[setup-etl] bootstrap: fetching ${done} code`,
    "[setup-etl] bootstrap: ready",
    "[spark-kubernetes-driver] driver line 1",
    "[spark-kubernetes-driver] driver line 2",
    "[spark-kubernetes-driver] driver line 3",
  ]);
});

test("delete removes the application and its pods; a missing name is exit 2 unless --ignore-not-found", async () => {
  const r = await runCli(["delete", stuck, "--kubeconfig", c.kubeconfig]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(c.api.store.get("sparkapplications", "spark", stuck), undefined);
  assert.equal(c.api.store.list("pods", "spark", `sparkoperator.k8s.io/app-name=${stuck}`).length, 0);
  const again = await runCli(["delete", stuck, "--kubeconfig", c.kubeconfig]);
  assert.equal(again.code, 2);
  const ignored = await runCli(["delete", stuck, "--kubeconfig", c.kubeconfig, "--ignore-not-found"]);
  assert.equal(ignored.code, 0);
});

test("an unreachable API exits 3", async () => {
  const { FakeApiServer } = await import("../helpers/fake-apiserver/server.js");
  const dead = await new FakeApiServer().start();
  const kc = dead.kubeconfig();
  await dead.stop();
  const r = await runCli(["list", "--kubeconfig", kc]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  await dead.close();
});

test("logs -f follows a running application to its end", async () => {
  const app = await submit(
    input({
      context: { dagId: "visits_dag", taskId: "follow", ds: "2026-03-15", runId: "f" },
      scenario: "gated",
    }),
    { kubeconfig: c.kubeconfig },
  );
  const watches = c.api.openWatchCount();
  const p = runCli(["logs", app.name, "-f", "--kubeconfig", c.kubeconfig]);
  // Start the run only once the CLI is watching, so the lines really arrive while it follows.
  for (let i = 0; i < 400 && c.api.openWatchCount() < watches + 2; i++)
    await new Promise((r) => setTimeout(r, 25));
  c.operator.release(app.name);
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[setup-etl\] bootstrap: ready\n[^]*\[spark-kubernetes-driver\] driver line 3\n$/);
  assert.equal(
    c.api.store.get("sparkapplications", "spark", app.name)?.status?.applicationState?.state,
    "COMPLETED",
  );
});

test("sparklane exporter serves /healthz and /metrics, and stops on SIGTERM", async () => {
  const { spawn } = await import("node:child_process");
  const { binPath } = await import("../helpers/cli.js");
  const child = spawn(
    process.execPath,
    [binPath, "exporter", "--kubeconfig", c.kubeconfig, "-n", "spark", "--port", "0", "--host", "127.0.0.1"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    for (let i = 0; i < 200 && !/serving http:\/\/127\.0\.0\.1:\d+\/metrics/.test(stderr); i++)
      await new Promise((r) => setTimeout(r, 50));
    const port = Number(/serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1]);
    assert.ok(port > 0, stderr);
    let health = 0;
    for (let i = 0; i < 100 && health !== 200; i++) {
      health = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
      if (health !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(health, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^sparklane_applications\{state="COMPLETED"\} [1-9]/m);
    assert.match(metrics, /# TYPE sparklane_job_start_latency_seconds histogram/);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, stderr);
});

test("kubeconfig problems are exit 2 and name the flag", async () => {
  const ctx = await runCli(["list", "--kubeconfig", c.kubeconfig, "--context", "prod"]);
  assert.equal(ctx.code, 2);
  assert.match(
    ctx.stderr,
    /--context prod: no such context in the kubeconfig\n {2}hint: known contexts: fake/,
  );
  const file = await runCli(["status", "x", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(file.code, 2);
  assert.match(file.stderr, /--kubeconfig \/nonexistent\/kubeconfig: no such file/);
  assert.equal(ctx.stdout + file.stdout, "");
});
