// The CLI against the real test cluster (test/cluster/): kube-apiserver with RBAC and Strict field validation,
// the controller manager's garbage collection, kwok's pod stages and the real Spark Operator with its
// webhook. The driver's fate is chosen by the task id (test/kube/fixtures/cluster-templates).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { binPath, repoRoot, runCli } from "../helpers/cli.js";
import {
  adminKubeconfig,
  appPath,
  eventually,
  get,
  fileNamespace,
  list,
  realClusterSkip,
  serviceAccountKubeconfig,
  admin,
} from "../helpers/real-cluster.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const skip = realClusterSkip;
const ns = fileNamespace("cli");

const kc = () => adminKubeconfig();
const base = (task: string, ...extra: string[]) => [
  "submit",
  "--conf",
  `${fixtures}daily.json`,
  "--template-dir",
  `${fixtures}cluster-templates`,
  "--ds",
  "2026-03-15",
  "--task-id",
  task,
  "--kubeconfig",
  kc(),
  "-n",
  ns.name,
  ...extra,
];
const nameIn = (stderr: string) =>
  /sparkapplication \S+\/(visits-distinct-20260315-[a-z0-9]{10})/.exec(stderr)?.[1];
const T = { timeoutMs: 240_000 };

test(
  "outcomes: COMPLETED with logs exits 0; FAILED exits 1 with the exit code; a stuck image and a failed init container are named",
  { skip, timeout: 300_000 },
  async () => {
    const [ok, json, fail, pull, init] = await Promise.all([
      runCli(base("ok_logs", "--wait", "--logs"), T),
      runCli(base("ok_json", "--wait", "--logs", "--output", "json"), T),
      runCli(base("fail", "--wait"), T),
      runCli(base("image-pull", "--wait"), T),
      runCli(base("init-fail", "--wait", "--keep"), T),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /^created sparkapplication \S+\/visits-distinct-20260315-[a-z0-9]{10}$/m);
    // The operator reads only pod phases: under load it may see the driver already finished and skip RUNNING.
    assert.match(ok.stderr, /SUBMITTED -> (RUNNING|SUCCEEDING)/);
    // kwok serves the files in test/cluster/kwok/logs through the API server's kubelet proxy.
    assert.match(ok.stdout, /^\[setup-etl\] bootstrap: ready$/m);
    assert.match(
      ok.stdout,
      /^\[spark-kubernetes-driver\] driver line 1\n\[spark-kubernetes-driver\] driver line 2\n\[spark-kubernetes-driver\] driver line 3$/m,
    );
    assert.match(ok.stdout, /driver running\s+\d+\.\d\d s/);
    assert.match(ok.stdout, /: COMPLETED\n$/);

    assert.equal(json.code, 0, json.stderr);
    const j = JSON.parse(json.stdout);
    assert.equal(j.outcome, "COMPLETED");
    assert.deepEqual(
      j.transitions.map((t: { to: string }) => t.to).filter((s: string) => s !== "NEW"),
      ["SUBMITTED", "RUNNING", "SUCCEEDING", "COMPLETED"].filter((s) =>
        j.transitions.some((t: { to: string }) => t.to === s),
      ),
    );
    assert.ok(
      j.timings.submitted && j.timings.driverRunning && j.timings.terminal,
      JSON.stringify(j.timings),
    );
    assert.match(json.stderr, /\[spark-kubernetes-driver\] driver line 3/);

    assert.equal(fail.code, 1, fail.stderr);
    assert.match(fail.stderr, /FAILED: driver container failed with ExitCode: 3, Reason: Error/);

    assert.equal(pull.code, 1, pull.stderr);
    assert.match(
      pull.stderr,
      /init container "setup-etl" \(image registry\.example\/spark:4\.0\.1-python3-pre-baked\) is stuck: ImagePullBackOff: Back-off pulling image/,
    );
    assert.equal(
      await get(appPath(ns.name, nameIn(pull.stderr))),
      undefined,
      "a stuck application is deleted",
    );

    assert.equal(init.code, 1, init.stderr);
    assert.match(init.stderr, /init container "setup-etl" \(image \S+\) exited with code 3 \(Error\)/);
    assert.ok(await get(appPath(ns.name, nameIn(init.stderr))), "--keep keeps it");
  },
);

test(
  "the same run attaches; a changed spec is refused with exit 2; --replace replaces",
  { skip, timeout: 300_000 },
  async () => {
    const first = await runCli(base("ok_attach"), T);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^created /m);
    const name = nameIn(first.stderr)!;
    const uid = (await get(appPath(ns.name, name)))!.metadata.uid;
    const again = await runCli(base("ok_attach"), T);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^attached /m);
    assert.equal((await get(appPath(ns.name, name)))!.metadata.uid, uid, "never posted again");

    const changed = await runCli(
      base(
        "ok_attach",
        "--template",
        `${fixtures}cluster-templates-changed/sparkapps/generic-spark-app-pre-baked.yaml`,
      ),
      T,
    );
    assert.equal(changed.code, 2, changed.stderr);
    assert.match(changed.stderr, /already exists and has a different spec/);
    assert.match(changed.stderr, /hint: pass --replace/);

    const replaced = await runCli(
      base(
        "ok_attach",
        "--template",
        `${fixtures}cluster-templates-changed/sparkapps/generic-spark-app-pre-baked.yaml`,
        "--replace",
        "--wait",
      ),
      T,
    );
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stderr, /^replaced /m);
    const now = (await get(appPath(ns.name, name)))!;
    assert.notEqual(now.metadata.uid, uid);
    assert.equal((now.spec as { driver: { memory: string } }).driver.memory, "2g");
  },
);

