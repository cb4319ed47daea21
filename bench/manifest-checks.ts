// bench/manifest-checks: the cost of the manifest front half per render, on the seed's rendered templates.
//   parse      parseManifest (YAML 1.1 as PyYAML, duplicate/alias/tag checks, scalar spans)
//   check      checkManifest (structure spans, precompiled schema, operator rules, policy)
// Each is printed in microseconds and as a ratio to baselines measured in the same run: the `yaml` package's
// plain parse() of the same text (the least any YAML-reading checker must pay), and, for the checks, a JSON
// stringify+parse round trip of the manifest (a machine-independent yardstick for "walk the object once").
// Run: npm run bench -- manifest-checks   (or npx tsx bench/manifest-checks.ts)
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { checkManifest, parseManifest } from "../src/manifest/index.js";

const dir = new URL("../test/manifest/fixtures/", import.meta.url);
const budgetMs = Number(process.env.BENCH_MS ?? 1500);

function perCallMicros(fn: () => unknown): number {
  for (let i = 0; i < 300; i++) fn(); // warm-up: JIT and the validator's lazily compiled functions
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return (elapsed * 1000) / n;
}

for (const name of ["visits-standard-image", "visits-mem-intensive"]) {
  const text = readFileSync(new URL(`${name}.yaml`, dir), "utf8");
  const spans = JSON.parse(readFileSync(new URL(`${name}.spans.json`, dir), "utf8")) as Array<
    [number, number]
  >;
  const parsed = parseManifest(text, name);
  const policy = { allowedImages: ["<registry>/*"] };
  if (checkManifest(parsed, { spans, policy }).issues.length)
    throw new Error(`${name} should pass the checks`);

  const base = perCallMicros(() => parse(text, { version: "1.1" }));
  const p = perCallMicros(() => parseManifest(text, name));
  const c = perCallMicros(() => checkManifest(parsed, { spans, policy }));
  const json = perCallMicros(() => JSON.parse(JSON.stringify(parsed.doc)));
  console.log(`${name} (${text.length} bytes, ${spans.length} expression spans)`);
  console.log(`  baseline yaml.parse   ${base.toFixed(1)} µs`);
  console.log(`  parseManifest         ${p.toFixed(1)} µs  ratio ${(p / base).toFixed(2)}`);
  console.log(`  JSON round trip       ${json.toFixed(1)} µs`);
  console.log(
    `  checkManifest         ${c.toFixed(1)} µs  ratio ${(c / base).toFixed(3)} to yaml.parse, ` +
      `${(c / json).toFixed(2)} to the JSON round trip  (target well under 100 µs)`,
  );
}
