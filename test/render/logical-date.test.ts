// --logical-date and --ds: the logical date as Airflow holds it for a manual run. The values are the ones real
// Airflow 3.3 gives (test/airflow/real-airflow.test.ts compares them with a live render).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";

const CONTEXT = [
  "ts",
  "ts_nodash",
  "ts_nodash_with_tz",
  "logical_date",
  "data_interval_start",
  "data_interval_end",
  "ds",
  "ds_nodash",
  "run_id",
  "dag_run.run_id",
  "task_instance_key_str",
  "logical_date.strftime('%Y %j %H:%M:%S.%f %z')",
  "dag_run.logical_date.isoformat()",
  "params",
];

// A SparkApplication whose arguments print the context, so the render passes the manifest checks.
const TEMPLATE = `apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: ld
spec:
  type: Python
  mode: cluster
  image: "spark:4.0.1"
  sparkVersion: "4.0.1"
  mainApplicationFile: "local:///app/{{ dag_run.conf.etl_module }}/{{ dag_run.conf.etl_script }}"
  arguments:
${CONTEXT.map((e) => `    - "{{ ${e} }}"`).join("\n")}
  driver:
    cores: 1
    memory: "1g"
  executor:
    instances: 1
    cores: 1
    memory: "1g"
`;

function project(t: { after: (fn: () => void) => void }, params = "{}"): string {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-ld-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "sparklane.yaml"), `name: ld\nparams: ${params}\n`);
  writeFileSync(join(dir, "ctx.j2"), TEMPLATE);
  return dir;
}

async function render(dir: string, ...args: string[]) {
  return runCli(
    [
      "render",
      "--project",
      dir,
      "--template",
      join(dir, "ctx.j2"),
      "--conf",
      "-",
      "--output",
      "json",
      ...args,
    ],
    { input: '{"etl_module": "m", "etl_script": "s.py", "config_file": "c.yaml", "driver_cores": 2}' },
  );
}

const fields = (stdout: string) => (JSON.parse(stdout) as { spec: { arguments: string[] } }).spec.arguments;

test("--logical-date fills ts, ts_nodash, logical_date, data intervals, ds and run_id as Airflow does", async (t) => {
  const dir = project(t);
  const r = await render(dir, "--logical-date", "2026-03-15T06:30:00+00:00");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fields(r.stdout).slice(0, 13), [
    "2026-03-15T06:30:00+00:00",
    "20260315T063000",
    "20260315T063000+0000",
    "2026-03-15 06:30:00+00:00",
    "2026-03-15 06:30:00+00:00",
    "2026-03-15 06:30:00+00:00",
    "2026-03-15",
    "20260315",
    "manual__2026-03-15T06:30:00+00:00",
    "manual__2026-03-15T06:30:00+00:00",
    "generic_spark_etl__submit_spark_etl__20260315",
    "2026 074 06:30:00.000000 +0000",
    "2026-03-15T06:30:00+00:00",
  ]);
});

test("--logical-date in another offset is converted to UTC, microseconds kept, as Airflow stores it", async (t) => {
  const dir = project(t);
  const r = await render(dir, "--logical-date", "2026-03-15T01:15:00.5-05:00");
  assert.equal(r.code, 0, r.stderr);
  const f = fields(r.stdout);
  assert.equal(f[0], "2026-03-15T06:15:00.500000+00:00");
  assert.equal(f[1], "20260315T061500");
  assert.equal(f[2], "20260315T061500.500000+0000");
  assert.equal(f[3], "2026-03-15 06:15:00.500000+00:00");
  assert.equal(f[8], "manual__2026-03-15T06:15:00.500000+00:00");
});

test("--ds stays the shorthand for midnight UTC; --run-id overrides the run id", async (t) => {
  const dir = project(t);
  const a = await render(dir, "--ds", "2026-03-15");
  const b = await render(dir, "--logical-date", "2026-03-15T00:00:00Z");
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(fields(a.stdout)[8], "manual__2026-03-15T00:00:00+00:00");
  const c = await render(dir, "--ds", "2026-03-15", "--run-id", "scheduled__x");
  assert.equal(fields(c.stdout)[8], "scheduled__x");
});

test("params: the DAG's params (sparklane.yaml) with dag_run.conf's keys merged on top", async (t) => {
  const dir = project(t, "{a: 1, driver_cores: {x: 1}}");
  const r = await render(dir, "--ds", "2026-03-15");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    fields(r.stdout)[13],
    "{'a': 1, 'driver_cores': 2, 'etl_module': 'm', 'etl_script': 's.py', 'config_file': 'c.yaml'}",
  );
});

test("bad logical dates exit 2 naming the flag; stdout holds only the JSON error (--output json)", async (t) => {
  const dir = project(t);
  for (const [args, pattern] of [
    [["--logical-date", "2026-03-15"], /--logical-date 2026-03-15: expected ISO 8601 with an offset/],
    [["--logical-date", "2026-02-30T00:00:00+00:00"], /--logical-date 2026-02-30T00:00:00\+00:00/],
    [["--logical-date", "2026-03-15T06:30:00"], /expected ISO 8601 with an offset/],
    [["--ds", "2026-03-15", "--logical-date", "2026-03-15T00:00:00Z"], /--ds and --logical-date both given/],
    [["--ds", "2026-02-30"], /--ds 2026-02-30: expected a real calendar date/],
  ] as const) {
    const r = await render(dir, ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    // No manifest: with --output json, stdout is the refusal as a JSON document, as for every command.
    const out = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; message: string };
    assert.deepEqual([out.ok, out.exitCode], [false, 2]);
    assert.match(out.message, pattern);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
