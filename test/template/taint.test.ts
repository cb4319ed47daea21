// Payload taint at the character level: which output ranges the engine reports as coming from the payload,
// through every filter and str/dict/list method, macros that mix constants with payload text, and the
// structure check that holds only those ranges to stay inside one YAML node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Environment, parseJsonPy } from "../../src/template/index.js";
import { BUILTINS } from "../../src/template/builtins.js";
import { STR_METHODS } from "../../src/template/str-methods.js";
import { DICT_METHODS } from "../../src/template/dict-methods.js";
import { LIST_METHODS } from "../../src/template/list-methods.js";
import { checkManifest, parseManifest } from "../../src/manifest/index.js";
import { ValidationError } from "../../src/errors.js";

const env = new Environment({ searchPath: [] });
const payload = () =>
  parseJsonPy(
    JSON.stringify({
      s: "Ab c",
      s2: "12",
      long: "one two three four",
      l: ["b", "a"],
      nums: [1, 2],
      m: { k: "v" },
      n: 3.5,
      none: null,
      rows: [{ name: "x", v: "1" }],
      sep: "; ",
    }),
    "conf.json",
  );

function render(src: string, conf: unknown = payload()) {
  return env.fromString(src, "t.yaml").renderWithSpans({ conf }, { payload: ["conf"] });
}

/** The output's text split into its tainted, closed and author-written characters: `[T]`, `{C}`, plain. */
function marked(src: string, conf?: unknown): string {
  const r = render(src, conf);
  const kinds = Array.from<string>({ length: r.text.length }).fill("a");
  for (const [a, b] of r.tainted) for (let i = a; i < b; i++) kinds[i] = "t";
  for (const [a, b] of r.closed) for (let i = a; i < b; i++) kinds[i] = "c";
  let out = "";
  let cur = "a";
  for (let i = 0; i < r.text.length; i++) {
    if (kinds[i] !== cur) {
      out += cur === "t" ? "]" : cur === "c" ? "}" : "";
      out += kinds[i] === "t" ? "[" : kinds[i] === "c" ? "{" : "";
      cur = kinds[i]!;
    }
    out += r.text[i];
  }
  return out + (cur === "t" ? "]" : cur === "c" ? "}" : "");
}

type Want = "tainted" | "untainted" | "closed";
function expectTaint(expr: string, want: Want) {
  const r = render(`{{ ${expr} }}`);
  assert.ok(r.text.length > 0, `${expr} printed nothing`);
  const whole = [[0, r.text.length]];
  if (want === "tainted") assert.deepEqual(r.tainted, whole, `${expr} -> ${r.text}`);
  else assert.deepEqual(r.tainted, [], `${expr} -> ${r.text} should be untainted`);
  assert.deepEqual(r.closed, want === "closed" ? whole : [], `${expr} closed`);
}

