// bench/cost: `sparklane cost` (the library call behind it, JSON rendered) over a SQLite ledger of 100,000 runs
// (a driver and two executors each, a month of runs on 40 nodes), grouped by dag,task,module,variant with shared
// idle. Time and peak RSS, against two baselines measured in the same run on the same rows, each in its own
// process: reading the window's records from the ledger only, and a bare SQL sum over the same pods.
// The cost child prints the report's digest, compared with the one computed before the cost was made leaner.
// Run: npm run bench -- cost   (BENCH_RUNS overrides the 100,000)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./stats.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const START = Date.UTC(2026, 10, 1);
const END = Date.UTC(2026, 11, 1);
const NODES = 40;
const GIB = 2 ** 30;
const BEFORE_DIGEST = "4157ce37511f1077";

async function generate(db: string): Promise<void> {
  const { openLedger } = await import("../src/ledger/index.js");
  const store = await openLedger(db);
  const step = (END - START) / RUNS;
  const modules = [
    "visits_distinct",
    "sessions",
    "orders",
    "clicks",
    "users",
    "payments",
    "inventory",
    "search",
  ];
  const nodes = Array.from({ length: NODES }, (_, i) => ({
    name: `node-${i}`,
    info: {
      instanceType: "m5.4xlarge",
      capacityType: i % 4 === 0 ? "spot" : "on-demand",
      zone: "us-east-1a",
    },
    cpuCores: 16,
    memoryBytes: 64 * GIB,
    firstSeenAt: START - 3_600_000,
    lastSeenAt: END,
  }));
  await store.write({ nodes });
  for (let b = 0; b < RUNS; b += 1000) {
    const apps = [];
    const pods = [];
    for (let i = b; i < Math.min(RUNS, b + 1000); i++) {
      const t = Math.round(START + i * step);
      const standard = i % 2 === 0;
      const boot = standard ? 300_000 : 10_000;
      const attribution = {
        dag: `dag_${i % 20}`,
        task: `task_${i % 5}`,
        module: modules[i % modules.length],
        variant: standard ? ("standard" as const) : ("pre-baked" as const),
        runId: `scheduled__${new Date(t).toISOString()}`,
      };
      const uid = `app-${i}`;
      apps.push({
        uid,
        namespace: "spark",
        name: `etl-${i}`,
        source: "exporter" as const,
        labels: {},
        attribution,
        createdAt: t,
        submittedAt: t + 1000,
        runningAt: t + boot,
        terminatedAt: t + boot + 1_800_000,
        state: "COMPLETED",
        outcome: "completed" as const,
        startLatencySeconds: boot / 1000,
        observedAt: t + boot + 1_800_000,
      });
      for (let k = 0; k < 3; k++) {
        const s = t + 2000 + k * 1000;
        const node = nodes[(i * 3 + k) % NODES];
        pods.push({
          uid: `${uid}-p${k}`,
          appUid: uid,
          namespace: "spark",
          name: `etl-${i}-${k === 0 ? "driver" : `exec-${k}`}`,
          role: k === 0 ? ("driver" as const) : ("executor" as const),
          node: node.name,
          nodeInfo: node.info,
          cpuCores: k === 0 ? 6 : 7,
          memoryBytes: (k === 0 ? 24 : 26.4) * GIB,
          createdAt: s - 1000,
          scheduledAt: s,
          mainStartedAt: s + boot,
          mainFinishedAt: s + boot + 1_500_000 - k * 300_000,
          deletedAt: s + boot + 1_600_000,
          observedAt: s + boot + 1_600_000,
        });
      }
    }
    await store.write({ apps, pods });
  }
  await store.close();
}

