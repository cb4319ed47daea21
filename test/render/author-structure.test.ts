// The structure check distrusts only the payload: a template that builds its own YAML structure from constants
// (indentation from a macro, counters in comments, separators in a flow sequence) renders and passes, as it
// does in Airflow, while the same template still refuses structure that comes from the payload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderAndCheckSync } from "../../src/render/index.js";
import { ValidationError } from "../../src/errors.js";
import { Environment, airflowContext } from "../../src/template/index.js";
import { checkManifest, parseManifest } from "../../src/manifest/index.js";
import { repoRoot } from "../helpers/cli.js";

const daily = JSON.parse(
  readFileSync(join(repoRoot, "test/fixtures/triggers/visits-daily.json"), "utf8"),
) as Record<string, unknown>;

const MACRO =
  "{% macro label_block(d, indent) %}{% for k, v in d.items() %}{{ ' ' * indent }}{{ k }}: \"{{ v }}\"\n{% endfor %}{% endmacro %}\n";

/** The built-in template with its metadata labels, arguments and a comment built by template logic. */
function authorStructured(dir: string): string {
  cpSync(join(repoRoot, "templates/sparkapps"), join(dir, "sparkapps"), { recursive: true });
  const file = join(dir, "sparkapps/generic-spark-app.yaml");
  let text = readFileSync(file, "utf8");
  const labels =
    / {2}labels:\n {4}airflow-dag-id: .*\n {4}airflow-task-id: .*\n {4}airflow-execution-date: .*\n {4}etl-module: .*\n {4}sparklane-variant: standard\n/;
  assert.match(text, labels);
  text = text.replace(
    labels,
    "  labels:\n{{ label_block({'airflow-dag-id': dag.dag_id, 'etl-module': conf.get('etl_module', 'unknown'), 'sparklane-variant': 'standard'}, 4) }}",
  );
  const args =
    / {2}arguments:\n {4}- "--config"\n {4}- "\/app\/\{\{ module \}\}\/\{\{ conf.get\('config_file'\) \}\}"\n/;
  assert.match(text, args);
  text = text.replace(
    args,
    "{% set parts = [module, conf.get('etl_script')] %}{% for p in parts %}  # part {{ loop.index }} of {{ loop.length }}\n{% endfor %}" +
      "  arguments: [{% for a in ['--config', '/app/' ~ module ~ '/' ~ conf.get('config_file')] %}\"{{ a }}\"{{ ', ' if not loop.last }}{% endfor %}",
  );
  text = text.replace(/( {2}arguments: \[.*\n(?: {4}\{%-.*\n| {4}- .*\n)*)/, (m) =>
    m.replace(/\n {4}- ("[^"\n]*")/g, ", $1").replace(/\n$/, "]\n"),
  );
  text = text.replace("apiVersion:", `${MACRO}apiVersion:`);
  writeFileSync(file, text);
  return file;
}

test("a template that forms its own structure from constants renders and passes every check", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-author-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  authorStructured(dir);
  const r = renderAndCheckSync({ payload: daily, templateDir: [dir], variant: "standard", ds: "2026-03-15" });
  const meta = r.manifest.metadata as { labels: Record<string, string> };
  assert.equal(meta.labels["etl-module"], "visits_distinct");
  assert.equal(meta.labels["sparklane-variant"], "standard");
  assert.match(r.text, /# part 2 of 2\n/);
  const spec = r.manifest.spec as { arguments: string[] };
  assert.deepEqual(spec.arguments.slice(0, 2), ["--config", "/app/visits_distinct/config/dev-daily.yaml"]);

  // Held to the old rule (every expression is suspect), the same render is refused many times over.
  const env = new Environment({ searchPath: [dir] });
  const ctx = airflowContext({
    conf: daily,
    dagId: "generic_spark_etl",
    taskId: "submit_spark_etl",
    ds: "2026-03-15",
    ts: "2026-03-15T00:00:00+00:00",
    runId: "manual__2026-03-15T00:00:00+00:00",
    varValues: {},
    params: {},
  });
  const out = env
    .getTemplate("sparkapps/generic-spark-app.yaml")
    .renderWithSpans(ctx, { payload: ["dag_run.conf", "params"] });
  const parsed = parseManifest(out.text, "t.yaml");
  const every = checkManifest(parsed, { spans: out.spans }).issues.filter((i) => i.step === "structure");
  assert.ok(every.length >= 5, `the old rule refused ${every.length}`);
  const payloadOnly = checkManifest(parsed, { tainted: out.tainted, closed: out.closed }).issues;
  assert.deepEqual(
    payloadOnly.filter((i) => i.step === "structure"),
    [],
  );
});

test("the same template refuses structure that comes from the payload", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-author-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = authorStructured(dir);
  // the payload's dict printed as a bare item of the flow sequence: a flow mapping made by the payload
  const text = readFileSync(file, "utf8");
  const item = "{{ ', ' if not loop.last }}{% endfor %}";
  assert.ok(text.includes(item));
  writeFileSync(file, text.replace(item, `${item}, {{ conf.get('executor_node_labels') }}`));
  try {
    renderAndCheckSync({
      payload: { ...daily, executor_node_labels: { role: "x" } },
      templateDir: [dir],
      variant: "standard",
      ds: "2026-03-15",
    });
    assert.fail("a dict printed as a flow sequence item was accepted");
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    assert.match(
      String((e as ValidationError).message) + JSON.stringify((e as ValidationError).issues),
      /structure|spec\.arguments/,
    );
  }
});
