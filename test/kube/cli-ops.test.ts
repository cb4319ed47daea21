// The CLI's kubeconfig errors, which no server takes part in. status, list, logs, delete and the exporter are
// tested against the real test cluster: cluster-cli.test.ts, cluster-ops.test.ts, cluster-faults.test.ts,
// test/metrics/cluster-exporter*.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";

const deadKubeconfig = fileURLToPath(new URL("./fixtures/dead-kubeconfig.yaml", import.meta.url));

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

test("kubeconfig problems are exit 2 and name the flag", async () => {
  const ctx = await runCli(["list", "--kubeconfig", deadKubeconfig, "--context", "prod"]);
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
