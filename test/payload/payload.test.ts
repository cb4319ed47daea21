import { test } from "node:test";
import assert from "node:assert/strict";
import { ValidationError, UserError } from "../../src/errors.js";
import {
  applySets,
  checkPayload,
  parsePayloadText,
  payloadValues,
  pythonConf,
  ParsedPayload,
  MAX_PAYLOAD_BYTES,
} from "../../src/payload/index.js";
import { PyFloat } from "../../src/pyjson.js";
import { isCalendarDate, yamlUnsafeReason } from "../../src/payload/patterns.js";

const base = {
  etl_module: "visits_distinct",
  etl_script: "visits_distinct_daily.py",
  config_file: "config/dev-daily.yaml",
};

function issuesOf(
  payload: Record<string, unknown>,
  rules = {},
): { where: string; message: string; hint?: string }[] {
  try {
    checkPayload(payload, rules);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    return [...err.issues];
  }
  return [];
}

test("the seed's payloads pass unchanged", () => {
  const p = {
    ...base,
    process_date: "2026-03-15",
    executor_instances: 8,
    executor_memory: "28g",
    executor_node_labels: { "spark-role": "mem-intensive" },
    executor_node_affinity: [
      {
        weight: 80,
        matchExpressions: [
          { key: "karpenter.k8s.aws/instance-cpu", operator: "Lt", values: ["17"] },
          { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["r"] },
        ],
      },
    ],
  };
  const copy = structuredClone(p);
  assert.equal(checkPayload(p), p, "returns the same object");
  assert.deepEqual(p, copy, "never rewrites what the template sees");
  assert.deepEqual(
    issuesOf({ ...base, start_date: "2026-03-01", config_file: "config/dev-bulk.yaml", sparkapp_suffix: "" }),
    [],
  );
});

// Each bad payload names the key path, and says what was expected and what was found.
const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["missing required key", { etl_module: "m", etl_script: "s.py" }, "config_file", /required key is missing/],
  [
    "module with a path part",
    { ...base, etl_module: "../etc" },
    "etl_module",
    /plain module name.*found "..\/etc"/,
  ],
  ["script with a path part", { ...base, etl_script: "a/b.py" }, "etl_script", /plain .py file name/],
  ["script not .py", { ...base, etl_script: "run.sh" }, "etl_script", /\.py/],
  ["config escaping the module", { ...base, config_file: "../secrets.yaml" }, "config_file", /no '\.\.'/],
  ["config absolute", { ...base, config_file: "/etc/passwd.yaml" }, "config_file", /leading '\/'/],
  ["date not a date", { ...base, process_date: "2026-02-30" }, "process_date", /real calendar date/],
  ["date wrong type", { ...base, start_date: 20260301 }, "start_date", /YYYY-MM-DD/],
  [
    "memory bad format",
    { ...base, executor_memory: "28 GB" },
    "executor_memory",
    /Spark memory string.*found "28 GB"/,
  ],
  ["memory over cap", { ...base, driver_memory: "2t" }, "driver_memory", /at most 512g/],
  // A bare number is MiB for Spark's driver/executor memory, so 600000 is ~586g, over the cap (not 600 kB).
  ["bare memory over cap", { ...base, executor_memory: "600000" }, "executor_memory", /at most 512g/],
  ["memory zero", { ...base, driver_memory: "0g" }, "driver_memory", /more than nothing/],
  ["memory fraction", { ...base, driver_memory: "1.5g" }, "driver_memory", /Spark memory string/],
  ["cores zero", { ...base, executor_cores: 0 }, "executor_cores", /at least 1/],
  ["cores fractional", { ...base, driver_cores: 1.5 }, "driver_cores", /whole number/],
  ["cores as string", { ...base, executor_cores: "7" }, "executor_cores", /positive integer.*found "7"/],
  ["instances over cap", { ...base, executor_instances: 501 }, "executor_instances", /at most 500/],
  [
    "label key invalid",
    { ...base, executor_node_labels: { "-bad": "x" } },
    'executor_node_labels["-bad"]',
    /label key/,
  ],
  [
    "label value invalid",
    { ...base, executor_node_labels: { role: "a b" } },
    "executor_node_labels.role",
    /label value/,
  ],
  [
    "affinity operator",
    {
      ...base,
      executor_node_affinity: [
        {
          weight: 5,
          matchExpressions: [
            { key: "a", operator: "In", values: ["x"] },
            { key: "b", operator: "Like", values: ["y"] },
          ],
        },
      ],
    },
    "executor_node_affinity[0].matchExpressions[1].operator",
    /In, NotIn, Exists, DoesNotExist, Gt, Lt.*found "Like"/,
  ],
  [
    "affinity weight",
    {
      ...base,
      executor_node_affinity: [{ weight: 101, matchExpressions: [{ key: "a", operator: "Exists" }] }],
    },
    "executor_node_affinity[0].weight",
    /100/,
  ],
  [
    "In without values",
    { ...base, executor_node_affinity: [{ matchExpressions: [{ key: "a", operator: "In" }] }] },
    "executor_node_affinity[0].matchExpressions[0].values",
    /non-empty values/,
  ],
  [
    "Exists with values",
    {
      ...base,
      executor_node_affinity: [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }],
    },
    "executor_node_affinity[0].matchExpressions[0].values",
    /takes no values/,
  ],
  [
    "Gt not integer",
    {
      ...base,
      executor_node_affinity: [{ matchExpressions: [{ key: "a", operator: "Gt", values: ["x"] }] }],
    },
    "executor_node_affinity[0].matchExpressions[0].values",
    /one integer/,
  ],
  [
    "affinity unknown field",
    {
      ...base,
      executor_node_affinity: [{ matchExpressions: [{ key: "a", operator: "Exists" }], required: true }],
    },
    "executor_node_affinity[0]",
    /required/,
  ],
  ["unknown suffix", { ...base, sparkapp_suffix: "-fast" }, "sparkapp_suffix", /"-pre-baked"/],
  [
    "unknown key with suggestion",
    { ...base, executor_memroy: "4g" },
    "executor_memroy",
    /did you mean 'executor_memory'/,
  ],
  ["version with spaces", { ...base, etl_version: "1 2" }, "etl_version", /version/],
];

