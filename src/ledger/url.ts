// Where the ledger lives: the one resolution of `--ledger`, `SPARKLANE_LEDGER` and the default path.
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { UserError } from "../errors.js";

export type LedgerLocation =
  | { backend: "sqlite"; path: string; display: string }
  | { backend: "postgres"; connectionString: string; display: string };

/** The default embedded ledger: `$XDG_DATA_HOME/sparklane/ledger.db`, else `~/.local/share/sparklane/ledger.db`. */
export function defaultLedgerPath(env: NodeJS.ProcessEnv = process.env): string {
  const data =
    env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : join(homedir(), ".local", "share");
  return join(data, "sparklane", "ledger.db");
}

/** A PostgreSQL URL with its password (in the userinfo or a `password=` parameter) masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    if (u.searchParams.has("password")) u.searchParams.set("password", "***");
    return u.toString();
  } catch {
    // An unparsable URL still must not leak what looks like a password.
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@").replace(/(password=)[^&]*/gi, "$1***");
  }
}

/**
 * Resolves the ledger's location: `url` (a `--ledger` flag) if given, else `SPARKLANE_LEDGER`, else the default
 * path. Accepts `sqlite:PATH` (also `sqlite:///abs/path`), a bare path (relative to the working directory, `~/`
 * expanded) and `postgres://` / `postgresql://` URLs. Anything else is a UserError naming where it came from.
 */
export function ledgerUrl(url?: string, env: NodeJS.ProcessEnv = process.env): LedgerLocation {
  const from = url !== undefined ? "--ledger" : env.SPARKLANE_LEDGER ? "SPARKLANE_LEDGER" : undefined;
  const raw = (url ?? (env.SPARKLANE_LEDGER || undefined))?.trim();
  if (raw === undefined) {
    const path = defaultLedgerPath(env);
    return { backend: "sqlite", path, display: path };
  }
  const bad = (why: string) =>
    new UserError(
      `${from} ${JSON.stringify(redactUrl(raw))}: ${why}`,
      "give a path, sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE",
    );
  if (raw === "") throw bad("empty");
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw bad("not a valid URL");
    }
    if (u.port && !(Number(u.port) > 0 && Number(u.port) < 65536))
      throw bad(`port ${u.port} is out of range`);
    return { backend: "postgres", connectionString: raw, display: redactUrl(raw) };
  }
  let path = raw;
  if (/^sqlite:/i.test(path)) {
    path = path.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw bad(`unknown scheme ${path.slice(0, path.indexOf(":"))}: (the ledger is SQLite or PostgreSQL)`);
  }
  if (path === "") throw bad("no path after sqlite:");
  if (path === "~" || path.startsWith("~/")) path = join(homedir(), path.slice(1));
  if (path !== ":memory:") path = resolve(path);
  return { backend: "sqlite", path, display: path };
}
