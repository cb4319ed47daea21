import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ValidationError } from "../../src/errors.js";
import { parseManifest } from "../../src/manifest/index.js";
import type { ManifestIssue } from "../../src/manifest/index.js";

function yamlIssues(text: string): ManifestIssue[] {
  try {
    parseManifest(text, "app.yaml");
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.equal(err.step, "yaml");
    return err.issues as ManifestIssue[];
  }
  assert.fail("expected the text to be refused");
}

// Plain scalars where YAML 1.1 readers disagree. PyYAML is the reference: it is what Airflow runs.
const SCALARS = [
  "yes",
  "no",
  "Yes",
  "NO",
  "on",
  "Off",
  "y",
  "Y",
  "n",
  "N",
  "true",
  "False",
  "TRUE",
  "null",
  "Null",
  "~",
  "",
  "0",
  "00",
  "012",
  "08",
  "09",
  "0o17",
  "0x1F",
  "0b101",
  "1_000",
  "+12",
  "-12",
  "1e3",
  "1.0e3",
  "1.0e+3",
  "1.5",
  ".5",
  "-.5",
  "1.",
  ".inf",
  "-.Inf",
  "12:30",
  "190:20:30",
  "1:20:30.5",
  "2024-01-01",
  "2024-1-1",
  "2001-12-14t21:59:43.10-05:00",
  "2001-12-14 21:59:43.10 -5",
  "2001-12-15T02:59:43.1Z",
  "2001-12-15 2:59:43",
  "3.14",
  "1_0.5",
  "12abc",
  "0.1.2",
  "-x",
  "22g",
  "0777",
  "+0x10",
  "-0b11",
];

const python = spawnSync("python3", ["-c", "import yaml"], { encoding: "utf8" });
const noPyYaml = python.status === 0 ? false : "python3 with PyYAML is not installed (.ci/run installs it)";

test("plain scalars resolve exactly as PyYAML safe_load resolves them", { skip: noPyYaml }, () => {
  const script = `
import json, sys, yaml
out = []
for s in json.load(sys.stdin):
    v = yaml.safe_load("v: " + s + "\\n")["v"]
    kind = {bool: "boolean", int: "number", float: "number", str: "string", type(None): "null"}.get(type(v), "string")
    if kind == "number" and v != v: v = "nan"
    elif kind == "number" and v in (float("inf"), float("-inf")): v = str(v)
    elif hasattr(v, "isoformat"): v = v.isoformat()
    out.append([kind, v])
print(json.dumps(out))
`;
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(SCALARS), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as Array<[string, unknown]>;
  SCALARS.forEach((s, i) => {
    const v = parseManifest(`v: ${s}\n`, "s.yaml").doc.v;
    let kind: string = v === null ? "null" : typeof v;
    let value: unknown = v;
    if (kind === "number" && !Number.isFinite(v as number)) value = (v as number) > 0 ? "inf" : "-inf";
    if (kind === "object") kind = "string";
    assert.deepEqual([kind, value], expected[i], `scalar ${JSON.stringify(s)}`);
  });
});

test("YAML 1.1 values: booleans, octals, sexagesimals and timestamps as Airflow sees them", () => {
  const doc = parseManifest(
    "a: yes\nb: off\nc: 012\nd: 09\ne: 12:30\nf: 2026-03-15\ng: y\nh: 0o17\ni: 1e3\n",
    "m.yaml",
  ).doc;
  assert.deepEqual(doc, {
    a: true,
    b: false,
    c: 10,
    d: "09",
    e: 750,
    f: "2026-03-15",
    g: "y",
    h: "0o17",
    i: "1e3",
  });
});

