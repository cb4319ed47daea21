// Bad `--ledger` values on the commands that record runs: exit 2 with one line naming the flag, before anything
// runs (no cluster, no Spark needed). An unusable ledger for the exporter, a daemon asked to record, is exit 3.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";

const fixtures = fileURLToPath(new URL("../kube/fixtures/", import.meta.url));
const conf = `${fixtures}daily.json`;

test("a malformed --ledger is exit 2 naming the flag, for run --local, submit (with or without --wait) and exporter", async () => {
  const cases = [
    ["run", "--local", "--conf", conf, "--ledger", "ftp://x"],
    ["submit", "--conf", conf, "--dry-run", "client", "--ledger", "ftp://x"],
    ["submit", "--conf", conf, "--wait", "--kubeconfig", "/nonexistent", "--ledger", "mysql://db/x"],
    ["exporter", "--port", "0", "--host", "127.0.0.1", "--ledger", "ftp://x"],
  ];
  for (const args of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}\n${r.stderr}`);
    assert.match(r.stderr, /--ledger "[a-z]+:\/\/[^"]*": unknown scheme/, args.join(" "));
    assert.equal(r.stdout, "");
  }
});

test("the exporter refuses to start on a ledger it cannot open: exit 3", async () => {
  const r = await runCli(
    ["exporter", "--port", "0", "--host", "127.0.0.1", "--ledger", "/dev/null/ledger.db"],
    {
      env: { KUBECONFIG: `${fixtures}../../nonexistent-kubeconfig` },
    },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /ledger/);
});
