import { test } from "node:test";
import assert from "node:assert/strict";
import { checkManifest, parseManifest } from "../../src/manifest/index.js";
import { fixtureText } from "./helpers.js";

// One render with a problem for every step, so the ordering and the "collect everything" contract are visible.
const template = fixtureText("visits-daily")
  .replace('    memory: "20g"\n', '    memory: "20 g"\n    hostNetwork: true\n')
  .replace("    cores: 6\n", "    cors: 6\n")
  .replace('  name: "visits-distinct-20260315"', '  name: "visits_distinct"');

test("checkManifest runs every step, collects every issue and orders them by step, then by line", () => {
  const spanStart = template.indexOf("20 g");
  const spans: Array<[number, number]> = [[spanStart, spanStart + '20 g"\n    hostNetwork: true'.length]];
  const parsed = parseManifest(template, "app.yaml");
  const { issues, manifest } = checkManifest(parsed, {
    spans,
    policy: { allowedImages: ["registry.example/*"] },
  });
  assert.equal(manifest, parsed.doc);
  const steps = issues.map((i) => i.step);
  assert.deepEqual([...new Set(steps)], ["structure", "schema", "rules", "policy"]);
  assert.deepEqual(
    steps,
    [...steps].sort((a, b) => order(a) - order(b)),
    "grouped by step",
  );
  for (const step of new Set(steps)) {
    const lines = issues.filter((i) => i.step === step).map((i) => i.line ?? 0);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
      `${step} issues in line order`,
    );
  }
  const paths = issues.map((i) => `${i.step} ${i.path}`);
  for (const expected of [
    "structure spec.driver.memory",
    "schema spec.driver.cors",
    "rules metadata.name",
    "rules spec.driver.memory",
    "policy spec.driver.hostNetwork",
    "policy spec.image",
  ]) {
    assert.ok(paths.includes(expected), `${expected} in ${paths.join(", ")}`);
  }
  assert.deepEqual(
    checkManifest(parseManifest(template, "app.yaml"), {
      spans,
      policy: { allowedImages: ["registry.example/*"] },
    }).issues,
    issues,
    "deterministic",
  );
});

test("without spans the structure step is skipped, and `file` overrides the parsed file name", () => {
  const { issues } = checkManifest(parseManifest(template, "parsed.yaml"), { file: "shown.yaml" });
  assert.ok(issues.length > 0);
  assert.ok(issues.every((i) => i.step !== "structure"));
  assert.ok(issues.every((i) => i.where.startsWith("shown.yaml:")));
});

function order(step: string): number {
  return ["yaml", "structure", "schema", "rules", "policy"].indexOf(step);
}
