// Differential test: every corpus case (and the seed's templates x trigger payloads) rendered by sparklane
// and by Python's jinja2 configured as Airflow configures it must give byte-identical text, or both fail
// with the same exception class.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Environment, TemplateError, airflowContext, parseJsonPy } from "../../src/template/index.js";
import type { AirflowContextOptions } from "../../src/template/index.js";
import { sharedPath, sharedSkip } from "../helpers/shared.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const corpusDir = join(here, "corpus");
const harness = join(here, "jinja_render.py");

interface Case {
  name: string;
  template?: string;
  source?: string;
  context?: unknown;
  airflow?: unknown;
}
type Outcome = { text: string } | { error: string; message?: string };

// jinja raises TemplatesNotFound (a TemplateNotFound) for a list of names; the rest map one to one.
const normalizeKind = (k: string) => (k === "TemplatesNotFound" ? "TemplateNotFound" : k);

function python(searchPath: string[], cases: Case[] | string): Outcome[] {
  // cases may be raw JSON text, so Python reads the key order and number types as written
  const casesJson = typeof cases === "string" ? cases : JSON.stringify(cases);
  const r = spawnSync("python3", [harness], {
    input: `{"searchPath": ${JSON.stringify(searchPath)}, "cases": ${casesJson}}`,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`jinja_render.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

function toRecord(m: unknown): Record<string, unknown> {
  return m instanceof Map ? Object.fromEntries(m) : {};
}

function sparklane(env: Environment, c: Case): Outcome {
  try {
    const tmpl = c.source !== undefined ? env.fromString(c.source, c.name) : env.getTemplate(c.template!);
    const ctx = c.airflow
      ? airflowContext(toRecord(c.airflow) as unknown as AirflowContextOptions)
      : toRecord(c.context);
    return { text: tmpl.render(ctx) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.kind, message: e.message };
    throw e;
  }
}

function compare(cases: Case[], searchPath: string[]) {
  const env = new Environment({ searchPath });
  const expected = python(searchPath, cases);
  assert.equal(expected.length, cases.length);
  return cases.map((c, i) => ({ c, want: expected[i]!, got: sparklane(env, c) }));
}

function check(want: Outcome, got: Outcome) {
  if ("error" in want) {
    assert.ok(
      "error" in got,
      `jinja2 raised ${want.error} (${want.message}) but sparklane rendered ${JSON.stringify(got)}`,
    );
    assert.equal(normalizeKind(got.error), normalizeKind(want.error), `sparklane: ${got.message}`);
  } else {
    assert.ok(!("error" in got), `jinja2 rendered, sparklane raised ${"error" in got ? got.message : ""}`);
    assert.equal((got as { text: string }).text, want.text);
  }
}

// parseJsonPy keeps key order (integer-like keys included) exactly as Python's json.loads does.
const casesText = readFileSync(join(corpusDir, "cases.json"), "utf8");
const raw = parseJsonPy(casesText, "cases.json") as Array<Map<string, unknown>>;
const corpus: Case[] = raw.map((m) => ({
  name: String(m.get("template")),
  template: m.get("template") as string,
  context: m.get("context"),
  airflow: m.get("airflow"),
}));

test("the corpus is large enough and covers errors", () => {
  assert.ok(corpus.length >= 40, `only ${corpus.length} cases`);
  assert.ok(corpus.filter((c) => c.template!.startsWith("err_")).length >= 10);
});

test("corpus: sparklane output is byte-identical to jinja2", async (t) => {
  const env = new Environment({ searchPath: [corpusDir] });
  const expected = python([corpusDir], casesText);
  for (let i = 0; i < corpus.length; i++) {
    const c = corpus[i]!;
    await t.test(`${i}: ${c.name}`, () => check(expected[i]!, sparklane(env, c)));
  }
});

test("seed templates x seed trigger payloads, through the DAG's include", { skip: sharedSkip }, async (t) => {
  const root = sharedPath("fixtures", "seed-templates");
  const dagSource =
    "{% include 'sparkapps/generic-spark-app' ~ dag_run.conf.get('sparkapp_suffix', '-pre-baked') ~ '.yaml' %}";
  const triggers = readdirSync(join(root, "triggers"))
    .filter((f) => f.endsWith(".json"))
    .sort();
  assert.equal(triggers.length, 3);
  const cases: Case[] = [];
  for (const trig of triggers) {
    const conf = JSON.parse(readFileSync(join(root, "triggers", trig), "utf8")) as Record<string, unknown>;
    const airflow = {
      conf,
      dagId: "generic_spark_etl",
      taskId: "submit_spark_etl",
      ds: "2026-03-15",
      runId: "manual__2026-03-15T00:00:00+00:00",
      ts: "2026-03-15T00:00:00+00:00",
      varValues: {},
      params: {},
    };
    cases.push({ name: `dag include x ${trig}`, source: dagSource, airflow });
    for (const tmpl of ["sparkapps/generic-spark-app.yaml", "sparkapps/generic-spark-app-pre-baked.yaml"]) {
      cases.push({ name: `${tmpl} x ${trig}`, template: tmpl, airflow });
    }
  }
  const expected = python([root], cases);
  const env = new Environment({ searchPath: [root] });
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const tsCase = { ...c, airflow: c.airflow ? new Map(Object.entries(c.airflow as object)) : undefined };
    await t.test(c.name, () => {
      const want = expected[i]!;
      assert.ok(!("error" in want), `jinja2 failed: ${JSON.stringify(want)}`);
      check(want, sparklane(env, tsCase));
      // spans: ascending, disjoint, non-empty, same text as render(), and each one a single-line value
      const ctx = airflowContext(toRecord(tsCase.airflow) as unknown as AirflowContextOptions);
      const tmpl = c.source !== undefined ? env.fromString(c.source, c.name) : env.getTemplate(c.template!);
      const { text, spans } = tmpl.renderWithSpans(ctx);
      assert.equal(text, (want as { text: string }).text);
      assert.ok(spans.length > 20);
      let last = 0;
      for (const [a, b] of spans) {
        assert.ok(a >= last && b > a, `bad span [${a}, ${b}]`);
        assert.ok(!text.slice(a, b).includes("\n"), `span [${a}, ${b}] spans lines`);
        last = b;
      }
    });
  }
});

export { compare };
