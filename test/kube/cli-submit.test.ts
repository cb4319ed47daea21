// `sparklane submit` through the built CLI against the fake API server: exit codes, output, Ctrl-C, and
// kill-then-rerun re-attachment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { binPath, repoRoot, runCli } from "../helpers/cli.js";
import type { Scenario } from "../helpers/fake-apiserver/operator.js";
import { startCluster, type Cluster } from "./harness.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
let c: Cluster;
before(async () => {
  // The task id picks the operator's scenario.
  c = await startCluster({
    stepMs: 20,
    scenario: (app) => (app.metadata.labels?.["airflow-task-id"] ?? "happy") as Scenario,
  });
});
after(async () => {
  await c.close();
});

const base = (task: string, ...extra: string[]) => [
  "submit",
  "--conf",
  `${fixtures}daily.json`,
  "--template-dir",
  `${fixtures}templates`,
  "--ds",
  "2026-03-15",
  "--task-id",
  task,
  "--kubeconfig",
  c.kubeconfig,
  ...extra,
];
const posts = () => c.api.count("POST", /sparkapplications$/);

test("happy path with --wait --logs: exit 0, logs, transitions and phase timings", async () => {
  const r = await runCli(base("happy", "--wait", "--logs"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^created sparkapplication spark\/visits-distinct-20260315-[a-z0-9]{10}$/m);
  assert.match(r.stderr, /SUBMITTED -> RUNNING/);
  assert.match(r.stdout, /^\[setup-etl\] bootstrap: ready$/m);
  assert.match(r.stdout, /^\[spark-kubernetes-driver\] driver line 3$/m);
  assert.match(r.stdout, /first executor running\s+\d+\.\d\d s/);
  assert.match(r.stdout, /: COMPLETED\n$/);
});

test("--output json carries the outcome, transitions and timings; logs go to stderr", async () => {
  const r = await runCli(base("happy-json", "--wait", "--logs", "--output", "json"));
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.ok, true);
  assert.equal(j.outcome, "COMPLETED");
  assert.ok(j.timings.driverRunning && j.offsets.terminal >= 0);
  assert.match(r.stderr, /\[spark-kubernetes-driver\] driver line 1/);
});

test("FAILED exits 1 with the operator's errorMessage", async () => {
  const r = await runCli(base("fail", "--wait"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /FAILED: driver container failed with ExitCode: 1, Reason: Error/);
});

test("a stuck driver pod exits 1 naming container, reason and image, and the application is deleted", async () => {
  const r = await runCli(base("image-pull", "--wait"));
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /init container "setup-etl" \(image registry\.example\/spark:4\.0\.0-python3-pre-baked\) is stuck: ImagePullBackOff/,
  );
  assert.match(
    r.stderr,
    /recent warning events:\n {2}\S+ {2}pod\/\S+-driver {2}Failed: Failed to pull image/,
  );
  assert.equal(c.api.store.list("sparkapplications", "spark", "airflow-task-id=image-pull").length, 0);
});

test("--timeout exits 1 and deletes unless --keep", async () => {
  const r = await runCli(base("never", "--wait", "--timeout", "0.5"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /timed out after \d+ s in state NEW \(application deleted; --keep keeps it\)/);
  assert.equal(c.api.store.list("sparkapplications", "spark", "airflow-task-id=never").length, 0);
});

test("bad input exits 2 before anything is sent", async () => {
  const n = posts();
  const missing = await runCli(["submit", "--conf", "/nope.json", "--kubeconfig", c.kubeconfig]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.json/);
  const badTimeout = await runCli(base("x", "--timeout", "soon"));
  assert.equal(badTimeout.code, 2);
  assert.match(badTimeout.stderr, /--timeout.*expected a number of seconds/);
  const badDry = await runCli(base("x", "--dry-run", "maybe"));
  assert.equal(badDry.code, 2);
  assert.equal(posts(), n);
  assert.equal(missing.stdout + badTimeout.stdout, "");
});

test("an unreachable API exits 3", async () => {
  const { FakeApiServer } = await import("../helpers/fake-apiserver/server.js");
  const dead = await new FakeApiServer().start();
  const kc = dead.kubeconfig();
  await dead.stop();
  const r = await runCli([...base("dead").slice(0, -2), "--kubeconfig", kc]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /cannot reach the Kubernetes API/);
  await dead.close();
});

test("--dry-run client prints the manifest without touching the cluster", async () => {
  const n = posts();
  const r = await runCli(base("dry", "--dry-run", "client"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sparklane-run-id: [a-z0-9]{10}/);
  assert.equal(posts(), n);
});

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr };
}

async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("Ctrl-C with --delete-on-termination deletes the application and exits 130", async () => {
  const p = spawnCli(base("never", "--wait", "--delete-on-termination"));
  await until(() => /created sparkapplication/.test(p.stderr()), "creation");
  await until(() => c.api.openWatchCount() >= 2, "watches open");
  p.child.kill("SIGINT");
  const { code } = await p.exited;
  assert.equal(code, 130, p.stderr());
  assert.match(p.stderr(), /interrupted while waiting for sparkapplication .* \(application deleted\)/);
  assert.equal(c.api.store.list("sparkapplications", "spark", "airflow-task-id=never").length, 0);
});

test("killing the process and rerunning the same command re-attaches and never resubmits", async () => {
  const n = posts();
  const p = spawnCli(base("slow", "--wait"));
  await until(
    () =>
      c.api.store
        .list("sparkapplications", "spark", "airflow-task-id=slow")
        .some((a) => a.status?.applicationState?.state === "RUNNING"),
    "RUNNING",
  );
  p.child.kill("SIGKILL");
  await p.exited;
  const r = await runCli(base("slow", "--wait"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^attached sparkapplication /m);
  assert.equal(posts() - n, 1, "one POST in all");
});