// One row per filter: the payload goes in as the value or as an argument. A printed number, boolean or None
// is not reported (it cannot form YAML structure); text made from one is.
const FILTER_ROWS: Record<string, Array<[string, Want]>> = {
  default: [["conf.s | default('x')", "tainted"]],
  d: [["conf.s | d('x')", "tainted"]],
  replace: [
    ["conf.s | replace('A', 'B')", "tainted"],
    ["'ab' | replace('a', conf.s)", "tainted"],
  ],
  lower: [["conf.s | lower", "tainted"]],
  upper: [["conf.s | upper", "tainted"]],
  capitalize: [["conf.s | capitalize", "tainted"]],
  title: [["conf.s | title", "tainted"]],
  int: [["conf.s2 | int", "untainted"]],
  float: [["conf.s2 | float", "untainted"]],
  string: [["conf.s | string", "tainted"]],
  tojson: [
    ["conf.m | tojson", "closed"],
    ["conf.s | tojson", "closed"],
    ["{'a': 1} | tojson", "untainted"],
  ],
  dictsort: [["conf.m | dictsort", "tainted"]],
  sort: [["conf.l | sort", "tainted"]],
  join: [
    ["conf.l | join(',')", "tainted"],
    ["['a', 'b'] | join(conf.sep)", "tainted"],
  ],
  length: [["conf.l | length", "untainted"]],
  count: [["conf.l | count", "untainted"]],
  trim: [["conf.s | trim", "tainted"]],
  indent: [
    ["conf.s | indent(2)", "tainted"],
    ["'a\\nb' | indent(conf.s)", "tainted"],
  ],
  first: [["conf.l | first", "tainted"]],
  last: [["conf.l | last", "tainted"]],
  list: [["conf.s | list", "tainted"]],
  map: [["conf.l | map('upper') | join", "tainted"]],
  select: [["conf.l | select | join", "tainted"]],
  reject: [["conf.l | reject('none') | join", "tainted"]],
  selectattr: [["conf.rows | selectattr('name') | map(attribute='v') | join", "tainted"]],
  rejectattr: [["conf.rows | rejectattr('name', 'none') | map(attribute='v') | join", "tainted"]],
  unique: [["conf.l | unique | join", "tainted"]],
  groupby: [["conf.rows | groupby('name') | map(attribute='grouper') | join", "tainted"]],
  urlencode: [["conf.s | urlencode", "tainted"]],
  filesizeformat: [["conf.n | filesizeformat", "tainted"]],
  min: [["conf.l | min", "tainted"]],
  max: [["conf.l | max", "tainted"]],
  sum: [["conf.nums | sum", "untainted"]],
  abs: [["conf.n | abs", "untainted"]],
  round: [["conf.n | round", "untainted"]],
  batch: [["conf.l | batch(1) | list", "tainted"]],
  slice: [["conf.l | slice(2) | list", "tainted"]],
  truncate: [["conf.long | truncate(9)", "tainted"]],
  wordcount: [["conf.long | wordcount", "untainted"]],
  center: [["conf.s | center(9)", "tainted"]],
  format: [
    ["'%s!' | format(conf.s)", "tainted"],
    ["conf.s | format", "tainted"],
  ],
  safe: [["conf.s | safe", "tainted"]],
  escape: [["conf.s | escape", "tainted"]],
  e: [["conf.s | e", "tainted"]],
  forceescape: [["conf.s | forceescape", "tainted"]],
  items: [["conf.m | items | list", "tainted"]],
  reverse: [["conf.s | reverse", "tainted"]],
  attr: [["namespace(v=conf.s) | attr('v')", "tainted"]],
  // Airflow's date filters take datetimes, which the payload cannot hold; None passes through.
  ds: [["conf.none | ds", "untainted"]],
  ds_nodash: [["conf.none | ds_nodash", "untainted"]],
  ts: [["conf.none | ts", "untainted"]],
  ts_nodash: [["conf.none | ts_nodash", "untainted"]],
  ts_nodash_with_tz: [["conf.none | ts_nodash_with_tz", "untainted"]],
};

test("every filter has a taint row", () => {
  assert.deepEqual([...BUILTINS.filters.keys()].sort(), Object.keys(FILTER_ROWS).sort());
});

for (const [name, rows] of Object.entries(FILTER_ROWS)) {
  test(`taint through the ${name} filter`, () => {
    for (const [expr, want] of rows) expectTaint(expr, want);
  });
}

const STR_ROWS: Record<string, string> = {
  lower: "lower()",
  upper: "upper()",
  casefold: "casefold()",
  swapcase: "swapcase()",
  title: "title()",
  capitalize: "capitalize()",
  strip: "strip()",
  lstrip: "lstrip()",
  rstrip: "rstrip()",
  replace: "replace('A', 'B')",
  split: "split()",
  rsplit: "rsplit()",
  splitlines: "splitlines()",
  startswith: "startswith('A')",
  endswith: "endswith('c')",
  count: "count('b')",
  find: "find('b')",
  rfind: "rfind('b')",
  index: "index('b')",
  rindex: "rindex('b')",
  join: "join(['x', 'y'])",
  isdigit: "isdigit()",
  isdecimal: "isdecimal()",
  isnumeric: "isnumeric()",
  isalpha: "isalpha()",
  isalnum: "isalnum()",
  isspace: "isspace()",
  islower: "islower()",
  isupper: "isupper()",
  istitle: "istitle()",
  zfill: "zfill(8)",
  ljust: "ljust(8)",
  rjust: "rjust(8)",
  center: "center(8)",
  partition: "partition(' ')",
  rpartition: "rpartition(' ')",
  removeprefix: "removeprefix('A')",
  removesuffix: "removesuffix('c')",
};
// Methods that answer with a number or a boolean: never tainted.
const COUNTING = /^(startswith|endswith|count|find|rfind|index|rindex|is\w+)$/;

test("every str method has a taint row, and format too", () => {
  assert.deepEqual([...STR_METHODS.keys()].sort(), Object.keys(STR_ROWS).sort());
  expectTaint("'<{}>'.format(conf.s)", "tainted");
  expectTaint("'<{0}>'.format(x=1, *conf.l)", "tainted");
});

