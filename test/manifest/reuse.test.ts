// parseRendered may reuse an earlier parse of the same template; it must never give another answer than a
// full parse. Each case primes the reuse with one render, then compares a second render against a parse of
// its own: the document (values, types and key order), the scalar ranges, and every issue found.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import {
  checkManifest,
  clearParseReuse,
  fileParseStore,
  parseManifest,
  parseRendered,
  reuseStats,
  useParseStore,
} from "../../src/manifest/index.js";
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
  clearParseReuse();
  try {
    parseRendered(base.text, base.spans, "t.yaml");
  } catch {
    // A refused base leaves nothing to reuse; the comparison below still holds.
  }
  const before = reuseStats().reused;
  const actual = outcome(() => parseRendered(next.text, next.spans, "t.yaml"), next.spans);
  const reused = reuseStats().reused > before;
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
  clearParseReuse();
  const a = fill("a: {}\nb: 1\n", "x");
  parseRendered(a.text, a.spans, "t.yaml");
  const before = reuseStats();
  const b = fill("a: {}\nb: 2\n", "x");
  assert.equal(parseRendered(b.text, b.spans, "t.yaml").doc.b, 2);
  assert.equal(reuseStats().parsed, before.parsed + 1);
  // The same text with the spans elsewhere is another structure too.
  const c = { text: a.text, spans: [[0, 1]] as Spans };
  assert.equal(parseRendered(c.text, c.spans, "t.yaml").doc.a, "x");
  assert.equal(reuseStats().parsed, before.parsed + 2);
});

test("a parsed document is the caller's own, full or reused: changing it does not change the next render", () => {
  clearParseReuse();
  const base = fill(TEMPLATE, ...BASE);
  const full = parseRendered(base.text, base.spans, "t.yaml");
  (full.doc.spec as { executor: { cores: number } }).executor.cores = 98;
  const first = parseRendered(base.text, base.spans, "t.yaml");
  assert.equal((first.doc.spec as { executor: { cores: number } }).executor.cores, 2, "after the full parse");
  (first.doc.spec as { executor: { cores: number } }).executor.cores = 99;
  const second = parseRendered(base.text, base.spans, "t.yaml");
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

test("a parse store carries skeletons across processes; damaged or foreign entries are only misses", () => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-parses-"));
  try {
    useParseStore(fileParseStore(dir));
    clearParseReuse();
    const first = fill(TEMPLATE, ...BASE);
    parseRendered(first.text, first.spans, "t.yaml");
    const files = readdirSync(dir);
    assert.equal(files.length, 1, "the skeleton was written");

    // A new process: nothing in memory, the store has it.
    clearParseReuse();
    const values = [...BASE];
    values[0] = "other";
    const next = fill(TEMPLATE, ...values);
    let before = reuseStats();
    assert.equal(
      (parseRendered(next.text, next.spans, "t.yaml").doc.metadata as { name: string }).name,
      "other-20260315",
    );
    assert.equal(reuseStats().reused, before.reused + 1);

    // Damaged: parsed in full, then written again.
    writeFileSync(join(dir, files[0]!), "not a skeleton");
    clearParseReuse();
    writeFileSync(join(dir, files[0]!), "not a skeleton");
    before = reuseStats();
    parseRendered(next.text, next.spans, "t.yaml");
    assert.equal(reuseStats().parsed, before.parsed + 1);
    clearParseReuse();
    before = reuseStats();
    parseRendered(next.text, next.spans, "t.yaml");
    assert.equal(reuseStats().reused, before.reused + 1, "rewritten after the damaged read");

    // Another template's skeleton under this one's name is refused by the piece check.
    const other = fill("kind: {}\n", "x");
    clearParseReuse();
    parseRendered(other.text, other.spans, "t.yaml");
    const otherFile = readdirSync(dir).find((f) => f !== files[0])!;
    renameSync(join(dir, otherFile), join(dir, files[0]!));
    clearParseReuse();
    before = reuseStats();
    assert.equal(parseRendered(next.text, next.spans, "t.yaml").doc.kind as string, "SparkApplication");
    assert.equal(reuseStats().parsed, before.parsed + 1);

    // Entries that read well but do not fit (a hand-edited or half-migrated file) are misses, never errors.
    const entry = join(dir, files[0]!);
    clearParseReuse();
    parseRendered(first.text, first.spans, "t.yaml"); // rewrite a good entry
    const good = deserialize(readFileSync(entry)) as { skeleton: Record<string, unknown[]> };
    const tamperings: Array<(sk: Record<string, unknown[]>) => void> = [
      (sk) => (sk.before![0] = 999),
      (sk) => ((sk.slots![0] as { pieces: string[] }).pieces = []),
      (sk) => ((sk.slots![0] as { path: unknown[] }).path = ["no", "such", "parent", "x"]),
      (sk) => ((sk.scalars![0] as { start: unknown }).start = "zero"),
      (sk) => (sk.lengths = []),
    ];
    for (const tamper of tamperings) {
      const copy = deserialize(serialize(good)) as { skeleton: Record<string, unknown[]> };
      tamper(copy.skeleton);
      writeFileSync(entry, serialize(copy));
      clearParseReuse();
      before = reuseStats();
      const parsed = parseRendered(next.text, next.spans, "t.yaml");
      assert.equal((parsed.doc.metadata as { name: string }).name, "other-20260315", String(tamper));
      assert.equal(reuseStats().parsed, before.parsed + 1, String(tamper));
    }

    // A store that cannot be written does not fail the render.
    useParseStore({
      load: () => undefined,
      save: () => {
        throw new Error("read-only");
      },
    });
    clearParseReuse();
    assert.equal(parseRendered(next.text, next.spans, "t.yaml").doc.kind, "SparkApplication");
  } finally {
    useParseStore(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
