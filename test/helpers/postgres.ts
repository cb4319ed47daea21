// Debian's real PostgreSQL for the ledger tests and benchmark: a throw-away cluster in a temp dir, listening on
// 127.0.0.1 (password authentication) and on a unix socket inside that dir, stopped by its pid.
// initdb and postgres refuse to run as root, and tests may run as root (CI containers): then both run as
// `nobody` through setpriv, which execs in place, so the pid we hold is the postmaster's own.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./ports.js";

function findBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], "bin") : undefined;
}

export const PG_BIN = findBin();
/** `test(..., { skip: postgresSkip }, ...)`: false when Debian's PostgreSQL server is installed. */
export const postgresSkip: string | false = PG_BIN
  ? false
  : "Debian's PostgreSQL server is not installed (apt-get install postgresql): the PostgreSQL ledger tests skip";

export interface Postgres {
  port: number;
  /** `postgres://sparklane:PASSWORD@127.0.0.1:PORT/DB` for a database of this cluster. */
  url(db?: string): string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const USER = "sparklane";
const PASSWORD = "ledger-test-pw";

/** As whom initdb and postgres run: ourselves, or `nobody` when we are root. */
function runAs(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = (flag: string) => Number(spawnSync("id", [flag, "nobody"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  return { prefix: ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups"], uid, gid };
}

function run(prefix: string[], cmd: string, args: string[], cwd: string) {
  const argv = [...prefix, cmd, ...args];
  return spawnSync(argv[0], argv.slice(1), { cwd, encoding: "utf8" });
}

/**
 * initdb + postgres on a free port. The port may be taken between choosing and binding it (EADDRINUSE): then postgres exits
 * with "Address already in use" and is started again on another.
 */
export async function startPostgres(opts: { fsync?: boolean } = {}): Promise<Postgres> {
  if (!PG_BIN) throw new Error(postgresSkip as string);
  const dir = mkdtempSync(join(tmpdir(), "sparklane-pg-"));
  const as = runAs();
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, PASSWORD + "\n");
  if (as.uid !== undefined) {
    chownSync(dir, as.uid, as.gid!);
    chownSync(pwfile, as.uid, as.gid!);
  }
  const data = join(dir, "data");
  const init = run(
    as.prefix,
    join(PG_BIN, "initdb"),
    ["-D", data, "-U", USER, `--pwfile=${pwfile}`, "--auth-host=scram-sha-256", "--auth-local=trust"].concat([
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]),
    dir,
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const argv = [
      ...as.prefix,
      join(PG_BIN, "postgres"),
      ...["-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir],
      ...["-c", `fsync=${opts.fsync ? "on" : "off"}`, "-c", "max_connections=50"],
    ];
    const child: ChildProcess = spawn(argv[0], argv.slice(1), {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGINT"); // fast shutdown: roll back clients, checkpoint, exit
        await exited;
      }
    };
    const url = (db = "postgres") => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
    let ready = false;
    for (let i = 0; i < 240 && child.exitCode === null && child.signalCode === null; i++) {
      const c = new pg.Client({ connectionString: url() });
      ready = await c.connect().then(
        () => true,
        () => false,
      );
      await c.end().catch(() => {});
      if (ready) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (ready) {
      let n = 0;
      const cleanup = () => child.kill("SIGKILL");
      process.once("exit", cleanup);
      return {
        port,
        url,
        async createDatabase() {
          const name = `ledger_${++n}`;
          const c = new pg.Client({ connectionString: url() });
          await c.connect();
          await c.query(`CREATE DATABASE ${name}`);
          await c.end();
          return url(name);
        },
        async stop() {
          process.off("exit", cleanup);
          await stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stop();
    if (!/Address already in use/i.test(log) || attempt >= 5) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres did not start: ${log}`);
    }
  }
}
