// The differential fuzzer in CI: a fixed budget of generated templates and payloads, rendered by sparklane and
// by Python's jinja2 set up as Airflow sets it up (test/template/fuzz/), must agree byte for byte (or fail with
// the same exception class), except for the documented entries of test/template/fuzz/allow-list.
// Larger budgets: npx tsx bench/fuzz.ts --cases 50000.
import { test } from "node:test";
import assert from "node:assert/strict";
import { genCase } from "./fuzz/generator.js";
import {
  describe,
  pythonUnavailable,
  readAllowList,
  runFuzz,
  signature,
  sparklaneOutcome,
  verdictOf,
} from "./fuzz/runner.js";

const SEED = 20261203;
const BUDGET = 2000;
const noPython = pythonUnavailable();

test("the generator is deterministic: a seed and an index always give the same case", () => {
  assert.deepEqual(genCase(SEED, 17), genCase(SEED, 17));
  assert.notDeepEqual(genCase(SEED, 17).source, genCase(SEED, 18).source);
  assert.notDeepEqual(genCase(SEED, 17).source, genCase(SEED + 1, 17).source);
});

test("verdicts: same text, different text, one side failing, different exception classes", () => {
  assert.equal(verdictOf({ text: "a" }, { text: "a" }), "same");
  assert.equal(verdictOf({ text: "a" }, { text: "b" }), "text");
  assert.equal(verdictOf({ text: "a" }, { error: "TypeError" }), "sparklane-error");
  assert.equal(verdictOf({ error: "TypeError" }, { text: "a" }), "python-error");
  assert.equal(verdictOf({ error: "TypeError" }, { error: "TypeError" }), "same");
  assert.equal(verdictOf({ error: "TypeError" }, { error: "UndefinedError" }), "error-class");
  assert.equal(verdictOf({ text: "a" }, { error: "RangeError", crash: true }), "crash");
});

test("the allow-list is short and every entry has a reason", () => {
  const entries = readAllowList();
  assert.ok(entries.length <= 14, `the allow-list has ${entries.length} entries; fix divergences instead`);
  for (const e of entries) assert.ok(e.reason.length >= 20, `${e.name}: give the reason`);
});

test("sparklane's side of a case renders through the Airflow context", () => {
  const out = sparklaneOutcome({
    id: 0,
    source: "{{ dag_run.conf.a }} {{ params.a }} {{ ts_nodash }} {{ var.value.sparklane_project }}",
    conf: '{"a": 2.0}',
    ts: "2026-03-15T06:30:00+00:00",
    params: { a: 1 },
    varValues: { sparklane_project: "p" },
  });
  assert.deepEqual(out, { text: "2.0 2.0 20260315T063000 p" });
});

test(
  `differential fuzz: ${BUDGET} generated cases (seed ${SEED}) agree with Python's jinja2 as Airflow sets it up`,
  { skip: noPython ? `skipped: ${noPython}` : false, timeout: 15 * 60_000 },
  async (t) => {
    const allow = readAllowList();
    const { stats, divergences } = await runFuzz({ seed: SEED, count: BUDGET, allow });
    // An entry nothing matched any more is probably fixed: say so, so it gets deleted.
    for (const e of allow)
      if (!divergences.some((d) => d.allowed === e.name))
        t.diagnostic(
          `allow-list entry ${e.name} matched no case of this run: delete it if the difference is fixed`,
        );
    assert.equal(stats.cases, BUDGET);
    // A generator that made mostly broken templates would prove little.
    assert.ok(
      stats.pythonRenders > BUDGET / 2,
      `Python rendered only ${stats.pythonRenders} of ${BUDGET} cases`,
    );
    const open = divergences.filter((d) => !d.allowed);
    if (open.length) {
      const groups = new Map<string, number>();
      for (const d of open) groups.set(signature(d), (groups.get(signature(d)) ?? 0) + 1);
      const summary = [...groups]
        .sort((a, b) => b[1] - a[1])
        .map(([s, n]) => `${String(n).padStart(5)}  ${s}`)
        .join("\n");
      const examples = open
        .slice(0, 5)
        .map((d) => `--- case ${d.case.id} (${d.verdict})\n${describe(d)}`)
        .join("\n");
      assert.fail(
        `${open.length} of ${BUDGET} cases diverge from Python (${((100 * stats.divergentRenders) / stats.pythonRenders).toFixed(2)}% of the ${stats.pythonRenders} Python renders):\n${summary}\n\nfirst examples (template --- payload --- Python --- sparklane):\n${examples}`,
      );
    }
  },
);
