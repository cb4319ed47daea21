// `sparklane run --local` end to end on real Spark (the pyspark wheel from the example's uv.lock), through
// the built CLI, on a private copy of the example project. Expected results are computed here from the
// sample CSV, independently of Spark; the Parquet output is read back with pyarrow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binPath, runCli } from "../helpers/cli.js";
import { which } from "../../src/runtime/host.js";
import { copyExample } from "./example.js";
import { openLedger } from "../../src/ledger/open.js";
import { realUv } from "../runtime/tools.js";

const ex = copyExample();
test.after(() => ex.cleanup());
const env = { SPARKLANE_CACHE_DIR: ex.cache, SPARKLANE_DEBUG: "" };
const trigger = (name: string): string => join(ex.project, "triggers", name);
const runsDir = join(ex.project, ".sparklane", "runs");
const SPARK_TIMEOUT = 900_000;

/** Without --verbose, stderr holds sparklane's own lines only: Spark's output is in the run's log file. */
function assertOnlySparklaneLines(stderr: string, logFile: string): void {
  const foreign = stderr
    .split("\n")
    .filter((l) => l !== "" && !/^(sparklane: |warning: | {2}hint: )/.test(l));
  assert.deepEqual(foreign, [], "Spark output leaked to the console");
  assert.ok(readFileSync(logFile, "utf8").length > 0, "the log file keeps it");
}

type Row = Record<string, string | number>;

/** The run in the ledger (--ledger): one application, source local, and one driver with the plan's resources. */
async function assertLedgerRecorded(path: string, report: Report): Promise<void> {
  const ledger = await openLedger(path);
  const apps = await ledger.listApps();
  const { pods } = await ledger.podsInWindow({ start: 0, end: Date.now() + 60_000 });
  await ledger.close();
  assert.equal(apps.length, 1);
  const [app] = apps;
  assert.equal(app.source, "local");
  assert.match(app.uid, /^local-[0-9a-z]{10}-[0-9a-z]+$/);
  assert.deepEqual(
    [app.state, app.outcome, app.attribution.module, app.attribution.variant],
    ["COMPLETED", "completed", "visits_distinct", "pre-baked"],
  );
  const phases = report.phases as { renderChecks: number; runtime: number; total: number };
  assert.equal(app.terminatedAt! - app.createdAt, phases.total);
  assert.equal(app.startLatencySeconds, (phases.renderChecks + phases.runtime) / 1000);
  assert.equal(pods.length, 1);
  const [driver] = pods;
  assert.equal(driver.appUid, app.uid);
  assert.equal(driver.cpuCores, Number(/local\[(\d+)\]/.exec(report.plan.master)![1]));
  assert.ok(driver.memoryBytes >= 1024 * 1024 * 1024, "the plan's driver memory");
  assert.equal(driver.mainFinishedAt, app.terminatedAt);
}

/** Visits from the committed sample data: [visitor, page, ts]. */
function visits(): { visitor: string; page: string; day: string; hour: number }[] {
  const lines = readFileSync(join(ex.project, "data", "visits", "visits.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  return lines.map((l) => {
    const [visitor, page, ts] = l.split(",") as [string, string, string];
    return { visitor, page, day: ts.slice(0, 10), hour: Number(ts.slice(11, 13)) };
  });
}

function expectedDistinct(days: (d: string) => boolean): Row[] {
  const sets = new Map<string, Set<string>>();
  for (const v of visits().filter((v) => days(v.day))) {
    const key = `${v.day}|${v.page}`;
    if (!sets.has(key)) sets.set(key, new Set());
    sets.get(key)!.add(v.visitor);
  }
  return [...sets]
    .map(([k, s]) => ({ visit_date: k.split("|")[0]!, page: k.split("|")[1]!, distinct_visitors: s.size }))
    .sort(byKey);
}

function expectedHourly(day: string): Row[] {
  const counts = new Map<string, number>();
  for (const v of visits().filter((v) => v.day === day))
    counts.set(`${v.hour}|${v.page}`, (counts.get(`${v.hour}|${v.page}`) ?? 0) + 1);
  return [...counts]
    .map(([k, n]) => ({ visit_date: day, hour: Number(k.split("|")[0]), page: k.split("|")[1]!, views: n }))
    .sort(byKey);
}