test(
  "a sidecar that outlives the driver is reported; --delete-on-termination cleans it up",
  { skip, timeout: 300_000 },
  async () => {
    const r = await runCli(
      base("sidecar", "--wait", "--termination-grace", "3", "--delete-on-termination"),
      T,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /the driver container has ended, but "log-shipper", "jmx-exporter" keep pod \S+-driver Running, so the operator keeps sparkapplication \S+ RUNNING; deleting it/,
    );
    const name = nameIn(r.stderr)!;
    assert.equal(await get(appPath(ns.name, name)), undefined);
    // The controller manager's garbage collector removes the driver pod through its ownerReference.
    await eventually(
      "the driver pod to be gone",
      async () => !(await get(`/api/v1/namespaces/${ns.name}/pods/${name}-driver`)),
    );
  },
);

test(
  "Ctrl-C with --delete-on-termination deletes the application and exits 130",
  { skip, timeout: 300_000 },
  async () => {
    const child = spawn(
      process.execPath,
      [binPath, ...base("ok_slow_int", "--wait", "--delete-on-termination")],
      {
        cwd: repoRoot,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    await eventually("RUNNING", async () => /-> RUNNING/.test(stderr), 200_000);
    child.kill("SIGINT");
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /interrupted while waiting for sparkapplication .* \(application deleted\)/);
    assert.equal(await get(appPath(ns.name, nameIn(stderr))), undefined);
  },
);

test(
  "kill -9 and the same command again re-attaches, never resubmits, and ends with the outcome",
  { skip, timeout: 300_000 },
  async () => {
    const child = spawn(process.execPath, [binPath, ...base("ok_slow_kill", "--wait")], {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.on("close", r));
    await eventually("RUNNING", async () => /-> RUNNING/.test(stderr), 200_000);
    const name = nameIn(stderr)!;
    const uid = (await get(appPath(ns.name, name)))!.metadata.uid;
    child.kill("SIGKILL");
    await exited;
    const r = await runCli(base("ok_slow_kill", "--wait"), T);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^attached sparkapplication /m);
    assert.equal((await get(appPath(ns.name, name)))!.metadata.uid, uid);
  },
);

test(
  "status, list, logs and delete on the applications of the tests above",
  { skip, timeout: 120_000 },
  async () => {
    const all = await runCli(["list", "--kubeconfig", kc(), "-n", ns.name, "--output", "json"]);
    assert.equal(all.code, 0, all.stderr);
    const rows = JSON.parse(all.stdout) as { name: string; state: string }[];
    assert.ok(rows.length >= 3, all.stdout);
    const byTask = await runCli([
      "list",
      "--kubeconfig",
      kc(),
      "-n",
      ns.name,
      "--task",
      "init-fail",
      "--output",
      "json",
    ]);
    const initFailed = JSON.parse(byTask.stdout) as { name: string; state: string }[];
    assert.equal(initFailed.length, 1, byTask.stdout);
    const done = rows.find((r) => r.state === "COMPLETED")!;

    const s = await runCli(["status", done.name, "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /state:\s+COMPLETED/);
    assert.match(s.stdout, /driver pod:\s+\S+-driver \(Succeeded\)/);
    const missing = await runCli(["status", "nope", "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /sparkapplication \S+\/nope not found/);

    const logs = await runCli(["logs", done.name, "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.deepEqual(logs.stdout.trim().split("\n").slice(-3), [
      "[spark-kubernetes-driver] driver line 1",
      "[spark-kubernetes-driver] driver line 2",
      "[spark-kubernetes-driver] driver line 3",
    ]);

    const victim = initFailed[0]!.name;
    // The run kept by --keep after its init container failed: status names the container and shows the
    // Warning event kwok's stage recorded, as a kubelet would.
    const failedInit = await runCli(["status", victim, "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(failedInit.code, 0, failedInit.stderr);
    assert.match(failedInit.stdout, /setup-etl/);
    assert.match(
      failedInit.stdout,
      // The application's SparkDriverFailed may share the pod event's second and sort either side of it.
      /warnings:\n(?: {2}.*\n)*? {2}\S+ {2}pod\/\S+-driver {2}BackOff: Init container failed/,
    );
    const d = await runCli(["delete", victim, "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(await get(appPath(ns.name, victim)), undefined);
    const again = await runCli(["delete", victim, "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(again.code, 2);
    const ignored = await runCli([
      "delete",
      victim,
      "--kubeconfig",
      kc(),
      "-n",
      ns.name,
      "--ignore-not-found",
    ]);
    assert.equal(ignored.code, 0);
  },
);

test(
  "logs -f follows a running driver and ends when its container stops, as with a kubelet",
  { skip, timeout: 300_000 },
  async () => {
    const created = await runCli(base("ok_follow"), T);
    assert.equal(created.code, 0, created.stderr);
    const name = nameIn(created.stderr)!;
    const r = await runCli(["logs", name, "-f", "--kubeconfig", kc(), "-n", ns.name], T);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\[setup-etl\] bootstrap: ready\n[^]*\[spark-kubernetes-driver\] driver line 3\n$/,
    );
    assert.equal((await get(appPath(ns.name, name)))!.status?.applicationState?.state, "COMPLETED");
  },
);

test(
  "SUBMISSION_FAILED prints one short summary with the API server's refusal; the whole text goes to a file",
  { skip, timeout: 300_000 },
  async () => {
    // The seed's defect: a volume mounted only by the JMX sidecar. The operator's webhook leaves it off the
    // pod, the API server refuses the pod, spark-submit fails.
    const r = await runCli(
      base("ok_subfail", "--template", `${fixtures}cluster-sidecar-only-volume.yaml`, "--wait"),
      T,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /SUBMISSION_FAILED: /);
    assert.match(
      r.stderr,
      /the API server refused: POST \S+\/pods: Pod "\S+-driver" is invalid: spec\.initContainers\[1\]\.volumeMounts\[0\]\.name: Not found: "jmx-exporter-config"/,
    );
    const file = /the operator's whole message \(\d+ lines\): (\S+) \(--verbose prints it\)/.exec(
      r.stderr,
    )?.[1];
    assert.ok(file && existsSync(file), r.stderr);
    assert.match(readFileSync(file, "utf8"), /at io\.fabric8|at org\.apache\.spark/);
    assert.ok(r.stderr.split("\n").length < 25, `short: ${r.stderr.split("\n").length} lines\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack frames on the terminal");
  },
);

test(
  "refusals by the real API server: missing namespace and RBAC are exit 3 with one clear line; unreachable is exit 3",
  { skip, timeout: 120_000 },
  async () => {
    const nons = await runCli([...base("ok_nons").slice(0, -2), "-n", "no-such-namespace"]);
    assert.equal(nons.code, 3, nons.stderr);
    assert.match(nons.stderr, /no-such-namespace/);
    assert.match(nons.stderr, /not found/);
    assert.match(nons.stderr, /hint: namespace no-such-namespace does not exist: create it/);
    assert.doesNotMatch(nons.stderr, /^\s+at /m);

    await admin().call("POST", `/api/v1/namespaces/${ns.name}/serviceaccounts`, {
      metadata: { name: "nobody" },
    });
    const sakc = await serviceAccountKubeconfig(ns.name, "nobody");
    const rbac = await runCli([...base("ok_rbac").slice(0, -4), "--kubeconfig", sakc, "-n", ns.name]);
    assert.equal(rbac.code, 3, rbac.stderr);
    assert.match(
      rbac.stderr,
      /403 Forbidden: sparkapplications\.sparkoperator\.k8s\.io .* is forbidden: User "system:serviceaccount:[^:]+:nobody" cannot get resource "sparkapplications"/,
    );
    assert.equal(rbac.stderr.trim().split("\n").length <= 3, true, rbac.stderr);

    const dir = mkdtempSync(join(tmpdir(), "sparklane-dead-"));
    const dead = join(dir, "kubeconfig");
    writeFileSync(
      dead,
      readFileSync(kc(), "utf8").replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:9"),
    );
    const unreachable = await runCli(["list", "--kubeconfig", dead, "-n", ns.name]);
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.match(
      unreachable.stderr,
      /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:9: ECONNREFUSED/,
    );
  },
);

test(
  "--dry-run server is admitted by the API server and its webhooks and stores nothing; --dry-run client touches nothing",
  { skip, timeout: 120_000 },
  async () => {
    const before = (await list(appPath(ns.name))).length;
    const server = await runCli(base("ok_dry", "--dry-run", "server"));
    assert.equal(server.code, 0, server.stderr);
    assert.match(server.stderr, /the API server accepted sparkapplication/);
    const client = await runCli([...base("ok_dry").slice(0, -4), "--dry-run", "client"]);
    assert.equal(client.code, 0, client.stderr);
    assert.match(client.stdout, /sparklane-run-id: [a-z0-9]{10}/);
    assert.equal((await list(appPath(ns.name))).length, before);
  },
);
