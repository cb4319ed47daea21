// bench/ledger-record: the exporter's recording path end to end, raw watch objects -> records -> the SQLite
// ledger, through the recorder's batching (1 s or 500 records per transaction, folded by object). The workload
// is the captured event stream of two real runs (test/ledger/fixtures/cluster-events.jsonl: 53 events, each
// run a driver and two executors), repeated with fresh uids and names as 400 runs, delivered as one burst (a
// re-list, or an exporter catching up). Baseline in the same run: the same recorder into a store that drops
// every batch, i.e. the cost of building and joining records alone; the ratio is the price of storing them.
// Compared with the exporter's sustained ~150 ledger events/s (bench/ledger-write.ts explains the figure).
// Run: npm run bench -- ledger-record
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SparkApp } from "../src/kube/apps.js";
import { openLedger, type LedgerStore } from "../src/ledger/index.js";
import type { LedgerNode, LedgerPod } from "../src/ledger/record.js";
import { LedgerRecorder, type EventType } from "../src/ledger/recorder.js";
import { median } from "./stats.js";

const COPIES = 200;
const SUSTAINED = 150;
type Event = { kind: "app" | "pod" | "node"; type: EventType; object: unknown };

const lines = readFileSync(new URL("../test/ledger/fixtures/cluster-events.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n");
const events: Event[] = [];
for (let i = 0; i < COPIES; i++)
  for (const l of lines)
    events.push(
      JSON.parse(
        l
          .replace(/"uid":"([0-9a-f-]{36})"/g, (_m, u: string) => `"uid":"${u}-${i}"`)
          .replace(/visits-distinct-20260315-(\w+)/g, `r${i}-$1`),
      ) as Event,
    );

async function run(store: LedgerStore): Promise<{ ms: number; written: number }> {
  const rec = new LedgerRecorder({ store, source: "exporter" });
  const t0 = process.hrtime.bigint();
  for (const e of events) {
    if (e.kind === "app") rec.app(e.type, e.object as SparkApp);
    else if (e.kind === "pod") rec.pod(e.type, e.object as LedgerPod);
    else rec.node(e.type, e.object as LedgerNode);
  }
  await rec.close();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, written: rec.stats.written };
}

const dropAll = { write: () => Promise.resolve() } as unknown as LedgerStore;
const base: number[] = [];
const real: number[] = [];
let written = 0;
for (let round = 0; round < 5; round++) {
  base.push((await run(dropAll)).ms);
  const dir = mkdtempSync(join(tmpdir(), "sparklane-bench-record-"));
  const store = await openLedger(join(dir, "ledger.db"));
  const r = await run(store);
  real.push(r.ms);
  written = r.written;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
const perSec = (ms: number) => Math.round((events.length / ms) * 1000);
console.log(
  `${events.length} events (${COPIES * 2} runs) -> ${written} records written; median of 5: ` +
    `SQLite ${median(real).toFixed(0)} ms = ${perSec(median(real))} events/s; ` +
    `records only ${median(base).toFixed(0)} ms = ${perSec(median(base))} events/s; ` +
    `ratio ${(median(real) / median(base)).toFixed(2)}; headroom over ${SUSTAINED} events/s: ` +
    `${Math.floor(perSec(median(real)) / SUSTAINED)}x`,
);
