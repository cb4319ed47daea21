// The spark-submit plan for both variants: pure, from rendered manifests of the example project.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { UserError } from "../../src/errors.js";
import { planLocal, memoryMiB, driverMemoryCapMiB, type PlanInput } from "../../src/local/plan.js";
import type { SparkApplication } from "../../src/manifest/index.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`./fixtures/${name}.json`, import.meta.url)), "utf8"),
  ) as Record<string, unknown>;

const GiB = 1024 ** 3;
const project = "/home/dev/visits-etl";
const runDir = `${project}/.sparklane/runs/r1`;
// Rendered manifests, some broken on purpose: the plan still refuses what local mode cannot run.
const base = (manifest: Record<string, unknown>, over: Partial<PlanInput> = {}): PlanInput => ({
  manifest: manifest as unknown as SparkApplication,
  variant: "pre-baked",
  projectDir: project,
  runDir,
  runtime: {
    python: "/cache/rt/venv/bin/python3",
    sparkHome: "/cache/rt/venv/lib/python3.11/site-packages/pyspark",
    jars: [],
  },
  host: { cores: 8, totalMemoryBytes: 16 * GiB },
  ...over,
});

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
function withSpec(m: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const c = clone(m);
  Object.assign(c.spec as Record<string, unknown>, patch);
  return c;
}
function confArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  args.forEach((a, i) => {
    if (a === "--conf") {
      const [k, ...v] = args[i + 1]!.split("=");
      out[k!] = v.join("=");
    }
  });
  return out;
}

test("pre-baked: /app/etl paths map into the project, cached JARs go with --jars, no Ivy", () => {
  const jars = ["/cache/rt/jars/a.jar", "/cache/rt/jars/b.jar"];
  const plan = planLocal(base(fixture("visits-daily.pre-baked"), { runtime: { ...base({}).runtime, jars } }));
  assert.equal(plan.sparkSubmit, "/cache/rt/venv/lib/python3.11/site-packages/pyspark/bin/spark-submit");
  assert.equal(plan.files.script.local, join(project, "visits_distinct/visits_distinct_daily.py"));
  assert.equal(plan.files.config?.local, join(project, "visits_distinct/config/dev-daily.yaml"));
  assert.equal(plan.files.module, "visits_distinct");
  // Script last but one group: the script, then the job's own arguments with paths mapped.
  const tail = plan.args.slice(plan.args.indexOf(plan.files.script.local));
  assert.deepEqual(tail, [
    join(project, "visits_distinct/visits_distinct_daily.py"),
    "--config",
    join(project, "visits_distinct/config/dev-daily.yaml"),
    "--process-date",
    "2026-03-15",
  ]);
  assert.equal(plan.args[plan.args.indexOf("--jars") + 1], jars.join(","));
  const conf = confArgs(plan.args);
  assert.equal(conf["spark.pyspark.python"], "/cache/rt/venv/bin/python3");
  assert.equal(conf["spark.jars.packages"], undefined);
  assert.equal(conf["spark.jars.ivy"], undefined);
  assert.equal(conf["spark.kubernetes.memoryOverheadFactor"], undefined);
  assert.equal(plan.dropped["spark.kubernetes.memoryOverheadFactor"], "Kubernetes only");
  assert.equal(conf["spark.eventLog.enabled"], "true");
  assert.equal(conf["spark.eventLog.dir"], `file://${runDir}/events`);
  assert.equal(conf["spark.eventLog.rolling.enabled"], "false");
  assert.equal(plan.eventLogDir, `${runDir}/events`);
  assert.equal(plan.cwd, project);
  assert.equal(plan.env.SPARKLANE_DATA_ROOT, project);
  assert.equal(plan.env.SPARK_HOME, "/cache/rt/venv/lib/python3.11/site-packages/pyspark");
  assert.equal(plan.appName, "visits-distinct-20260315");
});

test("standard: /app paths map into the project, spark.jars.packages kept and resolved by Ivy in the local Ivy home", () => {
  const plan = planLocal(
    base(fixture("visits-daily.standard"), {
      variant: "standard",
      runtime: {
        python: `${runDir}/venv/bin/python3`,
        sparkHome: `${runDir}/venv/lib/python3.11/site-packages/pyspark`,
        jars: [],
        ivyDir: "/cache/ivy",
      },
    }),
  );
  assert.equal(plan.files.script.local, join(project, "visits_distinct/visits_distinct_daily.py"));
  assert.ok(!plan.args.includes("--jars"));
  const conf = confArgs(plan.args);
  assert.equal(conf["spark.jars.packages"], "org.apache.spark:spark-avro_2.13:4.0.1");
  assert.equal(conf["spark.jars.ivy"], "/cache/ivy");
  assert.equal(conf["spark.pyspark.python"], `${runDir}/venv/bin/python3`);
  assert.ok(!Object.keys(conf).some((k) => k.startsWith("spark.kubernetes.")));
});

test("a project folder with spaces: the event log dir is a percent-encoded file URL", () => {
  const dir = "/home/dev/My Team ETL";
  const plan = planLocal(
    base(fixture("visits-daily.pre-baked"), { projectDir: dir, runDir: `${dir}/.sparklane/runs/r1` }),
  );
  assert.equal(
    confArgs(plan.args)["spark.eventLog.dir"],
    "file:///home/dev/My%20Team%20ETL/.sparklane/runs/r1/events",
  );
});

