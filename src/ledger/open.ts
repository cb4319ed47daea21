// Opens the ledger wherever it lives. Each backend is loaded only when used, so a SQLite user never loads `pg`.
import { existsSync } from "node:fs";
import { UserError } from "../errors.js";
import type { Migration } from "./migrations.js";
import type { LedgerStore } from "./schema.js";
import { ledgerUrl, type LedgerLocation } from "./url.js";

export interface OpenOptions {
  /** The migrations to apply (tests pass a prefix to build an older ledger); default: all of them. */
  migrations?: readonly Migration[];
  /** PostgreSQL only: how long to wait for a connection before InfraError (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * SQLite only: refuse (exit 2) a file that does not exist rather than start a new ledger there. For readers:
   * a mistyped path must not read as an empty, zero-cost ledger.
   */
  mustExist?: boolean;
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
    if (opts.mustExist && loc.path !== ":memory:" && !existsSync(loc.path))
      throw new UserError(
        `no run ledger at ${loc.path}`,
        "runs are recorded there by `submit --wait`, `run --local` and `exporter --ledger`; pass --ledger (or set SPARKLANE_LEDGER) if the ledger is elsewhere",
      );
    const { openSqliteLedger } = await import("./sqlite.js");
    return openSqliteLedger(loc.path, opts);
  }
  const { openPostgresLedger } = await import("./postgres.js");
  return openPostgresLedger(loc.connectionString, loc.display, opts);
}
