// parseRendered may reuse an earlier parse of the same template; it must never give another answer than a
// full parse. Each case primes the reuse with one render, then compares a second render against a parse of
// its own: the document (values, types and key order), the scalar ranges, and every issue found.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkManifest, createParseReuse, parseManifest, parseRendered } from "../../src/manifest/index.js";
import { Environment, airflowContext } from "../../src/template/index.js";
import { ValidationError } from "../../src/errors.js";

type Spans = Array<[number, number]>;

/** Fills each `{}` of `template` with the next value, returning the text and the output spans. */
function fill(template: string, ...values: string[]): { text: string; spans: Spans } {
  const parts = template.split("{}");
  let text = parts[0]!;
  const spans: Spans = [];
  values.forEach((v, i) => {
    spans.push([text.length, text.length + v.length]);
    text += v + parts[i + 1]!;
  });
  return { text, spans };
}

/** Everything a caller can observe of a parse and its checks, or the issues it was refused with. */
function outcome(parse: () => ReturnType<typeof parseManifest>, spans: Spans): unknown {
  try {
    const parsed = parse();
    const checked = checkManifest(parsed, { spans });
    return {
      order: JSON.stringify(parsed.doc),
      doc: parsed.doc,
      scalars: parsed.scalars,
      issues: checked.issues,
      warnings: checked.warnings,
      at: parsed.at(["spec", "executor", "cores"]),
    };
  } catch (err) {
    if (err instanceof ValidationError) return { refused: err.issues };
    throw err;
  }
}

/** Primes with `base`, then parses `next` through reuse; returns whether the reuse was taken. */
function compare(base: { text: string; spans: Spans }, next: { text: string; spans: Spans }): boolean {
  const reuse = createParseReuse();
  try {
    parseRendered(base.text, base.spans, "t.yaml", { reuse });
  } catch {
    // A refused base leaves nothing to reuse; the comparison below still holds.
  }
  const actual = outcome(() => parseRendered(next.text, next.spans, "t.yaml", { reuse }), next.spans);
  const reused = reuse.stats().reused === 1;
  const expected = outcome(() => parseManifest(next.text, "t.yaml"), next.spans);
  for (const k of Object.keys(expected as object)) {
    assert.deepStrictEqual(
      (actual as Record<string, unknown>)[k],
      (expected as Record<string, unknown>)[k],
      `${k} differs${reused ? " (parse reused)" : ""} for ${JSON.stringify(next.text.slice(0, 120))}`,
    );
  }
  assert.deepStrictEqual(Object.keys(actual as object), Object.keys(expected as object));
  return reused;
}

// Values chosen to end, re-style or re-type a scalar in every way YAML 1.1 allows, plus harmless ones.
const VALUES = [
  "plain",
  "28g",
  "s3://bucket/key.py",
  "a b",
  "a:b",
  "",
  " ",
  " lead",
  "trail ",
  "a: b",
  "a:",
  "a #b",
  "a#b",
  "#x",
  "-",
  "- x",
  "-5",
  "-x",
  "--x",
  "---",
  "...",
  "?x",
  ":x",
  "'q'",
  '"q"',
  "a'b",
  'a"b',
  "a\\b",
  "a\\nb",
  "{x}",
  "[x]",
  "a,b",
  "*x",
  "&x",
  "!x",
  "!!int 5",
  "|x",
  ">x",
  "%x",
  "@x",
  "`x",
  "yes",
  "No",
  "on",
  "null",
  "~",
  "0123",
  "0x1F",
  "0b101",
  "1e3",
  "1.5",
  "1_000",
  ".inf",
  "-.inf",
  ".nan",
  "1:30",
  "190:20:30.15",
  "2026-01-01",
  "2026-13-01",
  "2026-01-01 10:00:00",
  "=",
  "<<",
  "a\tb",
  "a\nb",
  "a\n  b: c",
  "a\r\nb",
  "é",
  "😀",
  "a\u2028b",
  "a\u0085b",
  "\u00a0x",
  "x\u00a0",
  "\ufeffx",
  "a\u0007b",
  "12",
  "4294967296",
  "true",
  "__proto__",
  "constructor",
  "x".repeat(1100),
];

const TEMPLATE = `apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: "{}-{}"
  labels:
    {}: "{}"
    single: '{}'
    plain: {}
spec:
  driver:
    cores: {}
  executor:
    cores: 2
    nodeSelector:
      dedicated: spark
      {}: x
  arguments:
    - "--date"
    - {}
`;
// The value each slot has in the render that primes the reuse.
const BASE = ["visits", "20260315", "team", "data", "one", "two", "4", "pool", "2026-03-15"];

