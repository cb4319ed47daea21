// Micro-benchmark: one render of the seed's SparkApplication template through the DAG's include
// expression, sparklane's engine against Python's jinja2 (Airflow's configuration) on the same template
// and payload, interleaved in one run. Prints per-round figures and the median ratio (sparklane / jinja2).
// Run: npx tsx bench/template-render.ts [rounds]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Environment, airflowContext } from "../src/template/index.js";

const shared = process.env.SPARKLANE_SHARED ?? fileURLToPath(new URL("../../shared", import.meta.url));
const root = join(shared, "fixtures", "seed-templates");
if (!existsSync(root)) {
  console.log(`skipped: ${root} is absent (set SPARKLANE_SHARED)`);
  process.exit(0);
}
const trigger = join(root, "triggers", "visits-mem-intensive.json");
const dagSource =
  "{% include 'sparkapps/generic-spark-app' ~ dag_run.conf.get('sparkapp_suffix', '-pre-baked') ~ '.yaml' %}";
const opts = {
  conf: JSON.parse(readFileSync(trigger, "utf8")) as Record<string, unknown>,
  dagId: "generic_spark_etl",
  taskId: "submit_spark_etl",
  ds: "2026-03-15",
  runId: "manual__2026-03-15T00:00:00+00:00",
  ts: "2026-03-15T00:00:00+00:00",
  varValues: {},
  params: {},
};

const pyScript = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(fileURLToPath(new URL("../test/template", import.meta.url)))})
from jinja_render import airflow_context
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
env = SandboxedEnvironment(undefined=StrictUndefined, extensions=["jinja2.ext.do"],
                           loader=FileSystemLoader([${JSON.stringify(root)}]), keep_trailing_newline=False)
a = json.loads(sys.argv[1]); n = int(sys.argv[2])
t = env.from_string(${JSON.stringify(dagSource)})
ctx = airflow_context(a)
for _ in range(200): t.render(ctx)
t0 = time.perf_counter(); c0 = time.process_time()
for _ in range(n): t.render(ctx)
print((time.perf_counter() - t0) / n * 1e6, (time.process_time() - c0) / n * 1e6)
`;

/** [wall, cpu] microseconds per render. CPU time is the steadier figure on a shared machine. */
type Timing = [wall: number, cpu: number];

function pythonMicros(n: number): Timing {
  const r = spawnSync("python3", ["-c", pyScript, JSON.stringify(opts), String(n)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const [wall, cpu] = r.stdout.trim().split(" ").map(Number);
  return [wall, cpu];
}

const env = new Environment({ searchPath: [root] });
const tmpl = env.fromString(dagSource, "dag");
function sparklaneMicros(n: number, spans: boolean): Timing {
  const ctx = airflowContext(opts);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  if (spans) for (let i = 0; i < n; i++) tmpl.renderWithSpans(ctx);
  else for (let i = 0; i < n; i++) tmpl.render(ctx);
  const c = process.cpuUsage(c0);
  return [Number(process.hrtime.bigint() - t0) / 1000 / n, (c.user + c.system) / n];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = Number(process.argv[2] ?? 5);
sparklaneMicros(5000, true); // warm-up: compile, JIT
const rows: Array<{ js: Timing; spans: Timing; py: Timing }> = [];
const f = (t: Timing) => `${t[0].toFixed(1)} us wall / ${t[1].toFixed(1)} us cpu`;
for (let r = 0; r < rounds; r++) {
  const row = {
    js: sparklaneMicros(5000, false),
    spans: sparklaneMicros(5000, true),
    py: pythonMicros(2000),
  };
  rows.push(row);
  console.log(
    `round ${r + 1}: sparklane ${f(row.js)} (renderWithSpans ${f(row.spans)}), jinja2 ${f(row.py)}, ` +
      `cpu ratio ${(row.spans[1] / row.py[1]).toFixed(3)}`,
  );
}
const med = (pick: (r: (typeof rows)[number]) => number) => median(rows.map(pick));
console.log(
  `median per render: sparklane ${med((r) => r.js[1]).toFixed(1)} us cpu (${med((r) => r.spans[1]).toFixed(1)} with spans), ` +
    `jinja2 ${med((r) => r.py[1]).toFixed(1)} us cpu; ratio sparklane/jinja2: cpu ${med((r) => r.spans[1] / r.py[1]).toFixed(3)}, ` +
    `wall ${med((r) => r.spans[0] / r.py[0]).toFixed(3)}`,
);
