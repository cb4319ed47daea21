// bench/render: the `sparklane render` CLI end to end (start-up and all checks) against the Python path Airflow
// takes (jinja2 render + PyYAML safe_load) on the same template and payload, interleaved in one run; then the
// library's renders+checks per second on one core. Run: npm run bench -- render   (or npx tsx bench/render.ts)
// The CLI runs as users run it: `node bin/sparklane.js` (what npm links as `sparklane`). No figure here is a
// pass/fail gate; the targets are printed beside them.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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
const cpu = { ours: 0, theirs: 0 };
for (let i = 0; i < runs; i++) {
  let c = childCpuMs();
  const a = timeProcess(process.execPath, cli);
  cpu.ours += childCpuMs() - c;
  c = childCpuMs();
  const b = timeProcess(python, py);
  cpu.theirs += childCpuMs() - c;
  ours.push(a);
  theirs.push(b);
  ratios.push(a / b);
}
/** User+system CPU time of this process's finished children so far (Linux /proc; 10 ms ticks), else 0. */
function childCpuMs(): number {
  if (!existsSync("/proc/self/stat")) return 0;
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name (which may hold spaces): cutime and cstime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const bareNode: number[] = [];
for (let i = 0; i < 10; i++) bareNode.push(timeProcess(process.execPath, ["-e", "0"]));
console.log(`render CLI vs Python jinja2+PyYAML, ${runs} interleaved runs`);
console.log(`  sparklane render  median ${median(ours).toFixed(1)} ms  (node bin/sparklane.js)`);
console.log(`  python baseline   median ${median(theirs).toFixed(1)} ms`);
console.log(
  `  median ratio      ${median(ratios).toFixed(3)}  (CLI / Python; no target, see docs/decisions.md)`,
);
if (existsSync("/proc/self/stat")) {
  console.log(
    `  CPU time          ${(cpu.ours / runs).toFixed(1)} ms vs ${(cpu.theirs / runs).toFixed(1)} ms a run, ratio ${(cpu.ours / cpu.theirs).toFixed(3)}  (user+sys; steadier than wall time on a busy host)`,
  );
}
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
/** Renders per second of wall time, and per second of this thread's CPU time (what a busy host leaves). */
function rates(seconds: number, reuse: Library.ParseReuse | undefined): { wall: number; cpu: number } {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 100; i++) {
      lib.renderAndCheckSync({ ...req, parseReuse: reuse, payload: payloadFor(n + i) });
    }
    n += 100;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const c = process.cpuUsage(c0);
  return { wall: (n / elapsed) * 1000, cpu: (n / ((c.user + c.system) / 1000)) * 1000 };
}
for (let i = 0; i < 2000; i++) lib.renderAndCheckSync({ ...req, parseReuse, payload: payloadFor(i) });
const stats0 = parseReuse.stats();
// Five one-second windows, median reported: one window that a neighbour's job slows does not decide the figure.
const measured = Array.from({ length: 5 }, () => rates(1, parseReuse));
const windows = measured.map((r) => r.wall).sort((a, b) => a - b);
const ours_per_s = median(windows);
const ours_per_cpu_s = median(measured.map((r) => r.cpu));
const stats1 = parseReuse.stats();
const reusedShare =
  (stats1.reused - stats0.reused) / (stats1.reused + stats1.parsed - stats0.reused - stats0.parsed);
rates(0.5, undefined);
const fullParse_per_s = rates(2, undefined).wall;
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
  `  median of 5 one-second windows; range ${Math.round(windows[0])}-${Math.round(windows.at(-1)!)}; per second of CPU time: ${Math.round(ours_per_cpu_s)}`,
);
console.log(
  `  ${(reusedShare * 100).toFixed(1)}% reused an earlier parse; without a ParseReuse: ${Math.round(fullParse_per_s)} per second`,
);
console.log(
  `  python jinja2 render + safe_load in-process: ${Math.round(pyLib)} per second; ratio ${(ours_per_s / pyLib).toFixed(2)}x`,
);
