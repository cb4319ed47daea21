// Unit tests of the template engine: Python value semantics, every error kind with its file:line:col
// message, include confinement, spans and the Airflow context. Byte-identity with jinja2 itself is
// proven by differential.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../src/errors.js";
import { Environment, TemplateError, airflowContext, parseJsonPy } from "../../src/template/index.js";

const env = new Environment({ searchPath: [] });
const render = (src: string, ctx: Record<string, unknown> = {}) => env.fromString(src, "t.yaml").render(ctx);

function withDir(files: Record<string, string>, fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-tmpl-"));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const conf = { etl_module: "visits_distinct", executor_instances: 8, labels: { b: "1", "10": "x", a: "2" } };
const af = (c: Record<string, unknown> = conf) =>
  airflowContext({
    conf: c,
    dagId: "generic_spark_etl",
    taskId: "submit",
    ds: "2026-03-15",
    runId: "manual__1",
    ts: "2026-03-15T04:05:06+00:00",
    varValues: { registry: "reg.example", bucket: "b" },
    params: { env: "dev" },
  });

const semantics: Array<[string, Record<string, unknown>, string]> = [
  ["{{ 7 / 2 }} {{ 6 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 3 }}", {}, "3.5 3.0 3 -4 2 8"],
  ["{{ 'ab' * 2 }}{{ [1] + [2] }}{{ 1 ~ none ~ true }}", {}, "abab[1, 2]1NoneTrue"],
  ["{{ 0 or 'x' }} {{ 1 and [] }} {{ not {} }}", {}, "x [] True"],
  ["{{ d }}", { d: { b: 1, "2": [1, "x", null, 2.5] } }, "{'2': [1, 'x', None, 2.5], 'b': 1}"],
  ["{{ 1e-5 }} {{ 1e16 }} {{ 2.0 }} {{ 1/3 }}", {}, "1e-05 1e+16 2.0 0.3333333333333333"],
  ["{{ {'a': {}}.get('a', {}).get('b', 'd') }} {{ {}.get('x') }}", {}, "d None"],
  ["{% for k, v in {'z': 1, 'a': 2}.items() %}{{ k }}{{ v }}{% endfor %}", {}, "z1a2"],
  [
    "{{ [3, 1, 2]|sort|join(',') }} {{ 'a_b'|replace('_', '-') }} {{ {'b': 1, 'a': 2}|dictsort }}",
    {},
    "1,2,3 a-b [('a', 2), ('b', 1)]",
  ],
  ["{{ x|default('d') }} {{ false|default('d', true) }} {{ none|default('d') }}", {}, "d d None"],
  ["{{ {'b': '<&>', 'a': \"'\"}|tojson }}", {}, '{"a": "\\u0027", "b": "\\u003c\\u0026\\u003e"}'],
  ["{{ 'a\nb'|indent(2, true) }}", {}, "  a\n  b"],
  ["{% for x in [1, 2, 3] if x > 1 %}{{ loop.index }}/{{ loop.length }}{% endfor %}", {}, "1/22/2"],
  [
    "{% set ns = namespace(n=0) %}{% for x in [1, 2] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}",
    {},
    "3",
  ],
  [
    "{% macro m(a, b='B') %}{{ a }}{{ b }}{{ caller() }}{% endmacro %}{% call m(1) %}C{% endcall %}",
    {},
    "1BC",
  ],
  ["a\n{%- if true %} b {% endif -%}\n c\n", {}, "a b c"],
  ["{% raw %}{{ x }}{% endraw %}", {}, "{{ x }}"],
  ["{{ '%05.1f|%s' % (3.14159, none) }} {{ '{:>4}'.format('x') }}", {}, "003.1|None    x"],
  [
    "{{ 1 < 2 < 3 }} {{ 'a' in 'cat' }} {{ 2 is divisibleby 2 }} {{ x is defined }}",
    {},
    "True True True False",
  ],
];

test("Python value semantics", async (t) => {
  for (const [src, ctx, want] of semantics) {
    await t.test(src, () => assert.equal(render(src, ctx), want));
  }
});

const errors: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["a\n  {{ nope }}", {}, "UndefinedError", /^t\.yaml:2:6: 'nope' is undefined$/],
  ["{{ d.missing }}", { d: { present: 1 } }, "UndefinedError", /^t\.yaml:1:4: 'd' has no key 'missing'$/],
  ["{% for x in nope %}{% endfor %}", {}, "UndefinedError", /^t\.yaml:1:13: 'nope' is undefined$/],
  ["{% if nope %}{% endif %}", {}, "UndefinedError", /'nope' is undefined/],
  ["{{ nope == 1 }}", {}, "UndefinedError", /'nope' is undefined/],
  ["{{ nope|upper }}", {}, "UndefinedError", /'nope' is undefined/],
  [
    "{{ 1 + }}",
    {},
    "TemplateSyntaxError",
    /^t\.yaml:1:8: unexpected 'end of print statement', expected an expression$/,
  ],
  ["{% if x %}\nopen", {}, "TemplateSyntaxError", /^t\.yaml:2:5: Unexpected end of template.*'endif'/],
  ["{{ a b }}", {}, "TemplateSyntaxError", /^t\.yaml:1:6: expected token 'end of print statement', got 'b'$/],
  ["{{ (1 }}", {}, "TemplateSyntaxError", /unexpected '}', expected '\)'/],
  ["{# open", {}, "TemplateSyntaxError", /Missing end of comment tag/],
  ["{% frob %}", {}, "TemplateSyntaxError", /^t\.yaml:1:4: Encountered unknown tag 'frob'\.$/],
  ["{% endfor %}", {}, "TemplateSyntaxError", /unknown tag 'endfor'\. It has no opening 'for' tag/],
  ["{% autoescape true %}{% endautoescape %}", {}, "TemplateSyntaxError", /does not support this tag/],
  ["{% extends 'nope.yaml' %}", {}, "TemplateNotFound", /^t\.yaml:1:12: template 'nope.yaml' not found/],
  ["{% block b required %}{% endblock %}", {}, "TemplateRuntimeError", /Required block 'b' not found/],
  ["{{ x|nofilter }}", {}, "TemplateAssertionError", /^t\.yaml:1:6: No filter named 'nofilter'\.$/],
  ["{{ x is notatest }}", {}, "TemplateAssertionError", /No test named 'notatest'/],
  ["{{ ''.__class__ }}", {}, "SecurityError", /access to attribute '__class__' of 'str' object is unsafe/],
  [
    "\n{{ 1 + 'a' }}",
    {},
    "TypeError",
    /^t\.yaml:2:4: TypeError: unsupported operand type\(s\) for \+: 'int' and 'str' \(in '1 \+ 'a''\)$/,
  ],
  ["{{ 1 // 0 }}", {}, "ZeroDivisionError", /integer division or modulo by zero/],
  ["{{ 'x'() }}", {}, "TypeError", /'str' object is not callable/],
  ["{% for a, b in [1] %}{% endfor %}", {}, "TypeError", /'int' object is not iterable/],
  ["{% for a, b in [[1]] %}{% endfor %}", {}, "ValueError", /not enough values to unpack/],
  ["{{ range(1000000) }}", {}, "OverflowError", /MAX_RANGE/],
  [
    "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}",
    {},
    "TypeError",
    /macro 'm' takes not more than 1 argument/,
  ],
  [
    "{% include 'nope.yaml' %}",
    {},
    "TemplateNotFound",
    /^t\.yaml:1:12: template 'nope.yaml' not found in search path/,
  ],
  ["{% set x.y = 1 %}", { x: 1 }, "TemplateRuntimeError", /non-namespace object/],
  ["{{ 1|round(method='x') }}", {}, "FilterArgumentError", /method must be common, ceil or floor/],
  ["{{ [1]|dictsort }}", {}, "AttributeError", /'list' object has no attribute 'items'/],
  ["{{ [].pop() }}", {}, "IndexError", /pop from empty list/],
  ["{{ 'abcdef'|truncate(1) }}", {}, "AssertionError", /expected length >= 3, got 1/],
  ["{{ '%(a)s' % {} }}", {}, "KeyError", /'a'/],
  ["{{ 'a'.split('') }}", {}, "ValueError", /empty separator/],
  ["{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}", {}, "RecursionError", /maximum recursion depth/],
  [
    "{{ " + "(".repeat(20000) + "1" + ")".repeat(20000) + " }}",
    {},
    "RecursionError",
    /^t\.yaml:1:1: template nested too deeply/,
  ],
];