for (let slot = 0; slot < BASE.length; slot++) {
  test(`reuse equals a full parse for every value in slot ${slot} (${BASE[slot]})`, () => {
    const base = fill(TEMPLATE, ...BASE);
    let reused = 0;
    for (const v of VALUES) {
      const values = [...BASE];
      values[slot] = v;
      if (compare(base, fill(TEMPLATE, ...values))) reused++;
    }
    assert.ok(reused >= 5, `harmless values reuse the parse (${reused} did)`);
    assert.ok(
      reused < VALUES.length - 5,
      `values that could end the scalar are parsed in full (${reused} reused)`,
    );
  });
}

test("harmless values reuse the parse; values that could change the structure never do", () => {
  const base = fill(TEMPLATE, ...BASE);
  const reusedWith = (slot: number, v: string): boolean => {
    const values = [...BASE];
    values[slot] = v;
    return compare(base, fill(TEMPLATE, ...values));
  };
  assert.equal(reusedWith(0, "other-app"), true);
  assert.equal(reusedWith(6, "16"), true, "a plain int");
  assert.equal(reusedWith(2, "zone"), true, "a plain key renamed");
  for (const v of ["a: b", "a #b", "'q'", "- x", "*x", "a\nb", "a\n  b: c"]) {
    assert.equal(reusedWith(5, v), false, `plain ${JSON.stringify(v)}`);
  }
  for (const v of ['a"b', "a\\b", "a\nb"])
    assert.equal(reusedWith(0, v), false, `double ${JSON.stringify(v)}`);
  assert.equal(reusedWith(4, "a'b"), false, "single quote in a single-quoted scalar");
  assert.equal(reusedWith(2, "dedicated"), true, "same key in another map");
  assert.equal(reusedWith(7, "dedicated"), false, "a duplicate key is refused by the full parse");
  assert.equal(reusedWith(2, "12"), false, "an integer key");
});

test("documents with aliases, flow collections and block scalars are always parsed in full", () => {
  const cases: Array<[string, string[], string[]]> = [
    ["a: &x {}\nb: *x\n", ["1"], ["2"]],
    ["base: &b\n  k: {}\nc:\n  <<: *b\n", ["1"], ["2"]],
    ["a: [{}, 2]\n", ["1"], ["2"]],
    ["a: {k: {}}\n", ["1"], ["2"]],
    ["a: |\n  {}\n", ["1"], ["2"]],
    ["a: !!str {}\n", ["1"], ["2"]],
    ["a: {}\n  {}\n", ["x", "y"], ["x", "z"]],
    ["a: {}\n", [""], ["5"]],
  ];
  for (const [template, base, next] of cases) {
    assert.equal(compare(fill(template, ...base), fill(template, ...next)), false, template);
  }
});

test("a different text around the expressions is parsed in full, not matched to another skeleton", () => {
  const reuse = createParseReuse();
  const a = fill("a: {}\nb: 1\n", "x");
  parseRendered(a.text, a.spans, "t.yaml", { reuse });
  const b = fill("a: {}\nb: 2\n", "x");
  assert.equal(parseRendered(b.text, b.spans, "t.yaml", { reuse }).doc.b, 2);
  assert.deepEqual(reuse.stats(), { reused: 0, parsed: 2 });
  // The same text with the spans elsewhere is another structure too.
  const c = { text: a.text, spans: [[0, 1]] as Spans };
  assert.equal(parseRendered(c.text, c.spans, "t.yaml", { reuse }).doc.a, "x");
  assert.deepEqual(reuse.stats(), { reused: 0, parsed: 3 });
  assert.equal(parseRendered(a.text, a.spans, "t.yaml", { reuse }).doc.a, "x");
  assert.deepEqual(reuse.stats(), { reused: 1, parsed: 3 });
});

test("a parsed document is the caller's own, full or reused: changing it does not change the next render", () => {
  const reuse = createParseReuse();
  const base = fill(TEMPLATE, ...BASE);
  const full = parseRendered(base.text, base.spans, "t.yaml", { reuse });
  (full.doc.spec as { executor: { cores: number } }).executor.cores = 98;
  const first = parseRendered(base.text, base.spans, "t.yaml", { reuse });
  assert.equal((first.doc.spec as { executor: { cores: number } }).executor.cores, 2, "after the full parse");
  (first.doc.spec as { executor: { cores: number } }).executor.cores = 99;
  const second = parseRendered(base.text, base.spans, "t.yaml", { reuse });
  assert.equal((second.doc.spec as { executor: { cores: number } }).executor.cores, 2, "after a reuse");
});

