// `sparklane render | validate | lint` end to end through the built CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runCli, repoRoot } from "../helpers/cli.js";
import { sharedPath, sharedSkip } from "../helpers/shared.js";

const triggers = join(repoRoot, "test/fixtures/triggers");
const daily = join(triggers, "visits-daily.json");
const builtin = join(repoRoot, "templates");

function python(templateDir: string, name: string, payload: string): string {
  const r = spawnSync("python3", [join(repoRoot, "bench/render_baseline.py"), templateDir, name, payload], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function assertCleanFailure(
  r: { code: number | null; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  assert.equal(r.code, 2, `exit 2 expected; stderr: ${r.stderr}`);
  assert.equal(r.stdout, "", "stdout stays empty on any error");
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace");
}

for (const variant of ["standard", "pre-baked"] as const) {
  for (const payload of ["visits-daily.json", "visits-mem-intensive.json", "visits-standard-image.json"]) {
    test(`render built-in ${variant} x ${payload}: same bytes as Python jinja2 (plus one newline)`, async () => {
      const r = await runCli([
        "render",
        "--variant",
        variant,
        "--conf",
        join(triggers, payload),
        "--ds",
        "2026-03-15",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const name = `sparkapps/generic-spark-app${variant === "pre-baked" ? "-pre-baked" : ""}.yaml`;
      assert.equal(r.stdout, python(builtin, name, join(triggers, payload)));
      const doc = parse(r.stdout) as { metadata: { name: string; labels: Record<string, string> } };
      assert.equal(doc.metadata.name, "visits-distinct-20260315");
      assert.equal(doc.metadata.labels["sparklane-variant"], variant);
    });
  }
}

test(
  "render the seed's own templates: the variant comes from sparkapp_suffix, default -pre-baked",
  { skip: sharedSkip },
  async () => {
    const dir = sharedPath("fixtures/seed-templates");
    const pre = await runCli(["render", "--template-dir", dir, "--conf", daily, "--ds", "2026-03-15"]);
    assert.equal(pre.code, 0, pre.stderr);
    assert.equal(pre.stdout, python(dir, "sparkapps/generic-spark-app-pre-baked.yaml", daily));
    const std = await runCli([
      "render",
      "--template-dir",
      dir,
      "--conf",
      join(triggers, "visits-standard-image.json"),
      "--ds",
      "2026-03-15",
      "--output",
      "json",
    ]);
    assert.equal(std.code, 0, std.stderr);
    const doc = JSON.parse(std.stdout) as { spec: { image: string; sparkConf: Record<string, string> } };
    assert.equal(doc.spec.image, "<registry>/spark:4.0.0-python3");
    assert.ok(doc.spec.sparkConf["spark.jars.packages"]);
  },
);

test("render reads stdin and applies --set", async () => {
  const r = await runCli(
    [
      "render",
      "--conf",
      "-",
      "--set",
      "executor_instances=12",
      "--variant",
      "standard",
      "--ds",
      "2026-03-15",
      "--output",
      "json",
    ],
    {
      input: readFileSync(daily, "utf8"),
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    (JSON.parse(r.stdout) as { spec: { executor: { instances: number } } }).spec.executor.instances,
    12,
  );
});

test("render: bad inputs exit 2 with one clear message and nothing on stdout", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-render-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: Array<[string, string[], RegExp, string?]> = [
    [
      "invalid JSON",
      ["--conf", file("bad.json", '{\n  "etl_module": "x",\n  oops\n}')],
      /bad\.json:3:\d+: invalid JSON/,
    ],
    [
      "non-object payload",
      ["--conf", file("arr.json", "[1, 2]")],
      /expected a JSON object as the payload, found an array/,
    ],
    [
      "__proto__ key",
      [
        "--conf",
        file(
          "proto.json",
          '{"etl_module":"m","etl_script":"s.py","config_file":"c.yaml","__proto__":{"x":1}}',
        ),
      ],
      /error: __proto__: the key '__proto__' is not allowed/,
    ],
    [
      "payload over 1 MB",
      ["--conf", file("big.json", JSON.stringify({ etl_module: "x".repeat(1_100_000) }))],
      /limit is 1048576/,
    ],
    ["missing file", ["--conf", join(dir, "nope.json")], /--conf .*nope\.json: no such file/],
    [
      "unknown key",
      ["--conf", daily, "--set", "executor_memroy=4g"],
      /executor_memroy: unknown key; did you mean 'executor_memory'\?/,
    ],
    [
      "bad affinity operator",
      [
        "--conf",
        daily,
        "--set",
        'executor_node_affinity=[{"weight":5,"matchExpressions":[{"key":"a","operator":"In","values":["x"]},{"key":"b","operator":"Like","values":["y"]}]}]',
      ],
      /executor_node_affinity\[0\]\.matchExpressions\[1\]\.operator: expected one of In/,
    ],
    [
      "injection through --set",
      ["--conf", daily, "--set", 'executor_memory="4g\\"\\n    securityContext:\\n      privileged: true"'],
      /executor_memory: contains/,
    ],
    ["bad --ds", ["--conf", daily, "--ds", "15/03/2026"], /--ds 15\/03\/2026: expected/],
    ["unknown variant", ["--conf", daily, "--variant", "fast"], /argument 'fast' is invalid/],
    ["no --conf", [], /required option '--conf <file>' not specified/],
    [
      "missing template dir",
      ["--conf", daily, "--template-dir", join(dir, "none")],
      /--template-dir .*none: no such folder/,
    ],
  ];
  for (const [name, args, pattern] of cases) {
    await t.test(name, async () => assertCleanFailure(await runCli(["render", ...args]), pattern));
  }
});

test("render: template errors name file:line:col, and structure printed from a value is refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-tpl-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "sparkapps"));
  const seedLike = readFileSync(join(builtin, "sparkapps/generic-spark-app.yaml"), "utf8");
  const write = (text: string) => {
    const p = join(dir, "sparkapps/t.yaml");
    writeFileSync(p, text);
    return p;
  };
  // StrictUndefined: a misspelt key is an error naming the template position.
  let p = write(seedLike.replace("conf.get('etl_script')", "conf.etl_scrpt"));
  assertCleanFailure(
    await runCli(["render", "--template", p, "--conf", daily]),
    /t\.yaml:\d+:\d+: .*etl_scrpt/,
  );
  p = write("apiVersion: v1\n{% if %}\n");
  assertCleanFailure(await runCli(["render", "--template", p, "--conf", daily]), /t\.yaml:2:\d+: /);
  // A dict printed into the manifest becomes a flow mapping: the structure check refuses it.
  p = write(
    seedLike.replace(
      "{% include 'sparkapps/_executor-placement.yaml' %}",
      "    nodeSelector: {{ dag_run.conf.get('executor_node_labels', {}) }}",
    ),
  );
  const r = await runCli(["render", "--template", p, "--conf", join(triggers, "visits-mem-intensive.json")]);
  assertCleanFailure(r, /spec\.executor\.nodeSelector: .*not inside a YAML key or value/);
});

test("validate: every variant x payload; a failing payload fails the run with exit 2", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-validate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "triggers"));
  writeFileSync(join(dir, "sparklane.yaml"), "name: demo\nvariables:\n  sparklane_namespace: etl\n");
  writeFileSync(join(dir, "triggers/good.json"), readFileSync(daily));
  let r = await runCli(["validate", "--project", dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /2 of 2 renders passed every check/);
  writeFileSync(
    join(dir, "triggers/bad.json"),
    JSON.stringify({ etl_module: "visits", etl_script: "x.py", config_file: "c.yaml", executor_cores: 0 }),
  );
  r = await runCli(["validate", "--project", dir, "--output", "json"]);
  assert.equal(r.code, 2);
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    cells: Array<{ payload: string; ok: boolean; issues: Array<{ where: string }> }>;
  };
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.cells.filter((c) => !c.ok).map((c) => c.payload),
    ["bad.json", "bad.json"],
  );
  assert.equal(report.cells.find((c) => !c.ok)!.issues[0]!.where, "executor_cores");
  r = await runCli(["validate", "--project", join(dir, "triggers")]);
  assertCleanFailure(r, /no sparklane\.yaml/);
});

