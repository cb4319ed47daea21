// `sparklane init DIR`: a project created outside the repository renders, validates and runs on real Spark,
// with no path back into the sparklane repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";

const SPARK_TIMEOUT = 900_000;

test("init: bad targets are exit 2 and create nothing", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "sparklane-init-bad-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "full"));
  writeFileSync(join(root, "full", "keep.txt"), "x");
  let r = await runCli(["init", join(root, "full")]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /full: the folder is not empty/);
  r = await runCli(["init", join(root, "p"), "--name", "Bad_Name"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--name Bad_Name: expected a DNS-1123 label/);
  r = await runCli(["init", join(root, "no", "such", "parent")]);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(readdirSync(root).sort(), ["full"], "nothing half-written");
  assert.deepEqual(readdirSync(join(root, "full")), ["keep.txt"]);
});

test(
  "init: a new project outside the repository renders, validates and runs with run --local",
  { timeout: SPARK_TIMEOUT },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), "sparklane-init-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const project = join(root, "My Team ETL");
    const created = await runCli(["init", project], { cwd: root });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created project my-team-etl in /);
    const pyproject = readFileSync(join(project, "pyproject.toml"), "utf8");
    assert.match(pyproject, /sparklane-etl = \{ path = "vendor\/sparklane-etl" \}/);
    assert.doesNotMatch(pyproject, /\.\.\//, "no relative path out of the project");
    assert.ok(existsSync(join(project, "vendor/sparklane-etl/src/sparklane_etl/job.py")));

    const conf = join(project, "triggers", "visits-daily.json");
    const rendered = await runCli(["render", "--conf", conf, "--ds", "2026-03-15"], { cwd: project });
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(rendered.stdout, /name: "?visits-distinct-20260315/);
    assert.match(rendered.stdout, /my-team-etl/, "the project's name reaches the template");
    const validated = await runCli(["validate"], { cwd: project });
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    assert.match(validated.stdout, /4 of 4 renders passed every check/);

    // From another folder, as a user would after cloning their new project somewhere.
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere);
    const run = await runCli(["run", "--local", "--project", project, "--conf", conf, "--output", "json"], {
      cwd: elsewhere,
      env: { SPARKLANE_CACHE_DIR: join(root, "cache"), SPARKLANE_DEBUG: "" },
      timeoutMs: SPARK_TIMEOUT,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { status: string; variant: string };
    assert.equal(report.status, "succeeded");
    assert.equal(report.variant, "pre-baked");
    const out = join(project, "output", "visits_distinct", "visit_date=2026-03-15");
    assert.ok(
      readdirSync(out).some((f) => f.endsWith(".parquet")),
      `Parquet written in ${out}`,
    );
  },
);
