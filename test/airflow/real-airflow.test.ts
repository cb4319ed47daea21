// Real Apache Airflow renders the example DAG's application_file offline, as its worker does
// (test/airflow/airflow_render.py, recipe in ../shared/reference/airflow.md), and `sparklane render` must print
// the same bytes: every example payload x both variants, the built-in templates and a fixture that uses an
// import, macros, loops, comments and includes, plus the context values of --logical-date and params.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parse } from "yaml";
import { runCli, repoRoot } from "../helpers/cli.js";
import { airflowPython } from "../helpers/airflow.js";
import {
  baseName,
  originOf,
  providerLabelValue,
  SPARK_APPLICATION_NAME_ENV,
} from "../../src/kube/airflow.js";
import type { SparkApp } from "../../src/kube/apps.js";

const here = join(repoRoot, "test/airflow");
const example = join(repoRoot, "examples/visits-etl");
const exampleDag = join(example, "dags/generic_spark_etl.py");
const fixtureTemplates = join(here, "fixtures/templates");
const builtinTemplates = join(repoRoot, "templates");
const triggers = readdirSync(join(example, "triggers"))
  .filter((f) => f.endsWith(".json"))
  .sort();
const LOGICAL_DATES = [
  "2026-03-15T00:00:00+00:00",
  "2026-03-15T06:30:00+00:00",
  "2026-03-15T01:15:00.5-05:00",
];
const SUFFIXES = ["", "-pre-baked"];

const venv = airflowPython();
const skip = "skip" in venv ? `real Airflow unavailable: ${venv.skip}` : false;

interface Case {
  conf: Record<string, unknown>;
  logicalDate: string;
  body?: boolean;
}
type Result =
  | { text: string; body: Record<string, unknown> | null; context: Record<string, string> }
  | { error: string; message: string };

/** Airflow Variables as the worker sees them: AIRFLOW_VAR_<KEY>, from the example's sparklane.yaml. */
function airflowVariables(): Record<string, string> {
  const cfg = parse(readFileSync(join(example, "sparklane.yaml"), "utf8")) as {
    name: string;
    variables?: Record<string, unknown>;
  };
  const vars = { sparklane_project: cfg.name, ...cfg.variables };
  return Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [`AIRFLOW_VAR_${k.toUpperCase()}`, String(v)]),
  );
}