test("lint: flags the seed's lessons, exit 2 on errors", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-lint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "sparkapps"));
  const std = readFileSync(join(builtin, "sparkapps/generic-spark-app.yaml"), "utf8")
    .replace(
      '    spark.kubernetes.memoryOverheadFactor: "0.2"',
      '    spark.kubernetes.memoryOverheadFactor: "0.2"\n    spark.sql.shuffle.partitions: "200"',
    )
    .replace('spark.jars.ivy: "/ivy-cache"', 'spark.jars.ivy: "/home/spark/.ivy2"');
  writeFileSync(join(dir, "sparkapps/generic-spark-app.yaml"), std);
  writeFileSync(
    join(dir, "sparkapps/generic-spark-app-pre-baked.yaml"),
    readFileSync(join(builtin, "sparkapps/generic-spark-app-pre-baked.yaml")),
  );
  writeFileSync(
    join(dir, "sparkapps/_executor-placement.yaml"),
    readFileSync(join(builtin, "sparkapps/_executor-placement.yaml")),
  );
  const r = await runCli(["lint", "--template-dir", dir, "--conf", daily]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /\[app-conf-in-sparkconf\]/);
  assert.match(r.stdout, /\[ivy-cache-not-writable\]/);
  const clean = await runCli(["lint", "--conf", daily]);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stdout, /0 errors/);
});

test("render sees the payload as Python's json.loads gives it: key order as written, 2.0 stays a float", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-pyjson-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, "p.json");
  writeFileSync(
    p,
    '{"etl_module":"visits_distinct","etl_script":"visits_distinct_daily.py","config_file":"config/dev-daily.yaml","driver_cores":2.0,"executor_node_labels":{"zone":"a","b10":"x"}}',
  );
  const r = await runCli([
    "render",
    "--conf",
    p,
    "--variant",
    "standard",
    "--ds",
    "2026-03-15",
    "--set",
    "executor_cores=3",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    python(builtin, "sparkapps/generic-spark-app.yaml", p).replace("cores: 7", "cores: 3"),
  );
  assert.match(r.stdout, /cores: 2\.0\n/);
  assert.match(r.stdout, /zone: "a"\n\s+b10: "x"/);
});

test("a usage error under --output json is one JSON document on stdout too, whatever the flag's spelling", async (t) => {
  for (const spelling of [["--output", "json"], ["--output=json"], ["-o", "json"], ["-ojson"]]) {
    await t.test(spelling.join(" "), async () => {
      const r = await runCli(["render", ...spelling, "--variant", "fast", "--conf", daily]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /argument 'fast' is invalid/);
      const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; error: string; message: string };
      assert.deepEqual([doc.ok, doc.exitCode, doc.error], [false, 2, "UsageError"]);
      assert.match(doc.message, /argument 'fast' is invalid/);
    });
  }
  // After `--`, "--output json" is an argument, not the flag.
  const plain = await runCli(["render", "--variant", "fast", "--conf", daily, "--", "--output", "json"]);
  assert.equal(plain.code, 2);
  assert.equal(plain.stdout, "");
});
