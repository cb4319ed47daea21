// Phase timings from a real Spark 4 event log (trimmed), and failure summaries from a real failed run's output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEventLog, phasesFrom, readTimeline } from "../../src/local/events.js";
import { isConsoleWorthy, summariseFailure } from "../../src/local/failure.js";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), "utf8");

test("the timeline: context ready, first job, last job, end; a cut-short last line is ignored", () => {
  const tl = parseEventLog(fixture("eventlog-visits-daily.jsonl"));
  assert.equal(tl.appId, "local-1795667619871");
  assert.equal(tl.appStart, 1795667614673);
  assert.equal(tl.contextReady, 1795667620912);
  assert.equal(tl.firstJobStart, 1795667648586);
  assert.equal(tl.lastJobEnd, 1795667665230);
  assert.equal(tl.appEnd, 1795667665735);
  assert.equal(tl.jobs, 3);
  assert.equal(tl.failedJobs, 0);
});

test("phases are measured from sparklane's start and spark-submit's spawn", () => {
  const timeline = parseEventLog(fixture("eventlog-visits-daily.jsonl"));
  const started = 1795667610000;
  const p = phasesFrom({
    started,
    rendered: started + 150,
    runtimeReady: started + 170,
    submitted: started + 200,
    ended: 1795667666000,
    timeline,
  });
  assert.deepEqual(p, {
    renderChecks: 150,
    runtime: 20,
    jvmAndContext: 1795667620912 - (started + 200),
    timeToFirstJob: 1795667648586 - started,
    job: 1795667665735 - 1795667648586,
    total: 1795667666000 - started,
  });
  // No event log (Spark never started): the Spark phases are unknown, not zero.
  const none = phasesFrom({
    started,
    rendered: started + 1,
    runtimeReady: started + 2,
    submitted: started + 3,
    ended: started + 9,
  });
  assert.equal(none.jvmAndContext, undefined);
  assert.equal(none.timeToFirstJob, undefined);
  assert.equal(none.total, 9);
});

test("a failed job counts as failed", () => {
  const text = [
    JSON.stringify({ Event: "SparkListenerJobStart", "Job ID": 0, "Submission Time": 10 }),
    JSON.stringify({
      Event: "SparkListenerJobEnd",
      "Job ID": 0,
      "Completion Time": 20,
      "Job Result": { Result: "JobFailed" },
    }),
  ].join("\n");
  const tl = parseEventLog(text);
  assert.equal(tl.failedJobs, 1);
  assert.equal(tl.contextReady, undefined);
});

test("readTimeline finds a single-file log and a rolling eventlog_v2 folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-events-"));
  try {
    assert.deepEqual(readTimeline(join(dir, "absent")), { files: [] });
    writeFileSync(join(dir, "local-1"), fixture("eventlog-visits-daily.jsonl"));
    assert.equal(readTimeline(dir).timeline?.jobs, 3);
    rmSync(join(dir, "local-1"));
    mkdirSync(join(dir, "eventlog_v2_local-1"));
    writeFileSync(join(dir, "eventlog_v2_local-1", "appstatus_local-1"), "");
    writeFileSync(
      join(dir, "eventlog_v2_local-1", "events_1_local-1"),
      fixture("eventlog-visits-daily.jsonl"),
    );
    const { files, timeline } = readTimeline(dir);
    assert.equal(files.length, 1);
    assert.equal(timeline?.firstJobStart, 1795667648586);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("failure summary: the Python exception and Spark's cause from a real failed run", () => {
  const lines = fixture("spark-submit-failed.log").split("\n");
  const f = summariseFailure(lines);
  assert.match(
    f.python!,
    /^pyspark\.errors\.exceptions\.captured\.AnalysisException: \[PATH_NOT_FOUND\] Path does not exist/,
  );
  assert.equal(
    f.spark,
    "java.io.FileNotFoundException: File /work/main/examples/visits-etl/data/nope.csv does not exist",
  );
  // A Java "Caused by" wins over other lines; a log4j ERROR comes next.
  assert.equal(
    summariseFailure(["Caused by: java.lang.OutOfMemoryError: Java heap space", "x"]).spark,
    "java.lang.OutOfMemoryError: Java heap space",
  );
  assert.equal(
    summariseFailure(["26/11/26 04:35:50 ERROR Executor: Exception in task 0.0"]).spark,
    "Executor: Exception in task 0.0",
  );
  // A Python-only failure (no JVM cause).
  const py = summariseFailure([
    "Traceback (most recent call last):",
    '  File "x.py", line 1',
    "sparklane_etl.config.ConfigError: c.yaml: launch-only",
  ]);
  assert.deepEqual(py, { python: "sparklane_etl.config.ConfigError: c.yaml: launch-only", spark: undefined });
});

test("console filter: everything Spark writes (stderr) goes only to the log file; the job's stdout is shown", () => {
  // A multi-line INFO record: its continuation lines carry no log4j prefix, and once leaked to the console.
  const stderr = [
    "WARNING: Using incubator modules: jdk.incubator.vector",
    "26/11/26 04:35:34 INFO SparkContext: Running Spark version 4.0.1",
    "26/11/26 04:35:40 INFO FileSourceStrategy: Pushed Filters: ",
    "== Physical Plan ==",
    "*(2) HashAggregate(keys=[visit_date#10, page#1], functions=[count(distinct visitor_id#0)])",
    "+- Exchange hashpartitioning(visit_date#10, page#1, 200), ENSURE_REQUIREMENTS, [plan_id=42]",
    "java.lang.IllegalStateException: benign, logged at INFO",
    "\tat org.apache.hadoop.fs.RawLocalFileSystem.getFileStatus(RawLocalFileSystem.java:907)",
    "26/11/26 04:35:35 WARN NativeCodeLoader: Unable to load",
    ":: resolving dependencies :: org.apache.spark#spark-submit-parent;1.0",
    "\tconfs: [default]",
    "Traceback (most recent call last):",
  ];
  for (const line of stderr) assert.equal(isConsoleWorthy(line, "stderr"), false, line);
  assert.equal(isConsoleWorthy("wrote 12 rows", "stdout"), true);
});