test("every error kind names file:line:col and what was found", async (t) => {
  for (const [src, ctx, kind, re] of errors) {
    await t.test(`${kind}: ${src}`, () => {
      assert.throws(
        () => render(src, ctx),
        (e: unknown) => {
          assert.ok(e instanceof TemplateError, `not a TemplateError: ${String(e)}`);
          assert.ok(e instanceof UserError);
          assert.equal(e.exitCode, 2);
          assert.equal(e.kind, kind, e.message);
          assert.match(e.message, re);
          assert.doesNotMatch(e.message, /\n\s+at /);
          return true;
        },
      );
    });
  }
});

test("a misspelt payload key is named with its expression, position and a did-you-mean hint", () => {
  withDir({ "sparkapps/app.yaml": "kind: X\nmetadata:\n  name: {{ dag_run.conf.etl_modul }}\n" }, (dir) => {
    const e = new Environment({ searchPath: [dir] });
    assert.throws(
      () => e.getTemplate("sparkapps/app.yaml").render(af()),
      (err: unknown) => {
        assert.ok(err instanceof TemplateError);
        assert.equal(err.message, "sparkapps/app.yaml:3:12: 'dag_run.conf' has no key 'etl_modul'");
        assert.equal(err.hint, "did you mean 'etl_module'?");
        assert.deepEqual([err.file, err.line, err.col], ["sparkapps/app.yaml", 3, 12]);
        return true;
      },
    );
  });
});