/** One measured step in this process; prints `{ms, rssMb, detail}`. */
async function child(mode: string, db: string): Promise<void> {
  // Modules load before the clock starts: the figures are the work, not the TypeScript loader.
  const { openLedger } = await import("../src/ledger/index.js");
  const { default: Database } = await import("better-sqlite3");
  const { costReport, formatJson } = await import("../src/cost/index.js");
  const t0 = performance.now();
  let detail = "";
  let json: string | undefined;
  const window = { start: START, end: END };
  if (mode === "read") {
    const store = await openLedger(db);
    const { pods, apps } = await store.podsInWindow(window);
    const nodes = await store.nodesInWindow(window);
    await store.close();
    detail = `${pods.length} pods, ${apps.length} apps, ${nodes.length} nodes`;
  } else if (mode === "sql") {
    const sql = new Database(db, { readonly: true });
    const row = sql
      .prepare(
        `SELECT count(*) AS n, sum(cpu_cores * (min(coalesce(span_end, @end), @end) - max(span_start, @start))) AS ms
         FROM pods WHERE span_start < @end AND (span_end IS NULL OR span_end > @start)`,
      )
      .get(window) as { n: number; ms: number };
    sql.close();
    detail = `${row.n} pods, ${(row.ms / 3_600_000).toFixed(0)} core-hours`;
  } else {
    const report = await costReport({
      window: "2026-11",
      by: "dag,task,module,variant",
      allocation: "request",
      idle: "share",
      source: "ledger",
      ledger: db,
      now: END + 86_400_000,
    });
    json = formatJson(report);
    detail = `${report.rows.length} rows, ${report.runs.length} runs, total ${report.totals.cost.toFixed(2)}, ${(json.length / 1e6).toFixed(1)} MB JSON`;
  }
  const ms = performance.now() - t0;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  if (json !== undefined) {
    // After the measurement: hashing 45 MB is not the report's work. BEFORE_DIGEST is the default ledger's
    // report as computed before the ledger scan and the core's input were made leaner (2026-12-03): the
    // same figures to the last digit, or that work changed a result.
    const digest = createHash("sha256").update(json).digest("hex").slice(0, 16);
    detail += `, sha256 ${digest}`;
    if (RUNS === 100_000)
      detail += digest === BEFORE_DIGEST ? " (= before)" : ` (DIFFERS from ${BEFORE_DIGEST})`;
  }
  process.stdout.write(JSON.stringify({ ms, rssMb, detail }));
}

function measure(mode: string, db: string): { ms: number; rssMb: number; detail: string } {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "child", mode, db],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`bench/cost ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; rssMb: number; detail: string };
}

if (process.argv[2] === "child") {
  await child(process.argv[3], process.argv[4]);
} else {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-bench-cost-"));
  try {
    const db = join(dir, "ledger.db");
    const g0 = performance.now();
    await generate(db);
    console.log(
      `ledger of ${RUNS} runs (${RUNS * 3} pods) written in ${((performance.now() - g0) / 1000).toFixed(1)} s`,
    );
    const rounds = 3;
    const res: Record<string, { ms: number; rssMb: number; detail: string }[]> = {
      sql: [],
      read: [],
      cost: [],
    };
    // Interleaved, so load on the machine hits all three alike.
    for (let i = 0; i < rounds; i++) for (const m of ["sql", "read", "cost"]) res[m].push(measure(m, db));
    const med = (m: string, k: "ms" | "rssMb") => median(res[m].map((x) => x[k]));
    for (const m of ["sql", "read", "cost"])
      console.log(
        `${m.padEnd(5)} median ${med(m, "ms").toFixed(0)} ms, peak RSS ${med(m, "rssMb").toFixed(0)} MB  (${res[m][0].detail})`,
      );
    console.log(
      `cost / read-only: time ${(med("cost", "ms") / med("read", "ms")).toFixed(2)}, RSS ${(med("cost", "rssMb") / med("read", "rssMb")).toFixed(2)}`,
    );
    console.log(
      `cost / bare SQL sum: time ${(med("cost", "ms") / med("sql", "ms")).toFixed(2)}, RSS ${(med("cost", "rssMb") / med("sql", "rssMb")).toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
