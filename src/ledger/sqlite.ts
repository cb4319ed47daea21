// The embedded ledger: one SQLite file through better-sqlite3 (12.x: 13 crashes on Node 20). WAL lets the
// exporter write while `cost` and `ui` read; busy_timeout makes a second writer wait instead of failing; each
// call is one transaction, so a killed process leaves whole records (test/ledger/crash.test.ts).
// synchronous=NORMAL in WAL mode survives a process crash; a power cut may lose the last commits, never
// consistency, which is the right trade for a record that the next watch event repeats anyway.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { InfraError, UserError } from "../errors.js";
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

const BUSY_TIMEOUT_MS = 10_000;

function upsertSql(t: Table<unknown>): string {
  const cols = t.columns;
  return (
    `INSERT INTO ${t.name} (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")}) ` +
    `ON CONFLICT (${t.key}) DO UPDATE SET ${cols
      .filter((c) => c !== t.key)
      .map((c) => `${c} = excluded.${c}`)
      .join(", ")}`
  );
}

function opened(path: string): Database.Database {
  if (path !== ":memory:") {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new InfraError(
        `cannot create the ledger's directory ${dirname(path)}: ${(e as Error).message}`,
        "set SPARKLANE_LEDGER to a writable path",
      );
    }
  }
  try {
    return new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (e) {
    throw new InfraError(
      `cannot open the ledger ${path}: ${(e as Error).message}`,
      "set SPARKLANE_LEDGER to a writable path",
    );
  }
}

/** Maps SQLite's own failures to the error vocabulary: a file that is not a ledger is the user's to fix. */
function sqliteError(path: string, e: unknown): Error {
  const code = (e as { code?: string }).code ?? "";
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT")
    return new UserError(
      `${path} is not a sparklane ledger (${(e as Error).message})`,
      "point SPARKLANE_LEDGER (--ledger) at a ledger file, or at a new path to start one",
    );
  if (code.startsWith("SQLITE_")) return new InfraError(`ledger ${path}: ${(e as Error).message}`);
  return e as Error;
}

export async function openSqliteLedger(
  path: string,
  opts: { migrations?: readonly Migration[] } = {},
): Promise<LedgerStore> {
  const db = opened(path);
  let version: number;
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    version = await migrateSqlite(db, path, opts.migrations ?? MIGRATIONS);
  } catch (e) {
    db.close();
    throw sqliteError(path, e);
  }
  return new SqliteLedger(db, path, version);
}

/** BEGIN IMMEDIATE takes the write lock first, so a second process opening the same new ledger waits. */
async function migrateSqlite(db: Database.Database, path: string, migrations: readonly Migration[]) {
  const session: MigrationSession = {
    dialect: "sqlite",
    exec: async (sql) => void db.exec(sql),
    appliedVersion: async () =>
      (db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null }).v ?? 0,
    existingTables: async (names) =>
      (
        db
          .prepare(
            `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${names.map(() => "?").join(", ")})`,
          )
          .all(...names) as { name: string }[]
      ).map((r) => r.name),
    recordVersion: async (m, at) =>
      void db
        .prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)")
        .run(m.version, m.name, at),
  };
  // A current ledger opens without the write lock (a reader's file may be read-only).
  if (!(await needsMigration(session, migrations))) return migrate(session, path, migrations);
  db.exec("BEGIN IMMEDIATE");
  try {
    // Every session call is synchronous underneath, so nothing else runs on this connection meanwhile.
    const v = await migrate(session, path, migrations);
    db.exec("COMMIT");
    return v;
  } catch (e) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

