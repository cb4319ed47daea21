// The ledger's read queries use its indexes rather than scanning every row (SQLite's plans; PostgreSQL
// chooses by statistics, so an empty test database says nothing about its plans).
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../src/ledger/index.js";
import {
  appsOfPodsInWindowSql,
  build,
  listAppsSql,
  nodesInWindowSql,
  podsInWindowSql,
  type Bind,
} from "../../src/ledger/queries.js";

test("no read query scans a whole table", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-ledger-plans-"));
  try {
    const path = join(dir, "ledger.db");
    await (await openLedger(path)).close();
    const db = new Database(path);
    const w = { start: 1, end: 2 };
    const queries: [string, (bind: Bind) => string][] = [
      ["podsInWindow", (b) => podsInWindowSql("sqlite", w, b)],
      ["apps of podsInWindow", (b) => appsOfPodsInWindowSql("sqlite", w, b)],
      ["nodesInWindow", (b) => nodesInWindowSql("sqlite", w, b)],
      ["listApps by dag", (b) => listAppsSql("sqlite", { dag: "d", limit: 10 }, b)],
      ["listApps by module", (b) => listAppsSql("sqlite", { module: "m" }, b)],
      ["listApps by window", (b) => listAppsSql("sqlite", { window: w }, b)],
    ];
    for (const [name, q] of queries) {
      const { sql, params } = build("sqlite", q);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map(
        (r) => r.detail,
      );
      assert.ok(
        plan.some((d) => /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(d)),
        `${name}: ${plan.join("; ")}`,
      );
      assert.ok(!plan.some((d) => /^SCAN (apps|pods|nodes)$/.test(d)), `${name} scans: ${plan.join("; ")}`);
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