// The built-in templates with the fixtures' payloads, each string field replaced by every value above.
const root = fileURLToPath(new URL("../..", import.meta.url));
const env = new Environment({ searchPath: [`${root}templates`] });
const renderBuiltin = (name: string, conf: Record<string, unknown>): { text: string; spans: Spans } => {
  const out = env.getTemplate(name).renderWithSpans(
    airflowContext({
      conf,
      dagId: "generic_spark_etl",
      taskId: "submit_spark_etl",
      ds: "2026-03-15",
      runId: "manual__2026-03-15T00:00:00+00:00",
      ts: "2026-03-15T00:00:00+00:00",
      varValues: {},
      params: {},
    }),
  );
  return { text: out.text, spans: out.spans.map(([a, b]) => [a, b]) };
};

for (const name of ["sparkapps/generic-spark-app.yaml", "sparkapps/generic-spark-app-pre-baked.yaml"]) {
  test(`reuse equals a full parse on ${name} with every payload field varied`, () => {
    const payload = JSON.parse(
      readFileSync(`${root}test/fixtures/triggers/visits-mem-intensive.json`, "utf8"),
    ) as Record<string, unknown>;
    const base = renderBuiltin(name, payload);
    const fields: Array<(v: string) => Record<string, unknown>> = [
      (v) => ({ ...payload, etl_module: v }),
      (v) => ({ ...payload, executor_memory: v }),
      (v) => ({ ...payload, etl_version: v }),
      (v) => ({ ...payload, process_date: v }),
      (v) => ({ ...payload, executor_instances: v }),
      (v) => ({ ...payload, executor_node_labels: { [v]: "mem-intensive" } }),
      (v) => ({ ...payload, executor_node_labels: { "spark-role": v } }),
    ];
    let reused = 0;
    for (const field of fields) {
      for (const v of VALUES) if (compare(base, renderBuiltin(name, field(v)))) reused++;
    }
    assert.ok(reused > 50, `ordinary payload values reuse the parse (${reused} did)`);
  });
}

test("without a ParseReuse nothing is kept: each cache is its own, and parseRendered alone always parses", () => {
  const base = fill(TEMPLATE, ...BASE);
  const one = createParseReuse();
  const other = createParseReuse();
  parseRendered(base.text, base.spans, "t.yaml", { reuse: one });
  parseRendered(base.text, base.spans, "t.yaml", { reuse: other });
  assert.deepEqual(one.stats(), { reused: 0, parsed: 1 }, "the other cache's parse is not seen");
  const plain = parseRendered(base.text, base.spans, "t.yaml");
  assert.equal(plain.structureProven, undefined, "a full parse proves no spans: checkManifest checks them");
  const reused = parseRendered(base.text, base.spans, "t.yaml", { reuse: one });
  assert.equal(reused.structureProven, base.spans);
  assert.deepEqual(one.stats(), { reused: 1, parsed: 1 });
  one.clear();
  parseRendered(base.text, base.spans, "t.yaml", { reuse: one });
  assert.deepEqual(one.stats(), { reused: 1, parsed: 2 }, "cleared");
});

test("a ParseReuse keeps at most max parses", () => {
  const reuse = createParseReuse({ max: 2 });
  const shapes = ["a: {}\n", "b: {}\n", "c: {}\n"].map((t) => fill(t, "x"));
  for (const s of shapes) parseRendered(s.text, s.spans, "t.yaml", { reuse });
  // The third shape emptied the full cache: the first is parsed again, the third is still kept.
  parseRendered(shapes[0]!.text, shapes[0]!.spans, "t.yaml", { reuse });
  assert.deepEqual(reuse.stats(), { reused: 0, parsed: 4 });
  parseRendered(shapes[2]!.text, shapes[2]!.spans, "t.yaml", { reuse });
  assert.deepEqual(reuse.stats(), { reused: 1, parsed: 4 });
  assert.throws(() => createParseReuse({ max: 0 }), RangeError);
});

test("a reused parse has no property that runs the full parse: only its position methods do", () => {
  const reuse = createParseReuse();
  const base = fill(TEMPLATE, ...BASE);
  parseRendered(base.text, base.spans, "t.yaml", { reuse });
  const reused = parseRendered(base.text, base.spans, "t.yaml", { reuse });
  assert.equal(reuse.stats().reused, 1);
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(reused))) {
    assert.equal(d.get, undefined, `${key} is a plain value, not a getter`);
  }
  assert.equal(reused.at(["spec", "executor", "cores"]), "t.yaml:13:5");
});

// Seeded random differential test: random templates (every scalar style, keys, sequences, flow collections,
// block scalars, comments, anchors) with random values in their expressions, each compared with a full parse
// as above. The seed is fixed so CI runs the same cases every time; SPARKLANE_REUSE_SEED tries others.
const SEED = Number(process.env.SPARKLANE_REUSE_SEED ?? 20261203);

