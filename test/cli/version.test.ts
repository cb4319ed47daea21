// `sparklane --version` prints package.json's version: the one the package is published as, never a literal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, runCli } from "../helpers/cli.js";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };

test("--version of the built CLI is package.json's version", async () => {
  const r = await runCli(["--version"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${pkg.version}\n`);
});

test("--version follows package.json when it changes (a copy of the sources with another version)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-version-"));
  try {
    cpSync(join(repoRoot, "src"), join(dir, "src"), { recursive: true });
    for (const d of ["node_modules", "python", "templates"]) symlinkSync(join(repoRoot, d), join(dir, d));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, version: "9.8.7-test" }));
    const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "src/cli/index.ts"), "--version"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "9.8.7-test\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