function byKey(a: Row, b: Row): number {
  const ka = JSON.stringify(
    Object.keys(a)
      .sort()
      .map((k) => a[k]),
  );
  const kb = JSON.stringify(
    Object.keys(b)
      .sort()
      .map((k) => b[k]),
  );
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function readParquet(dir: string): Row[] {
  const script = [
    "import json, sys, pyarrow.dataset as ds",
    "t = ds.dataset(sys.argv[1], format='parquet', partitioning='hive').to_table()",
    "print(json.dumps([{k: (str(v) if k == 'visit_date' else v) for k, v in r.items()} for r in t.to_pylist()]))",
  ].join("\n");
  return (JSON.parse(execFileSync("python3", ["-c", script, dir], { encoding: "utf8" })) as Row[]).sort(
    byKey,
  );
}

interface Report {
  ok: boolean;
  status: string;
  variant: string;
  module: string;
  runDir: string;
  logFile: string;
  eventLog: string[];
  runtime: {
    cache: string;
    fingerprint: string;
    dir: string;
    jars: string[];
    packages: string[];
    python: string;
  };
  plan: { master: string; command: string[] };
  phases: Record<string, number | undefined>;
}

test(
  "quick start: the daily pre-baked run builds the runtime once (miss), then another module hits it",
  { timeout: SPARK_TIMEOUT },
  async () => {
    const ledgerPath = join(ex.root, "ledger.db");
    const first = await runCli(
      [
        "run",
        "--local",
        "--project",
        ex.project,
        "--conf",
        trigger("visits-daily.json"),
        "--output",
        "json",
        "--ledger",
        ledgerPath,
      ],
      {
        env,
        timeoutMs: SPARK_TIMEOUT,
      },
    );
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as Report;
    assert.equal(report.status, "succeeded");
    assertOnlySparklaneLines(first.stderr, report.logFile);
    assert.equal(report.variant, "pre-baked");
    assert.equal(report.runtime.cache, "miss");
    assert.match(first.stderr, /building the pre-baked runtime .* \(once\)/);
    // The pre-baked runtime carries the standard variant's JARs, resolved once and passed as files.
    assert.deepEqual(report.runtime.packages, ["org.apache.spark:spark-avro_2.13:4.0.1"]);
    assert.ok(report.runtime.jars.some((j) => j.endsWith("spark-avro_2.13-4.0.1.jar")));
    assert.ok(report.plan.command.includes("--jars"));
    assert.ok(!report.plan.command.some((a) => a.startsWith("spark.jars.packages=")));
    for (const phase of ["renderChecks", "runtime", "jvmAndContext", "timeToFirstJob", "job", "total"]) {
      assert.equal(typeof report.phases[phase], "number", phase);
      assert.ok(report.phases[phase]! >= 0, phase);
    }
    assert.ok(report.phases.timeToFirstJob! < report.phases.total!);
    assert.ok(existsSync(report.logFile) && existsSync(report.eventLog[0]!));

    await assertLedgerRecorded(ledgerPath, report);

    const got = readParquet(join(ex.project, "output", "visits_distinct"));
    const want = expectedDistinct((d) => d === "2026-03-15");
    assert.ok(want.length >= 4);
    assert.deepEqual(got, want);

    // Same dependencies, other module: the runtime is reused as it is.
    const second = await runCli(
      ["run", "--local", "--project", ex.project, "--conf", trigger("page-hourly-daily.json")],
      { env, timeoutMs: SPARK_TIMEOUT },
    );
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /runtime [0-9a-f]+: cache hit/);
    assert.match(second.stdout, /page_hourly \(pre-baked\) succeeded in [\d.]+ s/);
    assert.match(second.stdout, /first Spark job at [\d.]+ s/);
    assert.doesNotMatch(second.stderr, /building the pre-baked runtime/);
    assert.deepEqual(readParquet(join(ex.project, "output", "page_hourly")), expectedHourly("2026-03-14"));
  },
);

test(
  "--from-artifact runs published code through the bootstrap (fetch, verify, extract), data from the working tree",
  { timeout: SPARK_TIMEOUT },
  async () => {
    const store = `file://${join(ex.root, "store")}`;
    const pub = await runCli(["publish", "--project", ex.project, "--version", "2.0.0", "--store", store], {
      env,
    });
    assert.equal(pub.code, 0, pub.stderr);
    // The working tree changes after publishing; the run must use the published script, not this one.
    const script = join(ex.project, "page_hourly", "etl_script.py");
    const original = readFileSync(script, "utf8");
    writeFileSync(script, 'raise SystemExit("the working tree was run, not the artifact")\n');
    try {
      const res = await runCli(
        [
          "run",
          "--local",
          "--project",
          ex.project,
          "--conf",
          trigger("page-hourly-daily.json"),
          "--from-artifact",
          "2.0.0",
          "--store",
          store,
        ],
        { env, timeoutMs: SPARK_TIMEOUT },
      );
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, /bootstrap: download\+verify/);
      assert.match(res.stdout, /page_hourly \(pre-baked\) succeeded/);
      assert.deepEqual(readParquet(join(ex.project, "output", "page_hourly")), expectedHourly("2026-03-14"));
      const missing = await runCli(
        [
          "run",
          "--local",
          "--project",
          ex.project,
          "--conf",
          trigger("page-hourly-daily.json"),
          "--from-artifact",
          "9.9.9",
          "--store",
          store,
        ],
        { env },
      );
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(missing.stderr, /2\.0\.0/, "the nearest published versions are listed");
    } finally {
      writeFileSync(script, original);
    }
  },
);

