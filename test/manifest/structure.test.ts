import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseManifest, checkManifest, checkStructure } from "../../src/manifest/index.js";

const fixture = (name: string): { text: string; spans: Array<[number, number]> } => ({
  text: readFileSync(new URL(`fixtures/${name}.yaml`, import.meta.url), "utf8"),
  spans: JSON.parse(readFileSync(new URL(`fixtures/${name}.spans.json`, import.meta.url), "utf8")) as Array<
    [number, number]
  >,
});

/** Renders `template` where each `{}` is replaced by the next value, returning the text and the output spans. */
function render(template: string, ...values: string[]): { text: string; spans: Array<[number, number]> } {
  const parts = template.split("{}");
  let text = parts[0]!;
  const spans: Array<[number, number]> = [];
  values.forEach((v, i) => {
    spans.push([text.length, text.length + v.length]);
    text += v + parts[i + 1]!;
  });
  return { text, spans };
}

function structureIssues(template: string, ...values: string[]): string[] {
  const { text, spans } = render(template, ...values);
  return checkStructure(parseManifest(text, "t.yaml"), spans).map((i) => i.path);
}

for (const name of ["visits-daily", "visits-mem-intensive", "visits-standard-image"]) {
  test(`seed template rendered with the seed payload ${name} keeps its structure`, () => {
    const { text, spans } = fixture(name);
    assert.ok(spans.length > 20, "the fixture carries the expression spans");
    assert.deepEqual(checkStructure(parseManifest(text, `${name}.yaml`), spans), []);
  });
}

test("attack: a node-label key that adds hostNetwork: true is caught by structure and policy", () => {
  const { text, spans } = fixture("inject-label-key");
  const parsed = parseManifest(text, "inject-label-key.yaml");
  assert.equal(
    (parsed.doc.spec as { executor: { hostNetwork?: boolean } }).executor.hostNetwork,
    true,
    "the attack parses",
  );
  const { issues } = checkManifest(parsed, { spans });
  const structure = issues.filter((i) => i.step === "structure");
  assert.equal(structure.length, 1);
  assert.equal(structure[0]!.path, "spec.executor.nodeSelector.x");
  assert.match(structure[0]!.where, /^inject-label-key\.yaml:102:7 /);
  assert.match(structure[0]!.message, /hostNetwork: true.*changes the YAML structure/);
  assert.ok(issues.some((i) => i.step === "policy" && i.path === "spec.executor.hostNetwork"));
});

test("attack: a memory value that adds a privileged securityContext is caught by structure and policy", () => {
  const { text, spans } = fixture("inject-memory");
  const { issues } = checkManifest(parseManifest(text, "inject-memory.yaml"), { spans });
  const structure = issues.filter((i) => i.step === "structure");
  assert.deepEqual(
    structure.map((i) => [i.path, i.line]),
    [["spec.executor.memory", 89]],
  );
  assert.ok(issues.some((i) => i.step === "policy" && i.path === "spec.executor.securityContext.privileged"));
  assert.equal(
    issues.filter((i) => i.step === "schema").length,
    0,
    "the schema alone would have let it through",
  );
});

const CASES: Array<{ name: string; template: string; values: string[]; paths: string[] }> = [
  { name: "a value inside double quotes", template: 'a: "{}"\n', values: ["x y: z # w"], paths: [] },
  { name: "a value that is the whole quoted scalar", template: "a: {}\n", values: ['"x"'], paths: [] },
  { name: "a plain value", template: "a: {}\nb: 1\n", values: ["22g"], paths: [] },
  { name: "a key", template: "m:\n  {}: v\n", values: ["spark-role"], paths: [] },
  {
    name: "a value inside a block scalar",
    template: "a: |\n  one {} three\nb: 1\n",
    values: ["two"],
    paths: [],
  },
  { name: "an empty span", template: "a: x{}\n", values: [""], paths: [] },
  {
    name: "a quote that closes the scalar early",
    template: 'm: {"a": "{}"}\n',
    values: ['x", "b": "y'],
    paths: ["m.a"],
  },
  { name: "a newline that adds a sibling key", template: "a: {}\n", values: ["x\nb: y"], paths: ["a"] },
  { name: "a comment after a plain value", template: "a: {}\n", values: ["x # hidden"], paths: ["a"] },
  { name: "a flow mapping instead of a scalar", template: "a: {}\n", values: ["{b: 1}"], paths: ["a"] },
  { name: "a flow sequence", template: "a: {}\n", values: ["[1, 2]"], paths: ["a"] },
  { name: "an alias", template: "x: &v 1\na: {}\n", values: ["*v"], paths: ["a"] },
  { name: "an anchor before the value", template: "a: {}\n", values: ["&v x"], paths: ["a"] },
  { name: "a tag before the value", template: "a: {}\n", values: ["!!str x"], paths: ["a"] },
  { name: "an expression in a comment", template: "# {}\na: 1\n", values: ["note"], paths: [""] },
  { name: "indentation from a value", template: "m:\n{}k: v\n", values: ["  "], paths: ["m"] },
  {
    name: "a key that adds a mapping level",
    template: "m:\n  {}: v\n",
    values: ["a:\n    b"],
    paths: ["m.a"],
  },
  { name: "a block indicator", template: "a: {}\n  text\n", values: ["|"], paths: ["a"] },
  { name: "a sequence entry", template: "l:\n  - a\n  {}\n", values: ["- b"], paths: ["l[0]"] },
];