test("merge keys are allowed and merged", () => {
  const doc = parseManifest("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "m.yaml").doc;
  assert.deepEqual(doc.use, { x: 1, y: 3 });
});

const REFUSED: Array<{ name: string; text: string; where: RegExp; message: RegExp }> = [
  {
    name: "duplicate key",
    text: "a: 1\nb:\n  c: 1\n  c: 2\n",
    where: /^app\.yaml:4:3$/,
    message: /"c".*duplicate key/,
  },
  {
    name: "second document",
    text: "a: 1\n---\nb: 2\n",
    where: /^app\.yaml:2:1$/,
    message: /more than one YAML document/,
  },
  {
    name: "trailing empty document",
    text: "a: 1\n---\n",
    where: /^app\.yaml:2:1$/,
    message: /more than one YAML document/,
  },
  {
    name: "a sequence",
    text: "- a\n- b\n",
    where: /^app\.yaml:1:1$/,
    message: /must be a mapping, found a sequence/,
  },
  {
    name: "a scalar",
    text: "hello\n",
    where: /^app\.yaml:1:1$/,
    message: /must be a mapping, found the string "hello"/,
  },
  {
    name: "an empty document",
    text: "# only a comment\n",
    where: /^app\.yaml$/,
    message: /must be a mapping, found nothing/,
  },
  {
    name: "an alias bomb",
    text: "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    where: /^app\.yaml$/,
    message: /alias bomb/,
  },
  {
    name: "a !!binary tag",
    text: "a: 1\nb: !!binary AAAA\n",
    where: /^app\.yaml:2:4$/,
    message: /Unresolved tag/,
  },
  {
    name: "a local tag",
    text: "a: !custom x\n",
    where: /^app\.yaml:1:4$/,
    message: /Unresolved tag: !custom/,
  },
  {
    name: "a boolean key",
    text: "spec:\n  on: x\n",
    where: /^app\.yaml:2:3 spec$/,
    message: /key "on" is read by YAML 1.1 as a boolean/,
  },
  {
    name: "an integer key",
    text: "labels:\n  1: x\n",
    where: /^app\.yaml:2:3 labels$/,
    message: /key "1" .* an integer/,
  },
  {
    name: "an impossible date",
    text: "a: 2026-02-30\n",
    where: /^app\.yaml:1:4$/,
    message: /not a calendar date/,
  },
  { name: "a lone =", text: "a: =\n", where: /^app\.yaml:1:4$/, message: /value key/ },
  { name: "broken syntax", text: "a: [1, 2\nb: 3\n", where: /^app\.yaml:\d+:\d+$/, message: /./ },
  {
    name: "a control character",
    text: "a: x\u0001\n",
    where: /^app\.yaml:1:5$/,
    message: /unacceptable character U\+0001/,
  },
  { name: "DEL", text: "a: 1\nb: x\u007f\n", where: /^app\.yaml:2:5$/, message: /U\+007F/ },
  { name: "a lone surrogate", text: "a: x\ud800\n", where: /^app\.yaml:1:5$/, message: /U\+D800/ },
  {
    name: "U+2028 (a YAML 1.1 line break)",
    text: "a: x\u2028b: c\n",
    where: /^app\.yaml:1:5$/,
    message: /U\+2028 is a line break for YAML 1\.1/,
  },
  {
    name: "NEL (a YAML 1.1 line break)",
    text: 'a: "x\u0085y"\n',
    where: /^app\.yaml:1:6$/,
    message: /U\+0085/,
  },
  {
    name: "U+2029 (a YAML 1.1 line break)",
    text: "a: x\u2029\n",
    where: /^app\.yaml:1:5$/,
    message: /U\+2029/,
  },
  { name: "an undefined alias", text: "a: *nope\n", where: /^app\.yaml/, message: /nope/ },
  {
    // Found by the random differential test of the parse reuse: the document used to contain itself.
    name: "an alias inside its own anchor",
    text: "metadata: &m\n  name: x\n  labels: *m\n",
    where: /^app\.yaml:3:3 metadata\.labels$/,
    message: /would contain itself/,
  },
];

for (const c of REFUSED) {
  test(`refuses ${c.name}, naming file:line:col`, () => {
    const issues = yamlIssues(c.text);
    assert.ok(issues.length >= 1);
    assert.match(issues[0]!.where, c.where);
    assert.match(issues[0]!.message, c.message);
    assert.equal(issues[0]!.step, "yaml");
  });
}

test("every problem is reported, not only the first", () => {
  const issues = yamlIssues("a: 1\na: 2\nb: 1\nb: 2\n");
  assert.deepEqual(
    issues.map((i) => i.where),
    ["app.yaml:2:1", "app.yaml:4:1"],
  );
});

test("lineOf finds keys and sequence items, and falls back to the nearest ancestor", () => {
  const p = parseManifest("spec:\n  driver:\n    cores: 1\n  arguments:\n    - a\n    - b\n", "m.yaml");
  assert.deepEqual(p.lineOf(["spec", "driver", "cores"]), { line: 3, col: 5 });
  assert.deepEqual(p.lineOf(["spec", "arguments", 1]), { line: 6, col: 7 });
  assert.deepEqual(p.lineOf(["spec", "arguments", "1"]), { line: 6, col: 7 });
  assert.deepEqual(p.lineOf(["spec", "driver", "missing"]), { line: 2, col: 3 });
  assert.equal(p.at(["spec", "driver"]), "m.yaml:2:3");
});

test("scalar spans cover keys and values, quotes included, and block scalar content after the header", () => {
  const text = 'a: "x y"\nb: |\n  line\nc: plain\n';
  const p = parseManifest(text, "m.yaml");
  const byText = p.scalars.map((s) => text.slice(s.contentStart, s.end));
  assert.deepEqual(byText, ["a", '"x y"', "b", "  line\n", "c", "plain"]);
});

// Whole documents: PyYAML and parseManifest must agree on the value, or both refuse (a non-mapping root counts
// as refused). Covers flow style, escapes, block scalars, explicit tags, merge keys and PyYAML's tab rules.
const DOCS = [
  "a: {b, c: 1}\n",
  "a: b#c\n",
  "a: b #c\n",
  "a:b\n",
  "a: - x\n",
  "a:\n- x\n- y\n",
  "a:\n  - - x\n    - y\n",
  'a: "\\x41\\u00e9\\t"\n',
  "a: 'it''s'\n",
  'a: "multi\n  line"\n',
  "a: >-\n  folded\n  text\n\n  para\n",
  "a: |+\n  keep\n\n",
  "a: |2\n    indented\n",
  "a: plain\n  continued\n",
  "%YAML 1.1\n---\na: 1\n",
  "--- \na: 1\n...\n",
  "a: !!str 012\n",
  'a: !!int "12"\n',
  "a: !!float 1\n",
  "a: !!bool yes\n",
  "a: !!null ''\n",
  "a: !!timestamp 2026-03-15\n",
  "a: !!int abc\n",
  "a: [a, b, ]\n",
  "a: {x: 1,}\n",
  "? a\n: 1\n",
  "a:\n  b:\n   c: 1\n",
  "a: 'x\n\n  y'\n",
  "a: &x 1\nb: *x\n",
  "a: 1\n  b: 2\n",
  "a: [1\n  , 2]\n",
  'a: "\\/"\n',
  'a: "\\N\\_\\L\\P"\n',
  "a: 0b_1\n",
  "a: 1__0\n",
  "a: ._5\n",
  "key with spaces: v\n",
  '"quoted key": v\n',
  "a: -\n",
  "a: --\n",
  "a: ---x\n",
  "a: x:\n",
  "a: :x\n",
  "a: '#'\n",
  "a: [b: c]\n",
  "a: {b: [c, d]}\n",
  "a:\n  - b: 1\n    c: 2\n",
  "a: null\nb: ~\nc:\n",
  "a:\n  b: 1\n c: 2\n",
  'a: "x" y\n',
  "a: 'x'y\n",
  "a: @x\n",
  "a: `x\n",
  "a: %x\n",
  "a: x\n---\n",
  "- a\n",
  "a: &anc\n  b: 1\nc: *anc\n",
  "a: !!python/name:os.system ''\n",
  "<<: {a: 1}\nb: 2\n",
  "a: 1\n<<: {a: 2}\n",
  "a:\n  <<: [{x: 1}, {x: 2, y: 3}]\n",
  'a: "tab\there"\n',
  "a:\tb\n",
  "a: x\ty\n",
  "a: x #\tc\n",
  "a:\n\t- x\n",
  "a: [x,\ty]\n",
  "a: |\n  x\ty\n",
  "\t# c\na: 1\n",
  "a: 1\t# c\n",
  "# c\t\na: 1\n",
];

test(
  "documents parse as PyYAML parses them, or are refused where PyYAML refuses them",
  { skip: noPyYaml },
  () => {
    const script = `
import json, sys, yaml
out = []
for s in json.load(sys.stdin):
    try:
        v = yaml.safe_load(s)
        out.append(["ok", json.loads(json.dumps(v, default=lambda o: o.isoformat()))] if isinstance(v, dict) else ["refused"])
    except Exception:
        out.append(["refused"])
print(json.dumps(out))
`;
    const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(DOCS), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout) as unknown[];
    DOCS.forEach((d, i) => {
      let ours: unknown;
      try {
        ours = ["ok", JSON.parse(JSON.stringify(parseManifest(d, "d.yaml").doc))];
      } catch (err) {
        assert.ok(err instanceof ValidationError, String(err));
        ours = ["refused"];
      }
      assert.deepEqual(ours, expected[i], JSON.stringify(d));
    });
  },
);
