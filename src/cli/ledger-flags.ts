// `--ledger URL` / `--no-ledger` for the commands that record runs (submit, run --local, exporter). Recording
// never fails a run: a ledger that cannot be opened or written is a warning on stderr. A malformed `--ledger`
// value is still bad input (exit 2), found before anything runs.
import type { Command } from "commander";
import type { LedgerRecorder } from "../ledger/recorder.js";
import type { LedgerStore, RunSource } from "../ledger/schema.js";

export interface LedgerFlags {
  /** A URL or path; false with --no-ledger; undefined: SPARKLANE_LEDGER, else the default SQLite file. */
  ledger?: string | false;
}

export function addLedgerFlags(cmd: Command, what: string): Command {
  return cmd
    .option(
      "--ledger <url>",
      `record ${what} in this run ledger: a SQLite path (sqlite:PATH) or postgres://... (default: $SPARKLANE_LEDGER, else ~/.local/share/sparklane/ledger.db)`,
    )
    .option("--no-ledger", `do not record ${what} in the run ledger`);
}

/** A malformed --ledger value is bad input even when this invocation records nothing (submit without --wait). */
export async function checkLedgerFlag(flags: LedgerFlags): Promise<void> {
  if (typeof flags.ledger !== "string") return;
  const { ledgerUrl } = await import("../ledger/url.js");
  ledgerUrl(flags.ledger);
}

export interface OpenedRecorder {
  recorder: LedgerRecorder;
  store: LedgerStore;
  /** Writes what is left and closes the store; never throws. */
  close(): Promise<void>;
}

/**
 * The recorder for a command, or undefined with --no-ledger or when the ledger cannot be opened (then `warn`
 * says why). Throws only a UserError for a malformed --ledger value, before anything has run.
 */
export async function openRecorder(
  flags: LedgerFlags,
  source: RunSource,
  warn: (msg: string) => void,
): Promise<OpenedRecorder | undefined> {
  if (flags.ledger === false) return undefined;
  const { ledgerUrl } = await import("../ledger/url.js");
  const loc = ledgerUrl(flags.ledger);
  let store: LedgerStore;
  try {
    const { openLedger } = await import("../ledger/open.js");
    store = await openLedger(loc);
  } catch (err) {
    warn(`run ledger ${loc.display}: not recording this run (${(err as Error).message})`);
    return undefined;
  }
  const { LedgerRecorder } = await import("../ledger/recorder.js");
  const recorder = new LedgerRecorder({ store, source, onLog: (m) => warn(m), flushMs: 500 });
  return {
    recorder,
    store,
    async close() {
      await recorder.close();
      await store
        .close()
        .catch((err: unknown) => warn(`run ledger ${loc.display}: ${(err as Error).message}`));
    },
  };
}