function airflowRender(
  dagFile: string,
  dagId: string,
  taskId: string,
  cases: Case[],
  env: NodeJS.ProcessEnv = {},
) {
  assert.ok("python" in venv);
  const r = spawnSync(venv.python, [join(here, "airflow_render.py")], {
    input: JSON.stringify({ dagFile, dagId, taskId, cases }),
    encoding: "utf8",
    env: { ...process.env, ...airflowVariables(), ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
  });
  assert.equal(r.status, 0, `airflow_render.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { importErrors: Record<string, string>; results: Result[] };
  assert.deepEqual(out.importErrors, {}, "the DAG imports with no import errors");
  return out.results;
}

function payload(file: string, suffix: string): Record<string, unknown> {
  return {
    ...(JSON.parse(readFileSync(join(example, "triggers", file), "utf8")) as object),
    sparkapp_suffix: suffix,
  };
}

/** One `sparklane render` per case; its stdout is the rendered text plus the one newline the CLI adds. */
async function sparklaneRender(args: string[], conf: Record<string, unknown>, logicalDate: string) {
  const r = await runCli(["render", "--conf", "-", "--logical-date", logicalDate, ...args], {
    input: JSON.stringify(conf),
  });
  assert.equal(r.code, 0, `sparklane render ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function assertSameBytes(airflow: Result, sparklaneOut: string, what: string) {
  assert.ok(!("error" in airflow), `${what}: Airflow failed: ${"error" in airflow ? airflow.message : ""}`);
  assert.ok(!airflow.text.endsWith("\n"), "Airflow drops the template's trailing newline");
  assert.equal(sparklaneOut, `${airflow.text}\n`, `${what}: sparklane render differs from Airflow`);
}

function matrix(): Case[] {
  const cases: Case[] = [];
  for (const file of triggers)
    for (const suffix of SUFFIXES)
      for (const logicalDate of LOGICAL_DATES) cases.push({ conf: payload(file, suffix), logicalDate });
  return cases;
}

test(
  "the example DAG renders the built-in templates as sparklane render does, byte for byte",
  { skip },
  async () => {
    const cases = matrix();
    const results = airflowRender(exampleDag, "generic_spark_etl", "submit_spark_etl", cases);
    for (const [i, c] of cases.entries()) {
      const out = await sparklaneRender(["--project", example], c.conf, c.logicalDate);
      assertSameBytes(
        results[i]!,
        out,
        `${JSON.stringify(c.conf.etl_module)} suffix=${JSON.stringify(c.conf.sparkapp_suffix)} @ ${c.logicalDate}`,
      );
    }
    // The variant toggle really switches templates.
    assert.match((results[0] as { text: string }).text, /sparklane-variant: standard/);
    assert.match(
      (results[1 * LOGICAL_DATES.length] as { text: string }).text,
      /sparklane-variant: pre-baked/,
    );
  },
);

test(
  "what the provider submits: name suffix, dag/task/run/try labels and SPARK_APPLICATION_NAME, as sparklane reads them",
  { skip },
  async () => {
    const conf = payload(triggers[0]!, "-pre-baked");
    const logicalDate = "2026-03-15T06:30:00+00:00";
    const [r] = airflowRender(exampleDag, "generic_spark_etl", "submit_spark_etl", [
      { conf, logicalDate, body: true },
    ]);
    assert.ok(r && !("error" in r) && r.body, JSON.stringify(r));
    const body = r.body as unknown as SparkApp & {
      spec: Record<string, { labels: Record<string, string>; env?: Array<{ name: string; value: string }> }>;
    };
    const rendered = parse(await sparklaneRender(["--project", example], conf, logicalDate)) as SparkApp;
    assert.equal(baseName(body.metadata.name), rendered.metadata.name);
    assert.match(body.metadata.name, /-[a-z0-9]{8}$/);
    for (const role of ["driver", "executor"]) {
      const labels = body.spec[role]!.labels;
      assert.equal(labels.dag_id, "generic_spark_etl");
      assert.equal(labels.task_id, "submit_spark_etl");
      assert.equal(labels.run_id, providerLabelValue(`manual__${logicalDate}`));
      assert.equal(labels.spark_kubernetes_operator, "True");
      assert.equal(labels.try_number, "1");
      assert.deepEqual(
        body.spec[role]!.env?.find((e) => e.name === SPARK_APPLICATION_NAME_ENV),
        { name: SPARK_APPLICATION_NAME_ENV, value: body.metadata.name },
      );
    }
    assert.deepEqual(originOf(body), {
      origin: "airflow",
      dagId: "generic_spark_etl",
      taskId: "submit_spark_etl",
      runId: providerLabelValue(`manual__${logicalDate}`),
      tryNumber: 1,
      mapIndex: undefined,
    });
  },
);

test(
  "the example DAG over a template with an import, macros, loops, comments and includes: same bytes",
  { skip },
  async () => {
    const cases = matrix();
    const searchPath = [fixtureTemplates, builtinTemplates];
    const results = airflowRender(exampleDag, "generic_spark_etl", "submit_spark_etl", cases, {
      SPARKLANE_TEMPLATE_DIR: searchPath.join(delimiter),
    });
    const dirs = searchPath.flatMap((d) => ["--template-dir", d]);
    for (const [i, c] of cases.entries()) {
      const out = await sparklaneRender(["--project", example, ...dirs], c.conf, c.logicalDate);
      assertSameBytes(
        results[i]!,
        out,
        `fixture ${JSON.stringify(c.conf.etl_module)} suffix=${JSON.stringify(c.conf.sparkapp_suffix)}`,
      );
    }
    const text = (results[0] as { text: string }).text;
    assert.match(text, /^# A YAML comment written by the template.s author/);
    assert.match(text, / {2}annotations: \n {4}sparklane.io\/template: "fixture"\n/);
    assert.match(text, /- name: RUN_ID\n {12}value: "manual__2026-03-15T00:00:00\+00:00"/);
  },
);

test(
  "--logical-date and params: every context value as real Airflow fills it (DAG params, conf merged on top)",
  { skip },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "sparklane-af-ctx-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The DAG's params, mirrored in sparklane.yaml as a project declares them.
    writeFileSync(
      join(dir, "sparklane.yaml"),
      "name: probe\ndag_id: context_probe\ntask_id: probe\nparams: {team: data, driver_cores: {default: 1}, retries: 2}\n",
    );
    const conf = { etl_module: "m", etl_script: "s.py", config_file: "c.yaml", driver_cores: 3 };
    const cases = LOGICAL_DATES.map((logicalDate) => ({ conf, logicalDate }));
    const results = airflowRender(
      join(here, "fixtures/dags/context_probe.py"),
      "context_probe",
      "probe",
      cases,
    );
    for (const [i, c] of cases.entries()) {
      const out = await sparklaneRender(
        ["--project", dir, "--template", join(fixtureTemplates, "context.yaml")],
        c.conf,
        c.logicalDate,
      );
      assertSameBytes(results[i]!, out, `context @ ${c.logicalDate}`);
    }
    assert.match((results[1] as { text: string }).text, /- "manual__2026-03-15T06:30:00\+00:00"/);
    assert.match((results[2] as { text: string }).text, /- "2026-03-15T06:15:00\.500000\+00:00"/);
    assert.match(
      (results[0] as { text: string }).text,
      /- "\{'team': 'data', 'driver_cores': 3, 'retries': 2, 'etl_module': 'm'/,
    );
  },
);