test("an undefined name gets a did-you-mean among the visible names", () => {
  assert.throws(
    () => env.fromString("{% for item in [1] %}{{ itme }}{% endfor %}", "t.yaml").render({ dag_run: 1 }),
    (e: unknown) =>
      e instanceof TemplateError &&
      e.message === "t.yaml:1:25: 'itme' is undefined" &&
      e.hint === "did you mean 'item'?",
  );
  assert.throws(
    () => env.fromString("{{ dag_rum.conf }}", "t.yaml").render({ dag_run: 1 }),
    (e: unknown) => e instanceof TemplateError && e.hint === "did you mean 'dag_run'?",
  );
});

test("includes resolve only inside the search path", () => {
  withDir(
    {
      "root/sparkapps/a-x.yaml": "A{{ n }}",
      "root/sparkapps/inner.yaml": "I",
      "outside.yaml": "secret",
    },
    (dir) => {
      const root = join(dir, "root");
      symlinkSync(join(dir, "outside.yaml"), join(root, "sparkapps", "escape.yaml"));
      writeFileSync(join(root, "latin1.yaml"), Buffer.from([0x61, 0xe9, 0x0a]));
      symlinkSync(join(root, "sparkapps", "inner.yaml"), join(root, "sparkapps", "alias.yaml"));
      const e = new Environment({ searchPath: [root] });
      const r = (src: string, ctx: Record<string, unknown> = {}) => e.fromString(src, "dag").render(ctx);
      assert.equal(r("{% include 'sparkapps/a' ~ s ~ '.yaml' %}", { s: "-x", n: 1 }), "A1");
      assert.equal(r("{% include 'sparkapps/alias.yaml' %}"), "I");
      assert.equal(r("{% include 'sparkapps/none.yaml' ignore missing %}."), ".");
      assert.throws(
        () => r("{% include 'sparkapps/a-y.yaml' %}"),
        (err: unknown) =>
          err instanceof TemplateError &&
          err.kind === "TemplateNotFound" &&
          /^dag:1:12: template 'sparkapps\/a-y.yaml' not found in search path: /.test(err.message) &&
          err.hint === "did you mean 'sparkapps/a-x.yaml'?",
      );
      const kinds: Array<[string, string, RegExp]> = [
        ["../outside.yaml", "TemplateNotFound", /contains '\.\.'/],
        ["sparkapps/../../outside.yaml", "TemplateNotFound", /contains '\.\.'/],
        [join(dir, "outside.yaml"), "TemplateNotFound", /is absolute/],
        ["sparkapps/escape.yaml", "SecurityError", /outside the search path root/],
        ["latin1.yaml", "UnicodeDecodeError", /is not valid UTF-8/],
      ];
      for (const [name, kind, re] of kinds) {
        assert.throws(
          () => r(`{% include ${JSON.stringify(name)} %}`),
          (err: unknown) => err instanceof TemplateError && err.kind === kind && re.test(err.message),
          name,
        );
        assert.throws(() => e.getTemplate(name), TemplateError);
      }
    },
  );
});

