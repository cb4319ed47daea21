// list's filters and the namespace rule of status/logs/list/delete, through the built CLI against the real
// test cluster. The applications live in a namespace the operator does not watch: they are only stored, never
// run, so these tests cost no spark-submit; the label selectors are evaluated by the real API server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { submit } from "../../src/kube/submit.js";
import { input } from "./harness.js";
import {
  adminKubeconfig,
  jobNamespace,
  realClusterSkip,
  type TestNamespace,
} from "../helpers/real-cluster.js";

const skip = realClusterSkip;
let ns: TestNamespace;
let dir: string;
let done: string;
let pull: string;
let other: string;
const kc = () => adminKubeconfig();

before(async () => {
  if (skip) return;
  ns = await jobNamespace("ops", { watched: false });
  dir = mkdtempSync(join(tmpdir(), "sparklane-ops-"));
  const ctx = (taskId: string, ds = "2026-03-15") => ({
    dagId: "visits_dag",
    taskId,
    ds,
    runId: `manual__${taskId}`,
  });
  const o = { kubeconfig: kc(), namespace: ns.name };
  done = (await submit(input({ context: ctx("daily") }), o)).name;
  pull = (await submit(input({ context: ctx("pull") }), o)).name;
  other = (
    await submit(
      input({
        context: ctx("other", "2026-03-16"),
        variant: "standard",
        payload: { etl_module: "sessions", etl_script: "s.py", config_file: "c.yaml" },
      }),
      o,
    )
  ).name;
});
after(async () => {
  if (skip) return;
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

const names = (stdout: string) => (JSON.parse(stdout) as { name: string }[]).map((r) => r.name).sort();

test("list filters by the cost-attribution labels, evaluated by the real API server", { skip }, async () => {
  const base = ["list", "--kubeconfig", kc(), "-n", ns.name];
  const all = await runCli([...base, "--output", "json"]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(names(all.stdout), [done, pull, other].sort());
  const byModule = await runCli([...base, "--module", "sessions", "--output", "json"]);
  assert.deepEqual(names(byModule.stdout), [other]);
  const byVariant = await runCli([...base, "--variant", "pre-baked", "--task", "pull", "--output", "json"]);
  assert.deepEqual(names(byVariant.stdout), [pull]);
  const byDate = await runCli([...base, "--execution-date", "2026-03-16", "--dag", "visits_dag"]);
  assert.match(byDate.stdout, /^NAMESPACE\s+NAME\s+STATE/);
  assert.ok(byDate.stdout.includes(other) && !byDate.stdout.includes(done), byDate.stdout);
});

test(
  "one namespace rule for every command: --namespace > the template's > the context's > default",
  { skip },
  async () => {
    // The admin kubeconfig's context names no namespace. A project whose template renders this test's
    // namespace: status, logs, list and delete look there, as submit created there.
    const project = join(dir, "proj");
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, "sparklane.yaml"),
      `name: p\nvariables:\n  sparklane_namespace: ${ns.name}\n`,
    );
    const st = await runCli(["status", done, "--kubeconfig", kc(), "--project", project]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, new RegExp(`name:\\s+${ns.name}/${done}`));
    const list = await runCli(["list", "--kubeconfig", kc(), "--project", project, "--output", "json"]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(names(list.stdout).includes(done));
    // The template wins over a context that names another namespace, as with kubectl create -f.
    const elsewhere = join(dir, "kubeconfig-other.yaml");
    writeFileSync(
      elsewhere,
      readFileSync(kc(), "utf8").replace(/^( {4}cluster: sparklane-test\n)/m, "$1    namespace: other\n"),
    );
    assert.match(readFileSync(elsewhere, "utf8"), /namespace: other/);
    assert.equal((await runCli(["status", done, "--kubeconfig", elsewhere, "--project", project])).code, 0);
    // Without the project the built-in templates render namespace spark: that is where sparklane looks, and
    // it says so.
    const missing = await runCli(["status", done, "--kubeconfig", kc()]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      new RegExp(`sparkapplication spark/${done} not found in namespace spark \\(the template's\\)`),
    );
    const del = await runCli(["delete", "nope", "--kubeconfig", kc(), "--project", project]);
    assert.equal(del.code, 2);
    assert.match(del.stderr, new RegExp(`${ns.name}/nope not found in namespace ${ns.name}`));
    // --namespace wins over everything.
    const flag = await runCli(["status", done, "--kubeconfig", kc(), "-n", ns.name]);
    assert.equal(flag.code, 0, flag.stderr);
    const none = await runCli(["list", "--kubeconfig", kc(), "-n", "default", "--module", "x"]);
    assert.match(none.stderr, /no sparkapplications match in namespace default \(from --namespace\)/);
  },
);
