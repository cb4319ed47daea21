// The two ledger backends as the parameterised suites see them: a fresh ledger URL per test, and raw SQL on
// it (to build older schemas and inspect tables behind the store's back).
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { postgresSkip, startPostgres, type Postgres } from "../helpers/postgres.js";

export interface Backend {
  name: "sqlite" | "postgres";
  skip: string | false;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A URL for a new, empty ledger. */
  fresh(): Promise<string>;
  /** Runs one statement on the ledger at `url` and returns its rows. */
  sql(url: string, text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** The column names of a table, in order. */
  columns(url: string, table: string): Promise<string[]>;
}

function sqliteBackend(): Backend {
  let dir = "";
  let n = 0;
  const sql = async (url: string, text: string, params: unknown[] = []) => {
    const db = new Database(url.replace(/^sqlite:/, ""));
    try {
      const st = db.prepare(text);
      return st.reader ? (st.all(...params) as Record<string, unknown>[]) : (st.run(...params), []);
    } finally {
      db.close();
    }
  };
  return {
    name: "sqlite",
    skip: false,
    async start() {
      dir = mkdtempSync(join(tmpdir(), "sparklane-ledger-"));
    },
    async stop() {
      rmSync(dir, { recursive: true, force: true });
    },
    async fresh() {
      return `sqlite:${join(dir, `ledger-${++n}.db`)}`;
    },
    sql,
    async columns(url, table) {
      return (await sql(url, `PRAGMA table_info(${table})`)).map((r) => r.name as string);
    },
  };
}

function postgresBackend(): Backend {
  let server: Postgres | undefined;
  const sql = async (url: string, text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    name: "postgres",
    skip: postgresSkip,
    async start() {
      server = await startPostgres();
    },
    async stop() {
      await server?.stop();
    },
    fresh: () => server!.createDatabase(),
    sql,
    async columns(url, table) {
      const rows = await sql(
        url,
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
        [table],
      );
      return rows.map((r) => r.column_name as string);
    },
  };
}

export const backends: Backend[] = [sqliteBackend(), postgresBackend()];
