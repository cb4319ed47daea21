// Differential test: every corpus case (and the seed's templates x trigger payloads) rendered by sparklane
// and by Python's jinja2 configured as Airflow configures it must give byte-identical text, or both fail
// with the same exception class. Python runs once for the whole file.
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
  searchPath: string[];
  template?: string;
  source?: string;
  context?: unknown;
  airflow?: unknown;
}
type Outcome = { text: string } | { error: string; message?: string };

// jinja raises TemplatesNotFound (a TemplateNotFound) for a list of names; the rest map one to one.
const normalizeKind = (k: string) => (k === "TemplatesNotFound" ? "TemplateNotFound" : k);

const toRecord = (m: unknown): Record<string, unknown> => (m instanceof Map ? Object.fromEntries(m) : {});

const envs = new Map<string, Environment>();
function envFor(searchPath: string[]): Environment {
  const key = searchPath.join("\0");
  let env = envs.get(key);
  if (!env) envs.set(key, (env = new Environment({ searchPath })));
  return env;
}

function contextOf(c: Case): Record<string, unknown> {
  return c.airflow
    ? airflowContext(toRecord(c.airflow) as unknown as AirflowContextOptions)
    : toRecord(c.context);
}

function templateOf(c: Case) {
  const env = envFor(c.searchPath);
  return c.source !== undefined ? env.fromString(c.source, c.name) : env.getTemplate(c.template!);
}

function sparklane(c: Case): Outcome {
  try {
    return { text: templateOf(c).render(contextOf(c)) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.kind, message: e.message };
    throw e;
  }
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

// The corpus: parseJsonPy keeps key order (integer-like keys too) and float-ness as Python's json.loads does,
// and Python is given the very same JSON text.
const casesText = readFileSync(join(corpusDir, "cases.json"), "utf8");
const corpus: Case[] = (parseJsonPy(casesText, "cases.json") as Array<Map<string, unknown>>).map((m) => ({
  name: String(m.get("template")),
  searchPath: [corpusDir],
  template: m.get("template") as string,
  context: m.get("context"),
  airflow: m.get("airflow"),
}));
const corpusJson = casesText.trim().replace(/^\[/, "").replace(/\]$/, "");

// The seed: both templates and the DAG's include expression, for each trigger payload.
const seed: Case[] = [];
if (!sharedSkip) {
  const root = sharedPath("fixtures", "seed-templates");
  const dagSource =
    "{% include 'sparkapps/generic-spark-app' ~ dag_run.conf.get('sparkapp_suffix', '-pre-baked') ~ '.yaml' %}";
  for (const trig of readdirSync(join(root, "triggers"))
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const conf = parseJsonPy(readFileSync(join(root, "triggers", trig), "utf8"), trig);
    const airflow = new Map<string, unknown>([
      ["conf", conf],
      ["dagId", "generic_spark_etl"],
      ["taskId", "submit_spark_etl"],
      ["ds", "2026-03-15"],
      ["runId", "manual__2026-03-15T00:00:00+00:00"],
      ["ts", "2026-03-15T00:00:00+00:00"],
      ["varValues", new Map()],
      ["params", new Map()],
    ]);
    seed.push({ name: `dag include x ${trig}`, searchPath: [root], source: dagSource, airflow });
    for (const tmpl of ["sparkapps/generic-spark-app.yaml", "sparkapps/generic-spark-app-pre-baked.yaml"]) {
      seed.push({ name: `${tmpl} x ${trig}`, searchPath: [root], template: tmpl, airflow });
    }
  }
}

function seedJson(c: Case): string {
  const a = c.airflow as Map<string, unknown>;
  const conf = readFileSync(join(c.searchPath[0]!, "triggers", c.name.split(" x ")[1]!), "utf8");
  const rest = JSON.stringify(
    Object.fromEntries([...a].filter(([k]) => k !== "conf").map(([k, v]) => [k, v instanceof Map ? {} : v])),
  );
  const body = {
    searchPath: c.searchPath,
    ...(c.source !== undefined ? { source: c.source } : { template: c.template }),
  };
  return `{${JSON.stringify(body).slice(1, -1)}, "airflow": {"conf": ${conf}, ${rest.slice(1)}}`;
}

const pyInput = `{"searchPath": ${JSON.stringify([corpusDir])}, "cases": [${[corpusJson, ...seed.map(seedJson)].join(",")}]}`;
const py = spawnSync("python3", [harness], { input: pyInput, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
if (py.status !== 0) throw new Error(`jinja_render.py failed (${py.status}): ${py.stderr}`);
const expected = JSON.parse(py.stdout) as Outcome[];

test("Python rendered every case", () => {
  assert.equal(expected.length, corpus.length + seed.length);
});

test("the corpus is large enough and covers errors", () => {
  assert.ok(corpus.length >= 40, `only ${corpus.length} cases`);
  assert.ok(corpus.filter((c) => c.template!.startsWith("err_")).length >= 10);
});

test("corpus: sparklane output is byte-identical to jinja2", async (t) => {
  for (let i = 0; i < corpus.length; i++) {
    await t.test(`${i}: ${corpus[i]!.name}`, () => check(expected[i]!, sparklane(corpus[i]!)));
  }
});

test("seed templates x seed trigger payloads, through the DAG's include", { skip: sharedSkip }, async (t) => {
  assert.equal(seed.length, 9);
  for (let i = 0; i < seed.length; i++) {
    const c = seed[i]!;
    const want = expected[corpus.length + i]!;
    await t.test(c.name, () => {
      assert.ok(!("error" in want), `jinja2 failed: ${JSON.stringify(want)}`);
      check(want, sparklane(c));
      // spans: ascending, disjoint, non-empty, same text as render(), and each one a single-line value
      const { text, spans } = templateOf(c).renderWithSpans(contextOf(c));
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
