// `sparklane submit` bad input: exit 2 with one message, before any kubeconfig is read or request sent. The
// submissions themselves run against the real test cluster (test/kube/cluster-cli.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
// Nothing listens on port 9: had any request been sent, the exit code would be 3.
const dead = `${fixtures}dead-kubeconfig.yaml`;
const base = (...extra: string[]) => [
  "submit",
  "--conf",
  `${fixtures}daily.json`,
  "--template-dir",
  `${fixtures}templates`,
  "--ds",
  "2026-03-15",
  "--kubeconfig",
  dead,
  ...extra,
];

test("bad input exits 2 before anything is sent", async () => {
  const missing = await runCli(["submit", "--conf", "/nope.json", "--kubeconfig", dead]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.json/);
  const badTimeout = await runCli(base("--timeout", "soon"));
  assert.equal(badTimeout.code, 2);
  assert.match(badTimeout.stderr, /--timeout.*expected a number of seconds/);
  const badDry = await runCli(base("--dry-run", "maybe"));
  assert.equal(badDry.code, 2);
  assert.equal(missing.stdout + badTimeout.stdout + badDry.stdout, "");
});

test("kubeconfig problems are exit 2 and name the flag", async () => {
  const ctx = await runCli(["list", "--kubeconfig", dead, "--context", "prod"]);
  assert.equal(ctx.code, 2);
  assert.match(
    ctx.stderr,
    /--context prod: no such context in the kubeconfig\n {2}hint: known contexts: dead/,
  );
  const file = await runCli(["status", "x", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(file.code, 2);
  assert.match(file.stderr, /--kubeconfig \/nonexistent\/kubeconfig: no such file/);
  assert.equal(ctx.stdout + file.stdout, "");
});