/** The store's statements, prepared against the latest schema. */
function statements(db: Database.Database) {
  const prep = <T>(t: Table<T>) => ({
    get: db.prepare(`SELECT * FROM ${t.name} WHERE ${t.key} = ?`),
    upsert: db.prepare(upsertSql(t as Table<unknown>)),
  });
  const st = {
    apps: prep(apps),
    pods: prep(pods),
    nodes: prep(nodes),
  };
  const mergeInto =
    <T>(t: Table<T>, s: { get: Database.Statement; upsert: Database.Statement }, merge: Merge<T>) =>
    (key: string, rec: T) => {
      const row = s.get.get(key) as Row | undefined;
      s.upsert.run(t.toRow(merge(row && t.fromRow(row), rec)));
    };
  const putApp = mergeInto(apps, st.apps, mergeApp);
  const putPod = mergeInto(pods, st.pods, mergePod);
  const putNode = mergeInto(nodes, st.nodes, mergeNode);
  const tx = db.transaction((b: ReturnType<typeof prepareBatch>) => {
    for (const [k, a] of b.apps) putApp(k, a);
    for (const [k, p] of b.pods) putPod(k, p);
    for (const [k, n] of b.nodes) putNode(k, n);
  });
  // IMMEDIATE: take the write lock before reading, so two writers never both read the old row.
  return { ...st, put: (b: Batch) => tx.immediate(prepareBatch(b)) };
}

class SqliteLedger implements LedgerStore {
  readonly backend = "sqlite" as const;
  private prepared?: ReturnType<typeof statements>;
  private readonly cache = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly version: number,
  ) {}

  /** Prepared on first use: a ledger opened at an older version (tests of migrations) has other columns. */
  private get stmts() {
    return (this.prepared ??= statements(this.db));
  }

  private run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(sqliteError(this.path, e));
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
  write(batch: Batch) {
    return this.run(() => this.stmts.put(batch));
  }

  getApp(uid: string) {
    return this.run(() => {
      const row = this.stmts.apps.get.get(uid) as Row | undefined;
      return row && apps.fromRow(row);
    });
  }

  /** Runs a read query built for SQLite; statements are cached by text (a handful of variants). */
  private all(q: (bind: Bind) => string): Row[] {
    const { sql, params } = build("sqlite", q);
    let st = this.cache.get(sql);
    if (!st) this.cache.set(sql, (st = this.db.prepare(sql)));
    return st.all(...params) as Row[];
  }

  listApps(filter: RunFilter = {}) {
    return this.run(() => this.all((bind) => listAppsSql("sqlite", filter, bind)).map(apps.fromRow));
  }

  /**
   * Rows one at a time (better-sqlite3's iterate), as arrays (raw): a window's pods are never all in memory,
   * and no object is made per row only to be read once.
   */
  private each<T>(
    q: (bind: Bind) => string,
    read: (columns: string[]) => (values: unknown[]) => T,
    fn: (record: T) => void,
  ): void {
    const { sql, params } = build("sqlite", q);
    let st = this.cache.get(sql);
    if (!st) this.cache.set(sql, (st = this.db.prepare(sql)));
    st.raw(true);
    const record = read(st.columns().map((c) => c.name));
    for (const values of st.iterate(...params)) fn(record(values as unknown[]));
  }

  async podsInWindow(w: Window) {
    const out = { pods: [] as PodRecord[], apps: [] as AppRecord[] };
    await this.scanWindow(w, { app: (a) => out.apps.push(a), pod: (p) => out.pods.push(p) });
    return out;
  }

  scanWindow<A extends AppField, P extends PodField>(
    w: Window,
    visit: WindowVisitor<Pick<AppRecord, A>, Pick<PodRecord, P>>,
    fields?: WindowFields<A, P>,
  ) {
    const appCols = fields ? apps.select(fields.apps) : "*";
    const podCols = fields ? pods.select(fields.pods) : "*";
    const podJson = sharedJson();
    // One read transaction, so the apps match the pods even while the exporter writes.
    return this.run(
      this.db.transaction(() => {
        this.each(
          (bind) => appsOfPodsInWindowSql("sqlite", w, bind, appCols),
          (cols) => apps.fromValuesWith(JSON.parse, cols),
          (a) => visit.app(a),
        );
        this.each(
          (bind) => podsInWindowSql("sqlite", w, bind, podCols),
          (cols) => pods.fromValuesWith(podJson, cols),
          (p) => visit.pod(p),
        );
      }),
    );
  }

  nodesInWindow(w: Window) {
    return this.run(() => this.all((bind) => nodesInWindowSql("sqlite", w, bind)).map(nodes.fromRow));
  }

  schemaVersion() {
    return Promise.resolve(this.version);
  }

  close() {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
