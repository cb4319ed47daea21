// The shared ledger on PostgreSQL (`pg`), for a team whose exporter and CLIs write to one place. Same tables,
// same migrations and the same merge as the SQLite backend; what differs is concurrency. Several processes
// write at once, so a write locks the rows it merges (SELECT ... FOR UPDATE, in key order, so two writers
// cannot deadlock), inserts the new ones with ON CONFLICT DO NOTHING, and merges again those another writer
// inserted meanwhile. Each call is one transaction; a killed client's open transaction is rolled back by the
// server.
import pg from "pg";
import { InfraError } from "../errors.js";
import { prepareBatch, type Batch } from "./batch.js";
import { mergeApp, mergeNode, mergePod } from "./merge.js";
import { migrate, MIGRATIONS, needsMigration, type Migration, type MigrationSession } from "./migrations.js";
import {
  appsOfPodsInWindowSql,
  build,
  listAppsSql,
  nodesInWindowSql,
  podsInWindowSql,
  type Bind,
} from "./queries.js";
import { apps, nodes, pods, sharedJson, type Table } from "./rows.js";
import type {
  AppRecord,
  LedgerStore,
  NodeRecord,
  PodRecord,
  RunFilter,
  Window,
  WindowFields,
  WindowVisitor,
  AppField,
  PodField,
} from "./schema.js";

type Row = Record<string, unknown>;
type Merge<T> = (prev: T | undefined, next: T) => T;

/** Any constant: the key of the advisory lock migrations run under ("sparklane ledger"). */
const MIGRATION_LOCK = 0x5b4c_6564;
/** PostgreSQL takes at most 65535 parameters per statement. */
const MAX_PARAMS = 60_000;

/**
 * Connection-level failures (refused, unknown host, timeout, authentication, missing database) and refused
 * privileges are exit 3.
 */
function pgError(display: string, e: unknown): Error {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? "";
  const connection =
    /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code) ||
    /^(08|28|3D|53|57P|42501$)/.test(code) ||
    /timeout|Connection terminated/i.test(err.message ?? "");
  if (!connection) return e as Error;
  return new InfraError(
    `cannot use the ledger database ${display}: ${err.message || code}`,
    "check that PostgreSQL is running and the URL in SPARKLANE_LEDGER (--ledger) is right",
  );
}

