// The differential fuzzer at larger budgets: generated templates and payloads rendered by sparklane and by
// Python's jinja2 set up as Airflow sets it up (test/template/fuzz/). Prints the divergence rate over the cases
// Python renders, the counts by kind, and the first examples of each kind.
// Run: npx tsx bench/fuzz.ts [--cases 10000] [--seed 1] [--examples 3] [--minimize N] [--python PATH] [--json]
// --minimize N shrinks N divergences (one per cause first, then more texts) to minimal repros.
// --python can name the Airflow venv's python: the server then uses Airflow's own environment class.
import { parseArgs } from "node:util";
import {
  JinjaServer,
  describe,
  minimize,
  pythonUnavailable,
  readAllowList,
  runFuzz,
  signature,
  type Divergence,
} from "../test/template/fuzz/runner.js";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    examples: { type: "string", default: "3" },
    python: { type: "string", default: "python3" },
    json: { type: "boolean", default: false },
    minimize: { type: "string", default: "0" },
  },
});
const why = pythonUnavailable(values.python);
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}
const t0 = performance.now();
const { stats, divergences } = await runFuzz({
  seed: Number(values.seed),
  count: Number(values.cases),
  allow: readAllowList(),
  python: values.python,
});
const secs = (performance.now() - t0) / 1000;
const pct = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(2)}%`;
if (values.json) {
  console.log(JSON.stringify({ ...stats, seconds: secs }));
} else {
  console.log(
    `${stats.cases} cases (seed ${values.seed}, reference: ${stats.environment} environment) in ${secs.toFixed(1)} s`,
  );
  console.log(
    `divergence rate over the ${stats.pythonRenders} cases Python renders: ${pct(stats.divergentRenders, stats.pythonRenders)} (${stats.divergentRenders})`,
  );
  console.log(
    `where Python raises (${stats.cases - stats.pythonRenders}): ${pct(stats.divergentErrors, stats.cases - stats.pythonRenders)} diverge (${stats.divergentErrors}); sparklane crashes: ${stats.crashes}`,
  );
  console.log(`by kind: ${JSON.stringify(stats.byVerdict)}`);
  const allowed = divergences.filter((d) => d.allowed).length;
  console.log(`allow-listed: ${allowed} of ${divergences.length}`);
  const groups = new Map<string, number>();
  for (const d of divergences) groups.set(signature(d), (groups.get(signature(d)) ?? 0) + 1);
  console.log("\nmost frequent causes:");
  for (const [sig, n] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${String(n).padStart(6)}  ${sig}`);
  const shown = new Map<string, number>();
  for (const d of divergences) {
    const n = shown.get(d.verdict) ?? 0;
    if (n >= Number(values.examples)) continue;
    shown.set(d.verdict, n + 1);
    console.log(
      `\n--- ${d.verdict}${d.allowed ? ` (allowed: ${d.allowed})` : ""}, case ${d.case.id}\n${describe(d)}`,
    );
  }
}

const toMinimize = Number(values.minimize);
if (toMinimize > 0) {
  // one per cause, then further text divergences (one signature hides many causes there)
  const open = divergences.filter((d) => !d.allowed);
  const picked: Divergence[] = [];
  const seen = new Set<string>();
  for (const d of open) if (!seen.has(signature(d)) && seen.add(signature(d))) picked.push(d);
  for (const d of open) if (d.verdict === "text" && !picked.includes(d)) picked.push(d);
  const server = new JinjaServer(values.python);
  await server.ready;
  const repros = new Set<string>();
  for (const d of picked.slice(0, toMinimize)) {
    const m = await minimize(server, d, readAllowList());
    const key = `${m.case.source}\u0000${m.case.conf}`;
    if (repros.has(key)) continue;
    repros.add(key);
    console.log(`\n=== minimal repro (case ${d.case.id}, ${m.verdict})\n${describe(m)}`);
  }
  server.close();
}