test("compiled templates are cached per Environment", () => {
  withDir({ "t.yaml": "v1" }, (dir) => {
    const e = new Environment({ searchPath: [dir] });
    assert.equal(e.getTemplate("t.yaml").render({}), "v1");
    writeFileSync(join(dir, "t.yaml"), "v2");
    assert.equal(e.getTemplate("t.yaml").render({}), "v1");
    assert.equal(new Environment({ searchPath: [dir] }).getTemplate("t.yaml").render({}), "v2");
  });
});

test("spans cover exactly the {{ }} output, including includes and inside macros", () => {
  withDir({ "inc.yaml": "inc: {{ b }}\n" }, (dir) => {
    const e = new Environment({ searchPath: [dir] });
    const src =
      "a: {{ a }}\n{% include 'inc.yaml' %}\n{% macro m(x) %}lit-{{ x }}-lit{% endmacro %}m: {{ m(a) }}\n" +
      "e: '{{ '' }}'\n{% set blk %}t{{ a }}{% endset %}s: {{ blk }}\nf: {{ m(a)|upper }}";
    const { text, spans } = e.fromString(src, "s.yaml").renderWithSpans({ a: "AA", b: "BB" });
    assert.equal(text, "a: AA\ninc: BB\nm: lit-AA-lit\ne: ''\ns: tAA\nf: LIT-AA-LIT");
    assert.deepEqual(
      spans.map(([s, t]) => text.slice(s, t)),
      ["AA", "BB", "AA", "tAA", "LIT-AA-LIT"],
    );
    for (const [s, t] of spans) assert.ok(s < t);
    assert.equal(e.fromString(src, "s.yaml").render({ a: "AA", b: "BB" }), text);
  });
});

test("recursive loop calls keep their inner spans", () => {
  const tree = [{ n: "a", c: [{ n: "b", c: [] }] }];
  const { text, spans } = env
    .fromString("{% for x in tree recursive %}[{{ x.n }}{% if x.c %}{{ loop(x.c) }}{% endif %}]{% endfor %}")
    .renderWithSpans({ tree });
  assert.equal(text, "[a[b]]");
  assert.deepEqual(
    spans.map(([s, t]) => text.slice(s, t)),
    ["a", "b"],
  );
});

test("airflowContext gives dag_run, dag, task, ds, ts, var.value, params and macros", () => {
  const out = env
    .fromString(
      "{{ dag_run.conf.etl_module }} {{ dag.dag_id }} {{ task.task_id }} {{ ds }} {{ ds_nodash }} {{ ts_nodash }} " +
        "{{ run_id }} {{ var.value.registry }} {{ var.value.get('nope', 'd') }} {{ params.env }} " +
        "{{ macros.ds_add(ds, 20) }} {{ macros.ds_format(ds, '%Y-%m-%d', '%Y%m') }} {{ dag_run.conf.labels }}",
    )
    .render(af());
  assert.equal(
    out,
    "visits_distinct generic_spark_etl submit 2026-03-15 20260315 20260315T040506 manual__1 reg.example d dev " +
      "2026-04-04 202603 {'10': 'x', 'b': '1', 'a': '2'}", // a JS object literal already put "10" first
  );
  assert.throws(
    () => env.fromString("{{ var.value.registy }}").render(af()),
    (e: unknown) =>
      e instanceof TemplateError &&
      e.kind === "KeyError" &&
      /Variable registy does not exist/.test(e.message) &&
      e.hint === "did you mean 'registry'?",
  );
  assert.equal(env.fromString("{{ dag_run.conf.get('missing') }}").render(af()), "None");
});

test("parseJsonPy keeps JSON key order and float-ness as Python's json.loads", () => {
  const v = parseJsonPy('{"b": 1, "10": 2.0, "a": [1.5, true, null, "x"], "n": {"2": -0.0}}');
  assert.equal(
    env.fromString("{{ v }}").render({ v }),
    "{'b': 1, '10': 2.0, 'a': [1.5, True, None, 'x'], 'n': {'2': -0.0}}",
  );
  for (const bad of ["{", '{"a" 1}', "[1,]", "01", '"\u0001"', "1 2"]) {
    assert.throws(
      () => parseJsonPy(bad, "payload.json"),
      (e: unknown) => e instanceof UserError && /^payload\.json:\d+:\d+: invalid JSON/.test(e.message),
    );
  }
});