for (const [name, call] of Object.entries(STR_ROWS)) {
  test(`taint through str.${name}`, () => {
    expectTaint(`conf.s.${call}`, COUNTING.test(name) ? "untainted" : "tainted");
    if (name === "join" || name === "replace")
      expectTaint(`', '.${name}(conf.l${name === "replace" ? "[0], 'z'" : ""})`, "tainted");
  });
}

const DICT_ROWS: Record<string, string> = {
  get: "{{ conf.m.get('k') }}",
  items: "{{ conf.m.items() }}",
  keys: "{{ conf.m.keys() }}",
  values: "{{ conf.m.values() }}",
  copy: "{{ conf.m.copy() }}",
  update: "{% set d = {} %}{% do d.update(conf.m) %}{{ d }}",
  pop: "{{ conf.m.copy().pop('k') }}",
  setdefault: "{% set d = {} %}{{ d.setdefault('a', conf.s) }}{{ d }}",
  clear: "{% set d = conf.m.copy() %}{% do d.clear() %}{{ d }}",
};
const LIST_ROWS: Record<string, string> = {
  index: "{{ ['x', conf.s].index(conf.s) }}",
  count: "{{ conf.l.count('a') }}",
  append: "{% set l = [] %}{% do l.append(conf.s) %}{{ l }}",
  extend: "{% set l = [] %}{% do l.extend(conf.l) %}{{ l }}",
  insert: "{% set l = ['x'] %}{% do l.insert(0, conf.s) %}{{ l }}",
  pop: "{{ conf.l.copy().pop() }}",
  remove: "{% set l = conf.l.copy() %}{% do l.remove('a') %}{{ l }}",
  copy: "{{ conf.l.copy() }}",
  reverse: "{% set l = conf.l.copy() %}{% do l.reverse() %}{{ l }}",
  sort: "{% set l = conf.l.copy() %}{% do l.sort() %}{{ l }}",
  clear: "{% set l = conf.l.copy() %}{% do l.clear() %}{{ l }}",
};

test("every dict and list method has a taint row", () => {
  assert.deepEqual([...DICT_METHODS.keys()].sort(), Object.keys(DICT_ROWS).sort());
  assert.deepEqual([...LIST_METHODS.keys()].sort(), Object.keys(LIST_ROWS).sort());
});