export async function openPostgresLedger(
  connectionString: string,
  display: string,
  opts: { migrations?: readonly Migration[]; connectTimeoutMs?: number } = {},
): Promise<LedgerStore> {
  const pool = new pg.Pool({
    connectionString,
    max: 4,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
  });
  // An idle connection that the server drops must not crash the process; the next query reports it.
  pool.on("error", () => {});
  let version: number;
  try {
    const client = await pool.connect();
    try {
      const session: MigrationSession = {
        dialect: "postgres",
        exec: async (sql) => void (await client.query(sql)),
        appliedVersion: async () =>
          Number(
            (await client.query<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_version")).rows[0]
              .v ?? 0,
          ),
        existingTables: async (names) =>
          (
            await client.query<{ table_name: string }>(
              "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
              [names],
            )
          ).rows.map((r) => r.table_name),
        recordVersion: async (m, at) =>
          void (await client.query(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            [m.version, m.name, at],
          )),
      };
      const migrations = opts.migrations ?? MIGRATIONS;
      // A current ledger opens without the lock or any write (a user with SELECT only can read it).
      version = !(await needsMigration(session, migrations))
        ? await migrate(session, display, migrations)
        : await inTransaction(client, "BEGIN", async () => {
            await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
            return migrate(session, display, migrations);
          });
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw pgError(display, e);
  }
  return new PostgresLedger(pool, display, version);
}

async function inTransaction<T>(c: pg.PoolClient, begin: string, fn: () => Promise<T>): Promise<T> {
  await c.query(begin);
  try {
    const out = await fn();
    await c.query("COMMIT");
    return out;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

/** `($1, $2, ...), (...)` for `rows` rows of `width` columns, and the flat parameter list. */
function values(t: Table<unknown>, rows: Row[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${t.columns.map((c) => `$${params.push(row[c])}`).join(", ")})`);
  return { sql: tuples.join(", "), params };
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

async function lockRows<T>(c: pg.PoolClient, t: Table<T>, keys: string[]): Promise<Map<string, T>> {
  const { rows } = await c.query(
    `SELECT * FROM ${t.name} WHERE ${t.key} = ANY($1::text[]) ORDER BY ${t.key} COLLATE "C" FOR UPDATE`,
    [keys],
  );
  return new Map(rows.map((r: Row) => [r[t.key] as string, t.fromRow(r)]));
}

async function mergeRows<T>(c: pg.PoolClient, t: Table<T>, entries: [string, T][], merge: Merge<T>) {
  if (entries.length === 0) return;
  const table = t as Table<unknown>;
  const stored = await lockRows(
    c,
    t,
    entries.map(([k]) => k),
  );
  const fresh = entries.filter(([k]) => !stored.has(k));
  const raced: string[] = [];
  for (const part of chunks(fresh, Math.floor(MAX_PARAMS / t.columns.length))) {
    const v = values(
      table,
      part.map(([, r]) => t.toRow(r)),
    );
    const { rows } = await c.query(
      `INSERT INTO ${t.name} (${t.columns.join(", ")}) VALUES ${v.sql} ON CONFLICT (${t.key}) DO NOTHING RETURNING ${t.key}`,
      v.params,
    );
    const inserted = new Set(rows.map((r: Row) => r[t.key] as string));
    raced.push(...part.filter(([k]) => !inserted.has(k)).map(([k]) => k));
  }
  // Rows another writer inserted between our lock and our insert: lock and merge them like the others.
  if (raced.length) for (const [k, r] of await lockRows(c, t, raced)) stored.set(k, r);
  const merged = entries.filter(([k]) => stored.has(k)).map(([k, r]) => t.toRow(merge(stored.get(k), r)));
  const set = t.columns.filter((col) => col !== t.key).map((col) => `${col} = EXCLUDED.${col}`);
  for (const part of chunks(merged, Math.floor(MAX_PARAMS / t.columns.length))) {
    const v = values(table, part);
    await c.query(
      `INSERT INTO ${t.name} (${t.columns.join(", ")}) VALUES ${v.sql} ON CONFLICT (${t.key}) DO UPDATE SET ${set.join(", ")}`,
      v.params,
    );
  }
}

async function all(c: pg.PoolClient, q: (bind: Bind) => string): Promise<Row[]> {
  const { sql, params } = build("postgres", q);
  return (await c.query<Row>(sql, params)).rows;
}

class PostgresLedger implements LedgerStore {
  readonly backend = "postgres" as const;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly display: string,
    private readonly version: number,
  ) {}

  private async session<T>(begin: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw pgError(this.display, e);
    }
    let broken: Error | undefined;
    try {
      return await inTransaction(client, begin, () => fn(client));
    } catch (e) {
      broken = e as Error;
      throw pgError(this.display, e);
    } finally {
      // A connection that failed mid-transaction is dropped rather than handed to the next caller.
      client.release(broken);
    }
  }

  upsertApp(app: AppRecord) {
    return this.write({ apps: [app] });
  }
  upsertPod(pod: PodRecord) {
    return this.write({ pods: [pod] });
  }
  upsertNode(node: NodeRecord) {
    return this.write({ nodes: [node] });
  }

  async write(batch: Batch) {
    const b = prepareBatch(batch);
    // Locks are taken in key order, but a writer inserting a key another one is about to lock can still
    // meet it in a cycle; PostgreSQL then aborts one of them whole, and that one simply runs again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.session("BEGIN", async (c) => {
          await mergeRows(c, apps, b.apps, mergeApp);
          await mergeRows(c, pods, b.pods, mergePod);
          await mergeRows(c, nodes, b.nodes, mergeNode);
        });
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt >= 5 || (code !== "40P01" && code !== "40001")) throw e;
      }
    }
  }

  private async read<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    // One snapshot for all the statements of a read, so the apps match the pods while others write.
    return this.session("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }

  getApp(uid: string) {
    return this.read(async (c) => {
      const { rows } = await c.query<Row>("SELECT * FROM apps WHERE uid = $1", [uid]);
      return rows.length ? apps.fromRow(rows[0]) : undefined;
    });
  }

  listApps(filter: RunFilter = {}) {
    return this.read(async (c) =>
      (await all(c, (bind) => listAppsSql("postgres", filter, bind))).map(apps.fromRow),
    );
  }

  async podsInWindow(w: Window) {
    const out = { pods: [] as PodRecord[], apps: [] as AppRecord[] };
    await this.scanWindow(w, { app: (a) => out.apps.push(a), pod: (p) => out.pods.push(p) });
    return out;
  }

  /** The rows are fetched whole (pg has no cursor without pg-cursor); the records are made one at a time. */
  scanWindow<A extends AppField, P extends PodField>(
    w: Window,
    visit: WindowVisitor<Pick<AppRecord, A>, Pick<PodRecord, P>>,
    fields?: WindowFields<A, P>,
  ) {
    const appCols = fields ? apps.select(fields.apps) : "*";
    const podCols = fields ? pods.select(fields.pods) : "*";
    const podFromRow = pods.fromRowWith(sharedJson());
    return this.read(async (c) => {
      const appRows = await all(c, (bind) => appsOfPodsInWindowSql("postgres", w, bind, appCols));
      const podRows = await all(c, (bind) => podsInWindowSql("postgres", w, bind, podCols));
      for (const row of appRows) visit.app(apps.fromRow(row));
      for (const row of podRows) visit.pod(podFromRow(row));
    });
  }

  nodesInWindow(w: Window) {
    return this.read(async (c) =>
      (await all(c, (bind) => nodesInWindowSql("postgres", w, bind))).map(nodes.fromRow),
    );
  }

  schemaVersion() {
    return Promise.resolve(this.version);
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