test(
  "standard bulk run: fresh venv for the run, spark.jars.packages resolved by Ivy at submit",
  { timeout: SPARK_TIMEOUT },
  async () => {
    const res = await runCli(
      ["run", "--local", "--project", ex.project, "--conf", trigger("visits-bulk.json"), "--output", "json"],
      { env, timeoutMs: SPARK_TIMEOUT },
    );
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout) as Report;
    assert.equal(report.variant, "standard");
    assert.equal(report.runtime.cache, "fresh");
    // Ivy's resolution report stays in the log; the venv is gone by now, but its Python was read before.
    assertOnlySparklaneLines(res.stderr, report.logFile);
    assert.match(readFileSync(report.logFile, "utf8"), /:: resolving dependencies ::/);
    assert.match(report.runtime.python, /^3\.\d+\.\d+$/);
    assert.ok(report.plan.command.includes("spark.jars.packages=org.apache.spark:spark-avro_2.13:4.0.1"));
    assert.ok(report.plan.command.includes(`spark.jars.ivy=${join(ex.cache, "ivy")}`));
    assert.ok(!existsSync(join(report.runDir, "venv")), "the per-run venv is removed afterwards");
    assert.ok(existsSync(join(ex.cache, "ivy", "jars", "org.apache.spark_spark-avro_2.13-4.0.1.jar")));
    // Bulk from 2026-03-12, open-ended; earlier partitions (from other runs) are left alone.
    const got = readParquet(join(ex.project, "output", "visits_distinct")).filter(
      (r) => String(r.visit_date) >= "2026-03-12",
    );
    assert.deepEqual(
      got,
      expectedDistinct((d) => d >= "2026-03-12"),
    );
  },
);

test(
  "a failing job exits 1 with the Python error, Spark's cause and the full log path",
  { timeout: SPARK_TIMEOUT },
  async () => {
    writeFileSync(
      join(ex.project, "visits_distinct", "config", "dev-broken.yaml"),
      "io:\n  inputs:\n    visits: data/no-such-file.csv\n  outputs:\n    visits_distinct: output/broken\n",
    );
    const res = await runCli(
      [
        "run",
        "--local",
        "--project",
        ex.project,
        "--conf",
        trigger("visits-daily.json"),
        "--set",
        "config_file=config/dev-broken.yaml",
        "--output",
        "json",
      ],
      { env, timeoutMs: SPARK_TIMEOUT },
    );
    assert.equal(res.code, 1, res.stderr);
    // --output json: the report (status failed, the same summary as data) on stdout, the error on stderr.
    const report = JSON.parse(res.stdout) as Report & {
      failure: { python: string; spark: string };
      exitCode: number;
    };
    assert.equal(report.status, "failed");
    assert.equal(report.exitCode, 1);
    assert.match(report.failure.python, /AnalysisException: \[PATH_NOT_FOUND\]/);
    assert.match(report.failure.spark, /FileNotFoundException/);
    const tail = res.stderr.slice(res.stderr.lastIndexOf("error: the job failed"));
    assert.match(tail, /^error: the job failed \(spark-submit exit 1\)/);
    assert.match(
      tail,
      /python: pyspark\.errors\.exceptions\.captured\.AnalysisException: \[PATH_NOT_FOUND\]/,
    );
    assert.match(tail, /spark: {2}java\.io\.FileNotFoundException: File .*no-such-file\.csv does not exist/);
    const log = /full log: (\S+)/.exec(tail)?.[1];
    assert.ok(log && existsSync(log), tail);
    assert.match(readFileSync(log, "utf8"), /Traceback \(most recent call last\)/);
    assert.ok(tail.split("\n").filter(Boolean).length <= 5, "a few lines, not a stack trace");
    assert.doesNotMatch(res.stderr, /^\s+at org\.apache/m, "Java stack frames stay in the log file");
  },
);

