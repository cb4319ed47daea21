// bench/render: the `sparklane render` CLI end to end (start-up and all checks) against the Python path Airflow
// takes (jinja2 render + PyYAML safe_load) on the same template and payload, interleaved in one run; then the
// library's renders+checks per second on one core. Run: npm run bench -- render   (or npx tsx bench/render.ts)
// The CLI runs as users run it: `node bin/sparklane.js` (what npm links as `sparklane`). No figure here is a
// pass/fail gate; the targets are printed beside them.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type * as Library from "../src/index.js";
import { median, timeProcess } from "./stats.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const templateDir = `${root}templates`;
const template = "sparkapps/generic-spark-app.yaml";
const payloadFile = `${root}test/fixtures/triggers/visits-mem-intensive.json`;

const renderArgs = [
  "render",
  "--template-dir",
  templateDir,
  "--variant",
  "standard",
  "--conf",
  payloadFile,
  "--ds",
  "2026-03-15",
];
const cli = [`${root}bin/sparklane.js`, ...renderArgs];
const py = [`${root}bench/render_baseline.py`, templateDir, template, payloadFile];
// The interpreter itself, not a version-manager shim in front of it (pyenv's adds ~100 ms per start).
const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
  encoding: "utf8",
}).trim();

// Warm the page cache for both sides before measuring.
timeProcess(process.execPath, cli);
timeProcess(python, py);
const ours: number[] = [];
const theirs: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < runs; i++) {
  const a = timeProcess(process.execPath, cli);
  const b = timeProcess(python, py);
  ours.push(a);
  theirs.push(b);
  ratios.push(a / b);
}
const bareNode: number[] = [];
for (let i = 0; i < 10; i++) bareNode.push(timeProcess(process.execPath, ["-e", "0"]));
console.log(`render CLI vs Python jinja2+PyYAML, ${runs} interleaved runs`);
console.log(`  sparklane render  median ${median(ours).toFixed(1)} ms  (node bin/sparklane.js)`);
console.log(`  python baseline   median ${median(theirs).toFixed(1)} ms`);
console.log(
  `  median ratio      ${median(ratios).toFixed(3)}  (CLI / Python; no target, see docs/decisions.md)`,
);
console.log(
  `  for scale: a bare \`node -e 0\` takes ${median(bareNode).toFixed(1)} ms, ${(median(bareNode) / median(theirs)).toFixed(2)} of the Python path`,
);

// Library mode: renders and full checks in a loop on this one thread, through the built package (dist/, as a
// library user imports it). Every iteration renders a different payload (app name, memory, instances and
// node label change), so nothing is served from a cache of whole results. The parse reuse (src/manifest/
// reuse.ts) is a cache this loop owns and passes in, as a library user rendering repeatedly would; the figure
// without it is printed too.
const lib = (await import(`${root}dist/index.js`)) as typeof Library;
const payload = JSON.parse(readFileSync(payloadFile, "utf8")) as Record<string, unknown>;
const parseReuse = lib.createParseReuse();
const req = { templateDir: [templateDir], variant: "standard" as const, ds: "2026-03-15" };
const payloadFor = (i: number): Record<string, unknown> => ({
  ...payload,
  etl_module: `visits_${i % 1000}`,
  executor_memory: `${8 + (i % 40)}g`,
  executor_instances: 1 + (i % 16),
  executor_node_labels: { "spark-role": `pool-${i % 7}` },
});
function perSecond(seconds: number, reuse: Library.ParseReuse | undefined): number {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 100; i++) {
      lib.renderAndCheckSync({ ...req, parseReuse: reuse, payload: payloadFor(n + i) });
    }
    n += 100;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return (n / elapsed) * 1000;
}
for (let i = 0; i < 2000; i++) lib.renderAndCheckSync({ ...req, parseReuse, payload: payloadFor(i) });
const stats0 = parseReuse.stats();
// Five one-second windows, median reported: one window that a neighbour's job slows does not decide the figure.
const windows = Array.from({ length: 5 }, () => perSecond(1, parseReuse)).sort((a, b) => a - b);
const ours_per_s = median(windows);
const stats1 = parseReuse.stats();
const reusedShare =
  (stats1.reused - stats0.reused) / (stats1.reused + stats1.parsed - stats0.reused - stats0.parsed);
perSecond(0.5, undefined);
const fullParse_per_s = perSecond(2, undefined);
const pyLib = Number(
  execFileSync(
    python,
    [`${root}bench/render_baseline.py`, templateDir, template, payloadFile, "--loop", "3"],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .pop(),
);
console.log(
  `library renderAndCheckSync: ${Math.round(ours_per_s)} renders+checks per second on one core (target >= 5000), a new payload each, with a caller-owned createParseReuse()`,
);
console.log(
  `  median of 5 one-second windows; range ${Math.round(windows[0]!)}-${Math.round(windows.at(-1)!)}`,
);
console.log(
  `  ${(reusedShare * 100).toFixed(1)}% reused an earlier parse; without a ParseReuse: ${Math.round(fullParse_per_s)} per second`,
);
console.log(
  `  python jinja2 render + safe_load in-process: ${Math.round(pyLib)} per second; ratio ${(ours_per_s / pyLib).toFixed(2)}x`,
);