/** mulberry32: a small, well-known 32-bit PRNG; enough to spread cases, and reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [..."abcxyz0189 -_.:/#'\"\\,[]{}*&!|>%@`?~=+é😀\t\n", "\u2028", "\u00a0", "\u0085"];

function randomCase(rand: () => number): { template: string; slots: number } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let slots = 0;
  let anchors = 0;
  let maps = 0;
  let nextMap = 0;
  const slot = (): string => {
    slots++;
    return "{}";
  };
  const scalar = (): string =>
    pick([
      () => slot(),
      () => `pre-${slot()}`,
      () => `${slot()}-${slot()}`,
      () => `"${slot()}"`,
      () => `"x ${slot()} y"`,
      () => `'${slot()}'`,
      () => `${slot()} # note`,
      () => `&a${anchors++} ${slot()}`,
      () => (anchors > 0 ? `*a${Math.floor(rand() * anchors)}` : "42"),
      () => "plain text",
    ])();
  const block = (indent: string, depth: number): string[] => {
    const lines: string[] = [];
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const key = pick([
        () => `k${depth}${i}`,
        () => `k${depth}${i}`,
        () => `k${depth}${i}`,
        () => slot(),
        () => `"${slot()}"`,
      ])();
      const kind = depth < 2 ? rand() : rand() * 0.6;
      const rare = rand() < 0.1; // constructs that are always parsed in full when an expression is in them
      if (kind < 0.45) lines.push(`${indent}${key}: ${scalar()}`);
      else if (kind < 0.5) lines.push(`${indent}${key}: [${rare ? scalar() : "x"}, 1]`);
      else if (kind < 0.55) lines.push(`${indent}${key}: {f: ${rare ? scalar() : "y"}}`);
      else if (kind < 0.6) lines.push(`${indent}${key}: |`, `${indent}  ${rare ? slot() : "text"}`);
      else if (kind < 0.8) {
        lines.push(`${indent}${key}:`);
        const items = 1 + Math.floor(rand() * 2);
        for (let j = 0; j < items; j++) lines.push(`${indent}  - ${scalar()}`);
      } else if (kind < 0.85 && maps > 0) {
        // An alias of an earlier anchored map, or a merge of one: its values are shared, not copied.
        const m = `*m${Math.floor(rand() * maps)}`;
        lines.push(rand() < 0.5 ? `${indent}${key}: ${m}` : `${indent}<<: ${m}`);
      } else {
        // Anchored maps become aliasable once complete: an alias inside its own anchor is a cycle.
        const anchored = rand() < 0.3 ? ` &m${nextMap++}` : "";
        lines.push(`${indent}${key}:${anchored}`, ...block(`${indent}  `, depth + 1));
        if (anchored) maps++;
      }
    }
    return lines;
  };
  const template = ["apiVersion: v1", "kind: SparkApplication", ...block("", 0), ""].join("\n");
  assert.equal(template.split("{}").length, slots + 1);
  return { template, slots };
}

/** A random value: with probability `odd` a hostile one (from VALUES, or of any characters), else a word. */
function randomValue(rand: () => number, odd: number): string {
  const hostile = rand() < odd;
  if (hostile && rand() < 0.3) return VALUES[Math.floor(rand() * VALUES.length)]!;
  const chars = hostile ? ALPHABET : rand() < 0.2 ? [..."0123456789"] : [..."abcdefgxyz0123456789-."];
  const length = (hostile ? 0 : 1) + Math.floor(rand() * 12);
  let v = "";
  for (let i = 0; i < length; i++) v += chars[Math.floor(rand() * chars.length)];
  return v;
}

test(`reuse equals a full parse on random templates and values (seed ${SEED})`, () => {
  const rand = prng(SEED);
  let reused = 0;
  let compared = 0;
  for (let n = 0; n < 200; n++) {
    const { template, slots } = randomCase(rand);
    const base = Array.from({ length: slots }, () => randomValue(rand, 0.02));
    for (let k = 0; k < 3; k++) {
      // Mostly one or two expressions change from the base, as between two payloads of one template.
      const next = base.map((v) => (rand() < 0.3 ? randomValue(rand, 0.5) : v));
      try {
        if (compare(fill(template, ...base), fill(template, ...next))) reused++;
      } catch (err) {
        assert.fail(`seed ${SEED}, case ${n}.${k}: ${err instanceof Error ? err.message : String(err)}`);
      }
      compared++;
    }
  }
  // Both paths are exercised: the comparisons are not all full parses, nor all reuses.
  assert.ok(reused > compared / 10, `${reused} of ${compared} reused an earlier parse`);
  assert.ok(reused < compared, `${reused} of ${compared} reused an earlier parse`);
});