test("Ctrl-C ends the whole Spark process tree and exits 130", { timeout: SPARK_TIMEOUT }, async () => {
  const proc = spawn(
    process.execPath,
    [binPath, "run", "--local", "--project", ex.project, "--conf", trigger("visits-daily.json")],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  const submitted = new Promise<void>((resolve) => {
    proc.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      // spark-submit has started (Spark's own lines stay in the log file, not on the console).
      if (/run folder (\S+)\)/.test(stderr)) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => proc.on("close", (code) => resolve(code)));
  await Promise.race([submitted, exited]);
  const runDir = /run folder (\S+)\)/.exec(stderr)?.[1];
  assert.ok(runDir, stderr);
  // Wait for the grandchild, the Python driver that the JVM starts, so a whole tree is there to stop.
  const script = join(ex.project, "visits_distinct", "visits_distinct_daily.py");
  const pythonDriver = (): boolean =>
    readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .some((p) => {
        try {
          const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
          return /python3?$/.test(argv[0]!) && argv.includes(script);
        } catch {
          return false;
        }
      });
  while (!pythonDriver() && proc.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  proc.kill("SIGINT");
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted/);
  // Nothing that was started for this run is still alive (SIGKILLed processes get a moment to be reaped).
  const alive = (): string[] =>
    readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(ex.project);
        } catch {
          return false;
        }
      });
  let leftovers = alive();
  for (let i = 0; i < 50 && leftovers.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    leftovers = alive();
  }
  assert.deepEqual(leftovers, []);
  const report = JSON.parse(readFileSync(join(runDir, "report.json"), "utf8")) as Report;
  assert.equal(report.status, "interrupted");
});

test("bad input is refused with exit 2 before Spark starts, naming the path", async () => {
  const before = existsSync(runsDir) ? readdirSync(runsDir).length : 0;
  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(["run", "--local", "--project", ex.project, "--conf", trigger("visits-daily.json"), ...args], {
      env: { ...env, ...extraEnv },
    });

  const script = await run(["--set", "etl_script=visits_distinct_dialy.py"]);
  assert.equal(script.code, 2);
  assert.match(
    script.stderr,
    new RegExp(
      `error: etl_script: local:///app/etl/visits_distinct/visits_distinct_dialy.py is ${join(ex.project, "visits_distinct", "visits_distinct_dialy.py")}, which does not exist`,
    ),
  );
  assert.match(script.stderr, /hint: did you mean visits_distinct_daily\.py\?/);

  const config = await run(["--set", "config_file=config/dev-weekly.yaml"]);
  assert.equal(config.code, 2);
  assert.match(
    config.stderr,
    /error: config_file: \/app\/etl\/visits_distinct\/config\/dev-weekly\.yaml is .*config\/dev-weekly\.yaml, which does not exist/,
  );
  assert.match(config.stderr, /dev-bulk\.yaml/);

  const module = await run(["--set", "etl_module=visits_distnct"]);
  assert.equal(module.code, 2);
  assert.match(
    module.stderr,
    /error: etl_module visits_distnct: no module folder .*visits_distnct in the project/,
  );
  assert.match(module.stderr, /did you mean visits_distinct\?/);

  const noLocal = await runCli(["run", "--project", ex.project, "--conf", trigger("visits-daily.json")], {
    env,
  });
  assert.equal(noLocal.code, 2);
  assert.match(noLocal.stderr, /sparklane submit/);

  // Tools: a PATH without java, then one without uv.
  const bin = join(ex.root, "bin-uv-only");
  mkdirSync(bin, { recursive: true });
  symlinkSync(realUv(), join(bin, "uv"));
  const noJava = await run([], { PATH: bin, JAVA_HOME: "" });
  assert.equal(noJava.code, 2, noJava.stderr);
  assert.match(noJava.stderr, /error: Java was not found/);
  assert.match(noJava.stderr, /hint: install a Java 17\+ runtime/);

  const binJava = join(ex.root, "bin-java-only");
  mkdirSync(binJava, { recursive: true });
  symlinkSync(which("java")!, join(binJava, "java"));
  const noUv = await run([], { PATH: binJava });
  assert.equal(noUv.code, 2, noUv.stderr);
  assert.match(noUv.stderr, /error: uv was not found/);
  assert.match(noUv.stderr, /hint: install uv/);

  for (const r of [script, config, module, noJava, noUv]) {
    assert.equal(r.stdout, "");
    assert.doesNotMatch(r.stderr, /spark-submit|Traceback|at org\./);
  }
  assert.equal(existsSync(runsDir) ? readdirSync(runsDir).length : 0, before, "no run folder was created");
});