test("master is local[min(instances x cores, host cores)]", () => {
  const m = fixture("visits-daily.pre-baked"); // 2 instances x 1 core
  assert.equal(planLocal(base(m)).master, "local[2]");
  const big = withSpec(m, {
    executor: { ...((m.spec as Record<string, unknown>).executor as object), instances: 8, cores: 7 },
  });
  const plan = planLocal(base(big, { host: { cores: 4, totalMemoryBytes: 16 * GiB } }));
  assert.equal(plan.master, "local[4]");
  assert.deepEqual(plan.cores, { requested: 56, used: 4 });
  assert.equal(plan.args[plan.args.indexOf("--master") + 1], "local[4]");
});

test("driver memory is capped to what the host has, with a warning", () => {
  const m = fixture("visits-daily.pre-baked");
  const big = withSpec(m, {
    driver: { ...((m.spec as Record<string, unknown>).driver as object), memory: "20g" },
  });
  const plan = planLocal(base(big, { host: { cores: 2, totalMemoryBytes: 8 * GiB } }));
  assert.equal(plan.driverMemory.used, "4g");
  assert.equal(plan.args[plan.args.indexOf("--driver-memory") + 1], "4g");
  assert.equal(plan.warnings.length, 1);
  assert.equal(plan.warnings[0]!.where, "spec.driver.memory");
  assert.match(plan.warnings[0]!.message, /20g is more than this machine can give/);
  // Under the cap: passed as written, no warning.
  const small = planLocal(base(m, { host: { cores: 2, totalMemoryBytes: 8 * GiB } }));
  assert.equal(small.driverMemory.used, "1g");
  assert.equal(small.warnings.length, 0);
});

test("driver memory reaches spark-submit in a form the JVM's -Xmx reads as Spark does", () => {
  const m = fixture("visits-daily.pre-baked");
  const used = (memory: string): string => {
    const spec = withSpec(m, {
      driver: { ...((m.spec as Record<string, unknown>).driver as object), memory },
    });
    const plan = planLocal(base(spec, { host: { cores: 2, totalMemoryBytes: 16 * GiB } }));
    assert.equal(plan.args[plan.args.indexOf("--driver-memory") + 1], plan.driverMemory.used);
    return plan.driverMemory.used;
  };
  assert.equal(used("2g"), "2g");
  assert.equal(used("512M"), "512M");
  assert.equal(used("2048"), "2g", "a bare number is MiB for Spark, bytes for -Xmx");
  assert.equal(used("1536mb"), "1536m", "-Xmx has no 'mb'");
  assert.throws(() => used("1.5g"), /spec\.driver\.memory 1\.5g: .*fractions/);
});

test("memory strings", () => {
  assert.equal(memoryMiB("512m"), 512);
  assert.equal(memoryMiB("20g"), 20480);
  assert.equal(memoryMiB("1t"), 1024 * 1024);
  assert.equal(memoryMiB("2048"), 2048);
  assert.equal(memoryMiB("1.5g"), undefined, "Spark refuses fractions");
  assert.equal(memoryMiB("lots"), undefined);
  assert.equal(driverMemoryCapMiB(24 * GiB), 12 * 1024);
  assert.equal(driverMemoryCapMiB(1 * GiB), 1024);
});

test("ivySettings: mapped into the project when the file is there, dropped with a warning when not", () => {
  const m = fixture("visits-daily.standard");
  const withSettings = clone(m);
  ((withSettings.spec as Record<string, unknown>).sparkConf as Record<string, string>)[
    "spark.jars.ivySettings"
  ] = "/app/ivysettings.xml";
  const rt = { python: "/p", sparkHome: "/s", jars: [], ivyDir: "/ivy" };
  const present = planLocal(base(withSettings, { variant: "standard", runtime: rt, exists: () => true }));
  assert.equal(confArgs(present.args)["spark.jars.ivySettings"], join(project, "ivysettings.xml"));
  const absent = planLocal(base(withSettings, { variant: "standard", runtime: rt, exists: () => false }));
  assert.equal(confArgs(absent.args)["spark.jars.ivySettings"], undefined);
  assert.match(absent.warnings[0]!.message, /ivysettings\.xml .* does not exist/);
});

test("bad manifests are refused with exit 2, naming the field", () => {
  const m = fixture("visits-daily.pre-baked");
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      withSpec(m, { mainApplicationFile: "s3a://bucket/job.py" }),
      /spec\.mainApplicationFile s3a:\/\/bucket\/job\.py is not under local:\/\/\/app\//,
    ],
    [withSpec(m, { mainApplicationFile: undefined }), /spec\.mainApplicationFile is not set/],
    [withSpec(m, { mainApplicationFile: "local:///app/etl/../../etc/passwd" }), /maps outside the project/],
    [withSpec(m, { type: "Scala" }), /spec\.type is Scala/],
    [withSpec(m, { driver: { memory: "lots" } }), /spec\.driver\.memory lots/],
  ];
  for (const [manifest, message] of cases) {
    assert.throws(
      () => planLocal(base(manifest)),
      (err: unknown) => err instanceof UserError && err.exitCode === 2 && message.test(err.message),
      String(message),
    );
  }
});
