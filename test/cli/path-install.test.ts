// The README's way to get `sparklane` on the PATH from a clone: `npm link`, which is `npm install -g .`.
// Done here into a temporary prefix, so the machine's global folder is untouched; no registry is asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { repoRoot } from "../helpers/cli.js";

test("npm install -g . from the clone puts a working `sparklane` on the PATH", (t) => {
  const prefix = mkdtempSync(join(tmpdir(), "sparklane-prefix-"));
  t.after(() => rmSync(prefix, { recursive: true, force: true }));
  const install = spawnSync(
    "npm",
    ["install", "-g", "--prefix", prefix, ".", "--ignore-scripts", "--offline", "--no-audit", "--no-fund"],
    { cwd: repoRoot, encoding: "utf8" },
  );
  assert.equal(install.status, 0, install.stderr);
  const bin = process.platform === "win32" ? prefix : join(prefix, "bin");
  assert.ok(existsSync(join(bin, "sparklane")), "npm linked the sparklane command");
  // From an unrelated folder, by name, as the README's examples call it.
  const env = {
    ...process.env,
    PATH: `${bin}${delimiter}${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
  };
  const cwd = mkdtempSync(join(tmpdir(), "sparklane-elsewhere-"));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const version = spawnSync("sparklane", ["--version"], { cwd, env, encoding: "utf8" });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const rendered = spawnSync(
    "sparklane",
    [
      "render",
      "--conf",
      join(repoRoot, "examples/visits-etl/triggers/visits-daily.json"),
      "--ds",
      "2026-03-15",
    ],
    { cwd, env, encoding: "utf8" },
  );
  assert.equal(rendered.status, 0, rendered.stderr);
  assert.match(rendered.stdout, /kind: SparkApplication/);
});
