// Opens the ledger wherever it lives. Each backend is loaded only when used, so a SQLite user never loads `pg`.
import type { Migration } from "./migrations.js";
import type { LedgerStore } from "./schema.js";
import { ledgerUrl, type LedgerLocation } from "./url.js";

export interface OpenOptions {
  /** The migrations to apply (tests pass a prefix to build an older ledger); default: all of them. */
  migrations?: readonly Migration[];
  /** PostgreSQL only: how long to wait for a connection before InfraError (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * Opens (creating and migrating as needed) the ledger at `url` (see ledgerUrl: a `--ledger` value, else
 * SPARKLANE_LEDGER, else the default path). A bad URL or a file that is not a ledger is a UserError (exit 2),
 * an unreachable or refusing database an InfraError (exit 3) that names the URL without its password.
 */
export async function openLedger(
  url?: string | LedgerLocation,
  opts: OpenOptions = {},
): Promise<LedgerStore> {
  const loc = typeof url === "object" ? url : ledgerUrl(url);
  if (loc.backend === "sqlite") {
    const { openSqliteLedger } = await import("./sqlite.js");
    return openSqliteLedger(loc.path, opts);
  }
  const { openPostgresLedger } = await import("./postgres.js");
  return openPostgresLedger(loc.connectionString, loc.display, opts);
}