for (const [name, payload, where, message] of bad) {
  test(`rejects ${name}`, () => {
    const issues = issuesOf(payload);
    const hit = issues.find((i) => i.where === where);
    assert.ok(hit, `expected an issue at ${where}, got ${JSON.stringify(issues)}`);
    assert.match(hit.message, message);
  });
}

test("an unknown key far from any known key lists the known keys", () => {
  const [issue] = issuesOf({ ...base, zzzzzzzz: 1 });
  assert.equal(issue!.where, "zzzzzzzz");
  assert.match(issue!.hint!, /known keys: etl_module/);
});

// The seed's approach lets a value inject YAML; these are refused at the schema step.
const injections: Array<[string, Record<string, unknown>, string]> = [
  [
    "newline in a node-label key",
    { ...base, executor_node_labels: { 'x: "1"\n    hostNetwork: true\n    y': "v" } },
    "executor_node_labels",
  ],
  [
    "newline in memory",
    { ...base, executor_memory: '4g"\n    securityContext:\n      privileged: true\n    x: "' },
    "executor_memory",
  ],
  ["quote in module", { ...base, etl_module: 'a"b' }, "etl_module"],
  ["NEL line break", { ...base, etl_version: "1\u0085x" }, "etl_version"],
  ["template syntax", { ...base, etl_version: "{{7*7}}" }, "etl_version"],
];
for (const [name, payload, key] of injections) {
  test(`refuses structure injection: ${name}`, () => {
    const issues = issuesOf(payload);
    assert.ok(
      issues.some((i) => i.where.startsWith(key) && /YAML structure|plain|label|version/.test(i.message)),
      JSON.stringify(issues),
    );
  });
}

test("__proto__ and constructor keys are refused, and do not pollute", () => {
  const payload = parsePayloadText(
    '{"etl_module":"m","etl_script":"s.py","config_file":"c.yaml","__proto__":{"polluted":1}}',
    "t.json",
  );
  const issues = issuesOf(payload.values);
  assert.ok(issues.some((i) => i.where === "__proto__" && /not allowed/.test(i.message)));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(issuesOf({ ...base, executor_node_labels: JSON.parse('{"constructor":"x"}') }).length > 0);
});

test("project limits and extra keys change the schema", () => {
  assert.deepEqual(
    issuesOf(
      { ...base, executor_instances: 900 },
      { limits: { max_cores: 64, max_executor_instances: 1000, max_memory: "512g" } },
    ),
    [],
  );
  const extra = {
    team: { type: "label-value", required: true },
    retries: { type: "integer", min: 0, max: 3, required: false },
  } as const;
  assert.deepEqual(issuesOf({ ...base, team: "growth", retries: 2 }, { extraKeys: extra }), []);
  assert.equal(issuesOf({ ...base }, { extraKeys: extra })[0]!.where, "team");
  assert.match(issuesOf({ ...base, team: "growth", retries: 9 }, { extraKeys: extra })[0]!.where, /retries/);
});

test("parsePayloadText: invalid JSON names line and column", () => {
  assert.throws(
    () => parsePayloadText('{\n  "a": 1,\n  "b" 2\n}', "p.json"),
    (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^p\.json:3:\d+: invalid JSON/);
      return true;
    },
  );
});

