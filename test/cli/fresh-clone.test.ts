// Bugs a new user hit from a fresh clone (issue 10): each case failed before its fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { runCli, repoRoot } from "../helpers/cli.js";
import { registerAll } from "../../src/cli/commands/index.js";
import { errorAsJson, formatError } from "../../src/cli/output.js";
import { InternalError, UserError } from "../../src/errors.js";

const example = join(repoRoot, "examples/visits-etl");
const daily = join(repoRoot, "test/fixtures/triggers/visits-daily.json");

function assertRefused(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit 2 expected; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal failure|\n\s+at .+:\d+:\d+/, "a clean error, no trace");
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-fresh-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a folder passed as --conf is a clean exit-2 error for render, validate, run and submit", async (t) => {
  const folder = join(example, "triggers");
  for (const args of [
    ["render", "--conf", folder],
    ["run", "--local", "--project", example, "--conf", folder],
    ["submit", "--conf", folder, "--dry-run", "client"],
  ]) {
    await t.test(args[0]!, async () => assertRefused(await runCli(args), /--conf .*triggers: is a folder/));
  }
  await t.test("validate", async () => {
    const r = await runCli(["validate", "--conf", folder]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /FAIL .*--conf .*triggers: is a folder/s);
    assert.doesNotMatch(r.stderr, /internal failure/);
  });
});

test("internal failures: the SPARKLANE_DEBUG hint only when it is not set; the trace follows the cause", () => {
  const cause = Object.assign(new Error("EISDIR: illegal operation on a directory, read"), {
    code: "EISDIR",
  });
  const e = new InternalError("reading the payload failed", { cause });
  const plain = formatError(e, {});
  assert.match(plain, /unexpected internal failure .*reading the payload failed/);
  assert.match(plain, /hint: set SPARKLANE_DEBUG=1/);
  const debug = formatError(e, { SPARKLANE_DEBUG: "1" });
  assert.doesNotMatch(debug, /hint: set SPARKLANE_DEBUG/);
  assert.match(debug, /InternalError: reading the payload failed\n\s+at /);
  assert.match(debug, /caused by: Error: EISDIR/);
  assert.match(formatError(e, { SPARKLANE_DEBUG: "0" }), /hint: set SPARKLANE_DEBUG=1/, "0 means off");
});

test("--ds must be a real calendar date", async (t) => {
  for (const ds of ["2026-13-45", "2026-02-30", "2026-00-10"]) {
    await t.test(ds, async () => {
      assertRefused(
        await runCli(["render", "--conf", daily, "--ds", ds]),
        new RegExp(`--ds ${ds}: expected a real calendar date`),
      );
      assertRefused(
        await runCli(["validate", "--conf", daily, "--ds", ds]),
        new RegExp(`--ds ${ds}: expected a real calendar date`),
      );
    });
  }
  const leap = await runCli(["render", "--conf", daily, "--ds", "2028-02-29"]);
  assert.equal(leap.code, 0, leap.stderr);
  assert.match(leap.stdout, /visits-distinct-20280229/);
});

test("a missing --project folder and a missing --template-dir say so", async (t) => {
  const dir = tempDir(t);
  const r = await runCli(["render", "--conf", daily, "--project", join(dir, "nope")]);
  assertRefused(r, /--project .*nope: no such folder/);
  assert.doesNotMatch(r.stderr, /create sparklane\.yaml/);
  assertRefused(
    await runCli(["render", "--conf", daily, "--template-dir", join(dir, "none")]),
    /--template-dir .*none: no such folder/,
  );
  // A project whose templates: folder is missing names sparklane.yaml.
  writeFileSync(join(dir, "sparklane.yaml"), "name: demo\ntemplates: my-templates\n");
  assertRefused(
    await runCli(["render", "--conf", daily, "--project", dir]),
    /sparklane\.yaml: templates .*my-templates: no such folder/,
  );
});

test("lint counts only the renders that happened", async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, "bad.json");
  writeFileSync(
    bad,
    JSON.stringify({ etl_module: "m", etl_script: "s.py", config_file: "c.yaml", driver_cores: 0 }),
  );
  const r = await runCli(["lint", "--conf", daily, "--conf", bad]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /\(2 renders linted, 2 failed to render\)/);
  const json = await runCli(["lint", "--conf", daily, "--conf", bad, "--output", "json"]);
  assert.equal((JSON.parse(json.stdout) as { rendersLinted: number }).rendersLinted, 2);
});

test("validate aligns its columns for long payload and application names", async (t) => {
  const dir = tempDir(t);
  const long = join(dir, "a-payload-file-name-well-past-thirty-two-characters.json");
  writeFileSync(long, readFileSync(daily));
  const r = await runCli(["validate", "--conf", daily, "--conf", long, "--ds", "2026-03-15"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split("\n").filter((l) => l.startsWith("ok"));
  assert.equal(rows.length, 4);
  // Every column starts at the same offset on every row.
  const starts = (line: string) => [...line.matchAll(/ {2}(?=\S)/g)].map((m) => m.index);
  for (const row of rows) assert.deepEqual(starts(row), starts(rows[0]!), r.stdout);
});

test("--output json: a refused input is printed as JSON on stdout, for every command that has the flag", async (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, string[]]> = [
    [
      "run",
      ["run", "--local", "--project", example, "--conf", daily, "--ds", "2026-02-30", "--output", "json"],
    ],
    ["render", ["render", "--conf", join(dir, "missing.json"), "--output", "json"]],
    ["validate", ["validate", "--project", join(dir, "nope"), "--output", "json"]],
    ["lint", ["lint", "--project", join(dir, "nope"), "--output", "json"]],
    ["package", ["package", "--version", "1.0.0", "--project", dir, "--output", "json"]],
  ];
  for (const [name, args] of cases) {
    await t.test(name, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; error: string; message: string };
      assert.equal(doc.ok, false);
      assert.equal(doc.exitCode, 2);
      assert.equal(doc.error, "UserError");
      assert.ok(r.stderr.includes(doc.message), "the same message as on stderr");
    });
  }
  assert.deepEqual(errorAsJson(new UserError("x", "y")), {
    ok: false,
    exitCode: 2,
    error: "UserError",
    message: "x",
    hint: "y",
  });
});

test("subcommand and option help text starts in lower case (proper nouns aside)", () => {
  const program = new Command("sparklane");
  registerAll(program);
  const properNouns = /^(Airflow|S3|Ivy|Maven|HTTP|Prometheus|Kubernetes|AWS)\b/;
  const offenders: string[] = [];
  for (const cmd of program.commands) {
    if (!/^[a-z]/.test(cmd.description())) offenders.push(`${cmd.name()}: ${cmd.description()}`);
    for (const opt of cmd.options) {
      if (/^[A-Z]/.test(opt.description) && !properNouns.test(opt.description))
        offenders.push(`${cmd.name()} ${opt.flags}: ${opt.description}`);
    }
  }
  assert.deepEqual(offenders, []);
});