for (const [kind, rows] of [
  ["dict", DICT_ROWS],
  ["list", LIST_ROWS],
] as const) {
  for (const [name, src] of Object.entries(rows)) {
    test(`taint through ${kind}.${name}`, () => {
      const r = render(src);
      const counting = /\.(index|count)\(/.test(src);
      if (counting) assert.deepEqual(r.tainted, [], r.text);
      else {
        assert.ok(r.tainted.length > 0, `${src} -> ${r.text}`);
        for (const [a, b] of r.spans)
          assert.ok(
            r.tainted.some(([x, y]) => x === a && y === b),
            src,
          );
      }
    });
  }
}

test("a bound method given payload data taints its object", () => {
  assert.equal(marked("{% set l = [] %}{% set add = l.append %}{% do add(conf.s) %}{{ l }}"), "[['Ab c']]");
});

test("formatting, concatenation and arithmetic carry the taint; constants and numbers do not", () => {
  assert.equal(
    marked("{{ 'p-' ~ conf.s }}|{{ '%s/%d' % (conf.s, 2) }}|{{ conf.s + '!' }}|{{ conf.s * 2 }}"),
    "[p-Ab c]|[Ab c/2]|[Ab c!]|[Ab cAb c]",
  );
  assert.equal(
    marked("{{ 'const' }}|{{ ' ' * 3 }}x|{{ conf.n * 2 }}|{{ conf.l | length }}|{{ conf.s == 'x' }}"),
    "const|   x|7.0|2|False",
  );
  assert.equal(
    marked("{{ conf.get('zz', 'dflt') }}|{{ conf.get('s', 'dflt') }}|{{ conf['s'][1:] }}"),
    "dflt|[Ab c]|[b c]",
  );
});

test("an inline if's value is its branch's: the test only chooses", () => {
  assert.equal(marked("{% for x in conf.l %}{{ x }}{{ ', ' if not loop.last }}{% endfor %}"), "[b], [a]");
  assert.equal(marked("{{ conf.s if conf.n else 'x' }}|{{ 'y' if conf.n else conf.s }}"), "[Ab c]|y");
});

test("loops: counters and flags are the template's, items and their neighbours the payload's", () => {
  assert.equal(
    marked(
      "{% for p in conf.l %}# preference {{ loop.index }} of {{ loop.length }}: {{ p }} {{ loop.previtem | default('-') }}\n{% endfor %}",
    ),
    "# preference 1 of 2: [b] [-]\n# preference 2 of 2: [a] [b]\n",
  );
  assert.equal(
    marked("{% for k, v in conf.m.items() %}{{ k }}={{ v }} {{ loop.cycle('odd', 'even') }}{% endfor %}"),
    "[k]=[v] odd",
  );
});

test("variables, namespaces, set blocks and filter blocks keep the taint", () => {
  assert.equal(marked("{% set a = conf.s %}{% set b = 'c' %}{{ a }}{{ b }}"), "[Ab c]c");
  assert.equal(marked("{% set ns = namespace(v='') %}{% set ns.v = conf.s %}{{ ns.v }}"), "[Ab c]");
  assert.equal(
    marked("{% set blk %}x{{ conf.s }}{% endset %}{{ blk }}|{% set c %}const{% endset %}{{ c }}"),
    "[xAb c]|const",
  );
  assert.equal(
    marked("{% filter upper %}{{ conf.s }}{% endfilter %}|{% filter upper %}c{% endfilter %}"),
    "[AB C]|C",
  );
  assert.equal(marked("{% with v = conf.s, w = 'k' %}{{ v }}{{ w }}{% endwith %}"), "[Ab c]k");
});

test("a macro mixing constants and payload text: only the payload's characters are tainted", () => {
  const src =
    "{% macro label(key, value, indent) %}{{ ' ' * indent }}{{ key }}: \"{{ value }}\"\n{% endmacro %}" +
    "labels:\n{{ label('team', conf.s, 2) }}{{ label(conf.l[0], 'fixed', 4) }}";
  assert.equal(marked(src), 'labels:\n  team: "[Ab c]"\n    [b]: "fixed"\n');
  // Used as a value, the macro's output is one string: tainted when anything in it was.
  assert.equal(
    marked(
      "{{ label('k', conf.s, 1) | trim }}|{{ label('k', 'v', 1) | trim }}".replace(
        /^/,
        src.split("labels:")[0]!,
      ),
    ),
    '[k: "Ab c"]|k: "v"',
  );
  // A payload value that names the indentation taints it.
  assert.equal(marked("{% macro ind(n) %}{{ ' ' * n }}x{% endmacro %}{{ ind(conf.nums[1]) }}"), "[  ]x");
  assert.equal(marked("{% macro ind(s) %}{{ s * 2 }}x{% endmacro %}{{ ind(conf.sep) }}"), "[; ; ]x");
});

test("includes and imports: a module's exported payload value stays tainted", () => {
  assert.equal(marked("{% set x = conf.s %}{% macro m() %}{{ x }}{% endmacro %}{{ m() }}"), "[Ab c]");
});

test("tojson makes a closed value; anything done to it after opens it again", () => {
  assert.equal(
    marked("{{ conf.m | tojson }} {{ conf.m | tojson | upper }} {{ 'x' ~ conf.m | tojson }}"),
    '{{"k": "v"}} [{"K": "V"}] [x{"k": "v"}]',
  );
  assert.equal(marked("{% set j = conf.l | tojson %}{{ j }}"), '{["b", "a"]}');
});

test("renders without a payload report no taint", () => {
  const r = env.fromString("{{ conf.s }}", "t").renderWithSpans({ conf: payload() });
  assert.deepEqual(r.tainted, []);
  assert.equal(r.spans.length, 1);
});

// ---- the structure check on tainted ranges ----

/** Structure issues by path; a text that is not YAML at all is refused by the parse, reported as "(yaml)". */
function structureIssues(src: string, conf: unknown = payload()): string[] {
  const r = render(src, conf);
  let parsed;
  try {
    parsed = parseManifest(r.text, "t.yaml");
  } catch (e) {
    if (e instanceof ValidationError) return ["(yaml)"];
    throw e;
  }
  const { issues } = checkManifest(parsed, { spans: r.spans, tainted: r.tainted, closed: r.closed });
  return issues.filter((i) => i.step === "structure").map((i) => i.path);
}

const hostile = (v: string) => parseJsonPy(JSON.stringify({ v, l: ["a", v], m: { k: v } }), "conf.json");

test("author structure passes: indentation from a macro, counters in comments, separators in flow sequences", () => {
  const src = [
    "{% macro labels(d, indent) %}{% for k, v in d.items() %}{{ ' ' * indent }}{{ k }}: \"{{ v }}\"",
    "{% endfor %}{% endmacro %}metadata:",
    "  labels:",
    "{{ labels(conf.m, 4) }}spec:",
    "{% for p in conf.l %}  # preference {{ loop.index }} of {{ loop.length }}",
    "{% endfor %}  args: [{% for a in conf.l %}\"{{ a }}\"{{ ', ' if not loop.last }}{% endfor %}]",
    "  selector: {{ conf.m | tojson }}",
    "  list: {{ conf.l | tojson }}",
    "  name: {{ conf.v | tojson }}",
  ].join("\n");
  assert.deepEqual(structureIssues(src, hostile("plain")), []);
});

// Each kind of slot, and a value that tries to leave it.
const SLOTS: Array<[string, string, string]> = [
  ["plain value", "a:\n  b: {{ conf.v }}\n  c: 1\n", "x\n  hostNetwork: true"],
  ["plain value, key indicator", "a:\n  b: {{ conf.v }}\n", "x: y"],
  ["plain value, comment", "a:\n  b: x{{ conf.v }}\n", " # c"],
  ["double-quoted value", 'a:\n  b: "{{ conf.v }}"\n', 'x"\n  c: "y'],
  ["single-quoted value", "a:\n  b: '{{ conf.v }}'\n", "x'\n  c: 'y"],
  ["key", "a:\n  {{ conf.v }}: 1\n", "k: 2\n  z"],
  ["comment", "a: 1\n# {{ conf.v }}\n", "x\nb: 2"],
  ["flow sequence item", "a: [{{ conf.v }}]\n", "x, y"],
  ["flow sequence, bracket", "a: [{{ conf.v }}, z]\n", "x], b: [y"],
  ["flow mapping value", "a: {b: {{ conf.v }}}\n", "x, c: y"],
  ["block scalar", "a: |\n  {{ conf.v }}\nb: 1\n", "x\nc: 2"],
  ["indentation", "a:\n{{ conf.v }}b: 1\n", "  "],
  ["tojson glued to text", "a:\n  b: x{{ conf.m | tojson }}\n", "v"],
  ["tojson inside a quoted value", 'a:\n  b: "{{ conf.m | tojson }}"\n', "v"],
];

for (const [name, src, value] of SLOTS) {
  test(`a payload value cannot leave its slot: ${name}`, () => {
    const issues = structureIssues(src, hostile(value));
    assert.ok(issues.length > 0, `${JSON.stringify(value)} in ${name} was not refused`);
  });
}

test("the same text written by the author is not checked", () => {
  for (const [name, src, value] of SLOTS) {
    if (name.startsWith("tojson")) continue;
    // the hostile text as a constant in the template: the author may write any structure
    const literal = `'${value.replace(/\n/g, "\\n").replace(/'/g, "\\'")}'`;
    const authored = src.replace(/conf\.v/g, literal);
    const r = render(authored, hostile(value));
    assert.equal(r.text, render(src, hostile(value)).text, name);
    assert.deepEqual(r.tainted, [], name);
    const issues = structureIssues(authored, hostile(value));
    assert.ok(issues.length === 0 || issues[0] === "(yaml)", `${name}: ${issues.join()}`);
  }
});

test("every tainted range is one of the expression spans (what the parse reuse proves covers it)", () => {
  for (const src of [
    "{{ conf.s }} {{ 'x' }} {% for x in conf.l %}{{ x }}{% endfor %}",
    "{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(conf.s) }}{{ m(conf.s) | upper }}{{ conf.m | tojson }}",
    "{% filter upper %}{{ conf.s }}{% endfilter %}{% set b %}{{ conf.s }}{% endset %}{{ b }}",
  ]) {
    const r = render(src);
    assert.ok(r.tainted.length + r.closed.length > 0, src);
    for (const [a, b] of [...r.tainted, ...r.closed]) {
      assert.ok(
        r.spans.some(([x, y]) => x === a && y === b),
        `${src}: [${a}, ${b}] is not a span`,
      );
    }
  }
});

test("a payload number is not reported when printed, but text built from it is", () => {
  assert.equal(
    marked("{{ conf.nums[1] }} {{ conf.l | length }} {{ '-' * conf.nums[1] }} {{ conf.n ~ '' }}"),
    "2 2 [--] [3.5]",
  );
  assert.equal(
    marked(
      "{% for p in conf.l %}{{ ' ' * loop.index }}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}",
    ),
    "[ ]1/2,[  ]2/2",
  );
});
