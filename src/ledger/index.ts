// The run ledger: every run sparklane sees, in SQLite by default or a shared PostgreSQL (docs/ledger.md).
export * from "./schema.js";
export { openLedger, type OpenOptions } from "./open.js";
export { ledgerUrl, defaultLedgerPath, redactUrl, type LedgerLocation } from "./url.js";
export { mergeApp, mergePod, mergeNode, podSpan } from "./merge.js";
export { MIGRATIONS, LATEST_VERSION, type Migration } from "./migrations.js";