test("parsePayloadText: non-object payloads", () => {
  for (const [text, found] of [
    ["[]", "an array"],
    ["null", "null"],
    ["42", "a number"],
    ['"x"', "a string"],
  ]) {
    assert.throws(
      () => parsePayloadText(text!, "p.json"),
      new RegExp(`expected a JSON object as the payload, found ${found}`),
    );
  }
});

test("parsePayloadText: over 1 MiB is refused before parsing", () => {
  const text = JSON.stringify({ etl_module: "x".repeat(MAX_PAYLOAD_BYTES) });
  assert.throws(() => parsePayloadText(text, "big.json"), /limit is 1048576/);
});

test("--set parses integers, booleans and JSON, keeps other text as strings", () => {
  const out = applySets({ a: 1 }, [
    "executor_instances=8",
    "etl_version=1.10",
    "process_date=2026-03-15",
    'executor_node_labels={"k":"v"}',
    "flag=true",
  ]);
  assert.deepEqual(out.values, {
    a: 1,
    executor_instances: 8,
    etl_version: "1.10",
    process_date: "2026-03-15",
    executor_node_labels: { k: "v" },
    flag: true,
  });
  assert.throws(() => applySets({}, ["no-equals"]), /key=value/);
  assert.throws(() => applySets({}, ["x={bad"]), /invalid JSON value/);
});

test("calendar dates and YAML safety helpers", () => {
  assert.equal(isCalendarDate("2024-02-29"), true);
  assert.equal(isCalendarDate("2026-02-29"), false);
  assert.equal(isCalendarDate("2026-3-1"), false);
  assert.equal(yamlUnsafeReason("karpenter.k8s.aws/instance-cpu"), undefined);
  assert.match(yamlUnsafeReason("a: b")!, /': '/);
  assert.match(yamlUnsafeReason("a #b")!, /' #'/);
  assert.match(yamlUnsafeReason("*alias")!, /'\*'/);
  assert.match(yamlUnsafeReason("x\u2028y")!, /U\+2028/);
});

test("label keys and values are held to Kubernetes' length bounds (63 for a value and a name part)", () => {
  const ok = { [`p.example/${"k".repeat(63)}`]: "v".repeat(63) };
  assert.deepEqual(issuesOf({ ...base, executor_node_labels: ok }), []);
  const longValue = issuesOf({ ...base, executor_node_labels: { role: "v".repeat(64) } });
  assert.match(longValue[0]!.message, /label value/);
  const longName = issuesOf({ ...base, executor_node_labels: { ["k".repeat(64)]: "v" } });
  assert.match(longName[0]!.message, /label key/);
  assert.ok(issuesOf({ ...base, executor_node_labels: { "/x": "v" } }).length > 0, "empty prefix");
});

test("a parsed payload carries Python's values in its type: key order as written, 2.0 a float", () => {
  const parsed = parsePayloadText('{"b": 1, "10": 2.0, "n": {"z": 1, "2": [1.0, 0.5]}}', "p.json");
  assert.ok(parsed instanceof ParsedPayload);
  assert.deepEqual([...parsed.python.keys()], ["b", "10", "n"], "JSON.parse would put '10' first");
  assert.ok(parsed.python.get("10") instanceof PyFloat);
  const n = parsed.python.get("n") as Map<string, unknown>;
  assert.deepEqual([...n.keys()], ["z", "2"]);
  assert.ok((n.get("2") as unknown[])[0] instanceof PyFloat);
  assert.deepEqual(parsed.values, { b: 1, 10: 2, n: { z: 1, 2: [1, 0.5] } }, "plain values for the schema");

  // --set builds a new payload from the old one's Python values: nothing to lose to a copy.
  const set = applySets(parsed, ["x=1", 'y={"3": 4.0, "a": 1}', "b=7"]);
  assert.deepEqual([...set.python.keys()], ["b", "10", "n", "x", "y"]);
  assert.equal(set.python.get("b"), 7);
  assert.ok(set.python.get("10") instanceof PyFloat);
  const y = set.python.get("y") as Map<string, unknown>;
  assert.deepEqual([...y.keys()], ["3", "a"]);
  assert.ok(y.get("3") instanceof PyFloat);
  assert.equal(parsed.python.get("x"), undefined, "the original is unchanged");

  // What the template gets is a fresh copy each time: one render changing its conf cannot leak into the next.
  const a = pythonConf(set) as Map<string, unknown>;
  (a.get("n") as Map<string, unknown>).set("z", "changed");
  assert.equal(n.get("z") as number, 1);
  assert.notEqual(pythonConf(set), pythonConf(set));
  // A hand-built object is rendered as given.
  const plain = { etl_module: "m" };
  assert.equal(pythonConf(plain), plain);
  assert.equal(payloadValues(plain), plain);
});