for (const c of CASES) {
  test(`structure: ${c.name} ${c.paths.length ? "is refused" : "is accepted"}`, () => {
    assert.deepEqual(structureIssues(c.template, ...c.values), c.paths);
  });
}

test("a structure issue names the line of the expression, the manifest path and the value", () => {
  const { text, spans } = render("metadata:\n  name: ok\nspec:\n  a: {}\n", "x # y");
  const { issues } = checkManifest(parseManifest(text, "t.yaml"), { spans });
  const s = issues.filter((i) => i.step === "structure");
  assert.equal(s.length, 1);
  assert.equal(s[0]!.where, "t.yaml:4:6 spec.a");
  assert.match(s[0]!.message, /"x # y"/);
  assert.ok(s[0]!.hint);
});

// Property: for any value, either the text is refused (by the parser or the structure check) or the parsed
// manifest has exactly the shape of a benign render. A small naughty-strings corpus stands in for a fuzzer.
const NAUGHTY = [
  "x\n    securityContext:\n      privileged: true",
  "x\n---\nkind: Pod",
  "x': y",
  'x": y',
  "{a: 1}",
  "[1, 2]",
  "&a [*a]",
  "!!binary AA",
  "!!str x",
  "x # comment",
  "x #comment",
  "- item",
  "? key",
  "| block",
  "> folded",
  "%YAML 1.1",
  "@at",
  "`tick`",
  "*alias",
  "a: b",
  "a:b",
  "x\ty",
  "\tx",
  "x\r\ny: 1",
  "x\\ny",
  '\\"',
  "'",
  '"',
  "",
  " ",
  "x\u2028y: 1",
  "x\u0085y: 1",
  "...",
  "---",
  "<<: {a: 1}",
  "{{ 7*7 }}",
  "yes",
  "0x1F",
  "~",
  "null",
  "2026-03-15",
  "ünïcödé ✓",
];

const POSITIONS = [
  'metadata:\n  name: "{}"\nspec:\n  a: 1\n',
  "metadata:\n  name: {}\nspec:\n  a: 1\n",
  "metadata:\n  name: n\n  labels:\n    {}: v\nspec:\n  a: 1\n",
  'metadata:\n  name: n\nspec:\n  args:\n    - "{}"\n    - b\n',
  "metadata:\n  name: n\nspec:\n  script: |\n    echo {}\n  a: 1\n",
  "metadata:\n  name: n\nspec: {a: '{}', b: 1}\n",
];

function shape(v: unknown, path = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [`${path}[${i}]`, ...shape(x, `${path}[${i}]`)]);
  if (v && typeof v === "object") {
    return Object.values(v).flatMap((x, i) => [`${path}/#${i}`, ...shape(x, `${path}/#${i}`)]);
  }
  return [];
}

test("property: no value changes the shape of a manifest unless it is refused", () => {
  let accepted = 0;
  let refused = 0;
  for (const template of POSITIONS) {
    const benign = shape(parseManifest(render(template, "v").text, "t.yaml").doc);
    for (const value of NAUGHTY) {
      const { text, spans } = render(template, value);
      let parsed;
      try {
        parsed = parseManifest(text, "t.yaml");
      } catch {
        refused++;
        continue;
      }
      if (checkStructure(parsed, spans).length > 0) {
        refused++;
        continue;
      }
      accepted++;
      assert.deepEqual(shape(parsed.doc), benign, `${JSON.stringify(value)} in ${JSON.stringify(template)}`);
    }
  }
  assert.ok(accepted > 50 && refused > 50, `accepted ${accepted}, refused ${refused}`);
});
