// bench/render: the `sparklane render` CLI end to end (start-up and all checks) against the Python path Airflow
// takes (jinja2 render + PyYAML safe_load) on the same template and payload, interleaved in one run; then the
// library's renders+checks per second on one core. Run: npm run bench -- render   (or npx tsx bench/render.ts)
// The CLI runs as users run it, through the launcher bin/sparklane (start-up snapshot when built) with its
// parse cache (filled by the warm-up run, as by any earlier render of the template); the same without the
// parse cache (a first render) and the plain entry `node bin/sparklane.js` are timed beside it.
import { execFileSync, spawnSync } from "node:child_process";
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
const launcher = `${root}bin/sparklane`;
const cli = [`${root}bin/sparklane.js`, ...renderArgs];
const trace = spawnSync(launcher, renderArgs, {
  env: { ...process.env, SPARKLANE_TRACE_START: "1" },
  encoding: "utf8",
}).stderr;
const how = trace.startsWith("sparklane: start: snapshot")
  ? "start-up snapshot"
  : `plain entry: ${trace.split("\n")[0].replace(/^sparklane: start: /, "")}`;
const py = [`${root}bench/render_baseline.py`, templateDir, template, payloadFile];
// The interpreter itself, not a version-manager shim in front of it (pyenv's adds ~100 ms per start).
const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
  encoding: "utf8",
}).trim();
const bare = [process.execPath, ["-e", "0"]] as const;

const noParseCache = { ...process.env, SPARKLANE_PARSE_CACHE: "0" };

// Warm the page cache for every side before measuring.
timeProcess(launcher, renderArgs);
timeProcess(process.execPath, cli);
timeProcess(python, py);
const ours: number[] = [];
const first: number[] = [];
const plain: number[] = [];
const theirs: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < runs; i++) {
  const a = timeProcess(launcher, renderArgs);
  const f = timeProcess(launcher, renderArgs, { env: noParseCache });
  const p = timeProcess(process.execPath, cli);
  const b = timeProcess(python, py);
  ours.push(a);
  first.push(f);
  plain.push(p);
  theirs.push(b);
  ratios.push(a / b);
}
console.log(`render CLI vs Python jinja2+PyYAML, ${runs} interleaved runs`);
console.log(`  sparklane render  median ${median(ours).toFixed(1)} ms  (bin/sparklane, ${how})`);
console.log(
  `  no parse cache    median ${median(first).toFixed(1)} ms  (bin/sparklane, SPARKLANE_PARSE_CACHE=0)`,
);
console.log(`  plain entry       median ${median(plain).toFixed(1)} ms  (node bin/sparklane.js)`);
console.log(`  python baseline   median ${median(theirs).toFixed(1)} ms`);
console.log(`  median ratio      ${median(ratios).toFixed(3)}  (target <= 0.6)`);
const bareNode: number[] = [];
for (let i = 0; i < 10; i++) bareNode.push(timeProcess(bare[0], bare[1]));
console.log(
  `  for scale: a bare \`node -e 0\` takes ${median(bareNode).toFixed(1)} ms, ${(median(bareNode) / median(theirs)).toFixed(2)} of the Python path`,
);

// Library mode: renders and full checks in a loop on this one thread, through the built package (dist/, as a
// library user imports it). Every iteration renders a different payload (app name, memory, instances and
// node label change), so nothing is served from a cache of whole results. The parse reuse (src/manifest/
// reuse.ts) applies as it would for any template rendered repeatedly; the figure without it is printed too.
const lib = (await import(`${root}dist/index.js`)) as typeof Library;
const payload = JSON.parse(readFileSync(payloadFile, "utf8")) as Record<string, unknown>;
const req = { templateDir: [templateDir], variant: "standard" as const, ds: "2026-03-15" };
const payloadFor = (i: number): Record<string, unknown> => ({
  ...payload,
  etl_module: `visits_${i % 1000}`,
  executor_memory: `${8 + (i % 40)}g`,
  executor_instances: 1 + (i % 16),
  executor_node_labels: { "spark-role": `pool-${i % 7}` },
});
function perSecond(seconds: number, before?: () => void): number {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 100; i++) {
      before?.();
      lib.renderAndCheckSync({ ...req, payload: payloadFor(n + i) });
    }
    n += 100;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return (n / elapsed) * 1000;
}
for (let i = 0; i < 2000; i++) lib.renderAndCheckSync({ ...req, payload: payloadFor(i) });
const stats0 = lib.reuseStats();
// Five one-second windows, median reported: one window that a neighbour's job slows does not decide the figure.
const windows = Array.from({ length: 5 }, () => perSecond(1)).sort((a, b) => a - b);
const ours_per_s = median(windows);
const stats1 = lib.reuseStats();
const reusedShare =
  (stats1.reused - stats0.reused) / (stats1.reused + stats1.parsed - stats0.reused - stats0.parsed);
perSecond(0.5, lib.clearParseReuse);
const fullParse_per_s = perSecond(2, lib.clearParseReuse);
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
  `library renderAndCheckSync: ${Math.round(ours_per_s)} renders+checks per second on one core (target >= 5000), a new payload each`,
);
console.log(
  `  median of 5 one-second windows; range ${Math.round(windows[0])}-${Math.round(windows.at(-1)!)}`,
);
console.log(
  `  ${(reusedShare * 100).toFixed(1)}% reused an earlier parse; with the reuse off: ${Math.round(fullParse_per_s)} per second`,
);
console.log(
  `  python jinja2 render + safe_load in-process: ${Math.round(pyLib)} per second; ratio ${(ours_per_s / pyLib).toFixed(2)}x`,
);
