// bench/ledger-write: the run ledger's write throughput (pod upserts, events per second) on SQLite and on a
// real PostgreSQL (Debian's, started by test/helpers/postgres.ts with fsync on; skipped when not installed),
// against a baseline measured in the same run on the same engine: a plain INSERT of the same rows into a table
// of the same columns, with the same transaction per call. The ratio is the price of the merge (a read, the
// merge, an upsert, schema validation) over a blind append.
//   per-event   one upsertPod per watch event, one transaction each (what a naive recorder does)
//   batched     write({ pods }) of 100 events per transaction (an exporter batching its event bursts)
// The workload is the exporter's: 500 applications, each a driver and 4 executors with 5 watch events per pod
// (created, scheduled, started, finished, deleted), 12,500 pod events, runs interleaved. The exporter's own
// benchmark drives 20 application state changes a second; with ~7 pod events per application event that is
// ~150 ledger events/s sustained, which is what the headroom figure compares with.
// Run: npm run bench -- ledger-write   (BENCH_EVENTS=N to change the per-event sample size)
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openLedger, type PodRecord } from "../src/ledger/index.js";
import { pods as podTable } from "../src/ledger/rows.js";
import { runEvents } from "../test/helpers/ledger-records.js";
import { postgresSkip, startPostgres } from "../test/helpers/postgres.js";
import { median } from "./stats.js";

const APPS = 500;
const EXECUTORS = 4;
const BATCH = 100;
const SUSTAINED = 150;
const perEventSample = Number(process.env.BENCH_EVENTS ?? 2500);

/** Pod events of all runs, interleaved as a watch stream of overlapping runs would deliver them. */
function workload(): PodRecord[] {
  const perRun = Array.from({ length: APPS }, (_, i) => runEvents(i, EXECUTORS).pods);
  const out: PodRecord[] = [];
  for (let k = 0; k < perRun[0].length; k++) for (const r of perRun) out.push(r[k]);
  return out;
}

const cols = podTable.columns;
const plainTable = `CREATE TABLE plain_pods (${cols.map((c) => `${c} ${/^(uid|app_uid|namespace|name|role|node|node_info)$/.test(c) ? "TEXT" : "DOUBLE PRECISION"}`).join(", ")})`;

interface Engine {
  name: string;
  /** A fresh ledger URL. */
  fresh(): Promise<string>;
  /** Plain inserts of `rows`, `per` rows per transaction, into a fresh table of the ledger at `url`. */
  plain(url: string, rows: Record<string, unknown>[], per: number): Promise<number>;
  stop(): Promise<void>;
}

function sqliteEngine(): Engine {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-bench-ledger-"));
  let n = 0;
  return {
    name: "sqlite",
    fresh: async () => `sqlite:${join(dir, `l${++n}.db`)}`,
    async plain(url, rows, per) {
      const db = new Database(url.slice("sqlite:".length));
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.exec(plainTable);
      const ins = db.prepare(
        `INSERT INTO plain_pods (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})`,
      );
      const tx = db.transaction((rs: Record<string, unknown>[]) => rs.forEach((r) => ins.run(r)));
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < rows.length; i += per) tx.immediate(rows.slice(i, i + per));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      db.close();
      return ms;
    },
    stop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresEngine(): Promise<Engine> {
  const server = await startPostgres({ fsync: true });
  return {
    name: "postgres",
    fresh: () => server.createDatabase(),
    async plain(url, rows, per) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(plainTable);
      // A batch is one multi-row INSERT (the fastest plain append, and what the ledger's upsert also does).
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < rows.length; i += per) {
        const part = rows.slice(i, i + per);
        const params: unknown[] = [];
        const tuples = part.map((r) => `(${cols.map((k) => `$${params.push(r[k])}`).join(", ")})`);
        await c.query(`INSERT INTO plain_pods (${cols.join(", ")}) VALUES ${tuples.join(", ")}`, params);
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      await c.end();
      return ms;
    },
    stop: () => server.stop(),
  };
}

async function ledgerMs(url: string, events: PodRecord[], per: number): Promise<number> {
  const s = await openLedger(url);
  const t0 = process.hrtime.bigint();
  if (per === 1) for (const e of events) await s.upsertPod(e);
  else for (let i = 0; i < events.length; i += per) await s.write({ pods: events.slice(i, i + per) });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await s.close();
  return ms;
}

const events = workload();
const rows = events.map(podTable.toRow);
const engines: Engine[] = [sqliteEngine()];
if (postgresSkip) console.log(`postgres: skipped (${postgresSkip})`);
else engines.push(await postgresEngine());

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
try {
  for (const e of engines) {
    for (const [mode, per, count] of [
      ["per-event", 1, perEventSample],
      ["batched", BATCH, events.length],
    ] as const) {
      const sample = events.slice(0, count);
      const sampleRows = rows.slice(0, count);
      const ledger: number[] = [];
      const plain: number[] = [];
      // Interleaved repetitions on fresh databases, so load on the machine hits both sides alike.
      for (let rep = 0; rep < 3; rep++) {
        plain.push(await e.plain(await e.fresh(), sampleRows, per));
        ledger.push(await ledgerMs(await e.fresh(), sample, per));
      }
      const l = median(ledger);
      const p = median(plain);
      const rate = (count / l) * 1000;
      console.log(
        `${e.name.padEnd(8)} ${mode.padEnd(9)} ${fmt(count)} pod events: ledger ${fmt(rate)} events/s, ` +
          `plain INSERT ${fmt((count / p) * 1000)} events/s, ratio ${(l / p).toFixed(2)} (time, ledger/plain); ` +
          `headroom ${fmt(rate / SUSTAINED)}x over ~${SUSTAINED} events/s, ` +
          `a ${fmt(events.length)}-event burst (${APPS} applications) in ${(events.length / rate).toFixed(1)} s`,
      );
    }
  }
} finally {
  for (const e of engines) await e.stop();
}
