// Runs the sparklane-etl package's pytest suite (python/) under node's test runner, so `npm test` covers it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { repoRoot } from "../helpers/cli.js";

test("pytest python/ (sparklane-etl: arguments, app config, launch-only keys, dates, paths, SparkSession)", () => {
  const result = spawnSync("python3", ["-m", "pytest", "python/", "-q", "-p", "no:cacheprovider"], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    timeout: 300_000,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  // Exit 5 means pytest collected nothing: a broken layout must not pass as green.
  assert.equal(result.status, 0, output);
  assert.match(result.stdout, /\d+ passed/, output);
  assert.doesNotMatch(result.stdout, /\d+ (failed|error)/, output);
});
