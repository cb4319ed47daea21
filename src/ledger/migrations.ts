// The ledger's schema, as one ordered list of migrations shared by both backends. Statements are written in
// the subset of SQL that SQLite and PostgreSQL both accept (TEXT, DOUBLE PRECISION, CREATE ... IF NOT
// EXISTS); a migration that needs a dialect's own syntax (JSON access for a backfill) gives one list per
// dialect. Numbers are DOUBLE PRECISION everywhere: a double holds epoch milliseconds exactly, and the schema
// allows fractional values a BIGINT column would refuse. Labels, attribution and node info are JSON text.
//
// The version lives in the `schema_version` table (one row per applied migration) in both backends. A backend
// runs `migrate` inside one transaction that first takes its lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
// transaction-scoped advisory lock), so two processes opening a fresh ledger at once apply each migration once.
// Migrations are append-only: never edit one that has shipped, add the next.
import { UserError } from "../errors.js";

export type Dialect = "sqlite" | "postgres";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: readonly string[] | Readonly<Record<Dialect, readonly string[]>>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "apps, pods and nodes",
    sql: [
      `CREATE TABLE apps (
        uid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        labels TEXT NOT NULL,
        attribution TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        submitted_at DOUBLE PRECISION,
        running_at DOUBLE PRECISION,
        terminated_at DOUBLE PRECISION,
        state TEXT,
        outcome TEXT,
        start_latency_seconds DOUBLE PRECISION,
        observed_at DOUBLE PRECISION NOT NULL
      )`,
      `CREATE INDEX apps_created_at ON apps (created_at)`,
      `CREATE TABLE pods (
        uid TEXT PRIMARY KEY,
        app_uid TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        node TEXT,
        node_info TEXT NOT NULL,
        cpu_cores DOUBLE PRECISION NOT NULL,
        memory_bytes DOUBLE PRECISION NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        scheduled_at DOUBLE PRECISION,
        main_started_at DOUBLE PRECISION,
        main_finished_at DOUBLE PRECISION,
        deleted_at DOUBLE PRECISION,
        observed_at DOUBLE PRECISION NOT NULL,
        span_start DOUBLE PRECISION NOT NULL,
        span_end DOUBLE PRECISION
      )`,
      // podsInWindow reads two ranges of this index: ended after the window's start, and still open (NULL).
      `CREATE INDEX pods_span ON pods (span_end, span_start)`,
      `CREATE TABLE nodes (
        name TEXT PRIMARY KEY,
        info TEXT NOT NULL,
        cpu_cores DOUBLE PRECISION NOT NULL,
        memory_bytes DOUBLE PRECISION NOT NULL,
        first_seen_at DOUBLE PRECISION NOT NULL,
        last_seen_at DOUBLE PRECISION NOT NULL,
        deleted_at DOUBLE PRECISION
      )`,
      `CREATE INDEX nodes_first_seen_at ON nodes (first_seen_at)`,
      `CREATE INDEX nodes_deleted_at ON nodes (deleted_at)`,
    ],
  },
  {
    version: 2,
    name: "dag and module columns for listApps filters",
    sql: {
      sqlite: [
        `ALTER TABLE apps ADD COLUMN dag TEXT`,
        `ALTER TABLE apps ADD COLUMN module TEXT`,
        `UPDATE apps SET dag = json_extract(attribution, '$.dag'), module = json_extract(attribution, '$.module')`,
        `CREATE INDEX apps_dag ON apps (dag, created_at)`,
        `CREATE INDEX apps_module ON apps (module, created_at)`,
      ],
      postgres: [
        `ALTER TABLE apps ADD COLUMN dag TEXT`,
        `ALTER TABLE apps ADD COLUMN module TEXT`,
        `UPDATE apps SET dag = attribution::json->>'dag', module = attribution::json->>'module'`,
        `CREATE INDEX apps_dag ON apps (dag, created_at)`,
        `CREATE INDEX apps_module ON apps (module, created_at)`,
      ],
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** What `migrate` needs from a backend's connection. */
export interface MigrationSession {
  readonly dialect: Dialect;
  exec(sql: string): Promise<void>;
  /** The highest version recorded in schema_version (which exists), 0 without rows. */
  appliedVersion(): Promise<number>;
  recordVersion(m: Migration, at: number): Promise<void>;
  /** Which of these tables exist (in the current schema). */
  existingTables(names: readonly string[]): Promise<string[]>;
}

export const VERSION_TABLE = `CREATE TABLE schema_version (
  version DOUBLE PRECISION PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at DOUBLE PRECISION NOT NULL
)`;

const latestOf = (migrations: readonly Migration[]) =>
  migrations.length ? migrations[migrations.length - 1].version : 0;

async function versionOf(s: MigrationSession): Promise<number> {
  return (await s.existingTables(["schema_version"])).length ? s.appliedVersion() : 0;
}

/**
 * Whether the ledger needs migrating, checked without locks or writes, so that a current ledger opens
 * for a reader that may not write (a read-only file, a PostgreSQL user with SELECT only). The answer is
 * checked again under the lock by `migrate`.
 */
export async function needsMigration(s: MigrationSession, migrations: readonly Migration[] = MIGRATIONS) {
  return (await versionOf(s)) < latestOf(migrations);
}

/**
 * Applies every pending migration in order and returns the version; refuses a ledger newer than this code.
 * Runs inside the backend's locked transaction when it has anything to apply.
 */
export async function migrate(
  s: MigrationSession,
  where: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  const have = await versionOf(s);
  const latest = latestOf(migrations);
  if (have > latest)
    throw new UserError(
      `the ledger ${where} has schema version ${have}, newer than this sparklane knows (${latest})`,
      "upgrade sparklane, or point SPARKLANE_LEDGER (--ledger) at another ledger",
    );
  if (have === latest) return have;
  // Tables of ours without a version: someone else's database (or schema), which we must not write into.
  const foreign = have === 0 ? await s.existingTables(["apps", "pods", "nodes"]) : [];
  if (foreign.length)
    throw new UserError(
      `${where} is not a sparklane ledger: it has table ${foreign.join(", ")} but no sparklane schema version`,
      "point SPARKLANE_LEDGER (--ledger) at a new path or an empty database (or schema, with ?options=-c search_path=...)",
    );
  if ((await s.existingTables(["schema_version"])).length === 0) await s.exec(VERSION_TABLE);
  for (const m of migrations) {
    if (m.version <= have) continue;
    const statements = Array.isArray(m.sql)
      ? (m.sql as readonly string[])
      : (m.sql as Record<Dialect, readonly string[]>)[s.dialect];
    for (const sql of statements) await s.exec(sql);
    await s.recordVersion(m, Date.now());
  }
  return latest;
}
