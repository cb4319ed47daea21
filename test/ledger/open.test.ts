// Where the ledger lives (ledgerUrl) and what opening a bad one says: a bad URL or a file that is not a
// ledger is exit 2; a database that cannot be reached or refuses us is exit 3, named without its password.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode, InfraError, UserError } from "../../src/errors.js";
import { ledgerUrl, openLedger } from "../../src/ledger/index.js";
import pgClient from "pg";
import { app } from "../helpers/ledger-records.js";
import { postgresSkip, startPostgres, type Postgres } from "../helpers/postgres.js";

const sqlite = (path: string) => ({ backend: "sqlite", path, display: path });

test("ledgerUrl: flag, then SPARKLANE_LEDGER, then the XDG data directory", () => {
  const cases: [string | undefined, NodeJS.ProcessEnv, object][] = [
    [undefined, {}, sqlite(join(homedir(), ".local/share/sparklane/ledger.db"))],
    [undefined, { XDG_DATA_HOME: "/data" }, sqlite("/data/sparklane/ledger.db")],
    // The XDG spec: a relative XDG_DATA_HOME is invalid and ignored.
    [undefined, { XDG_DATA_HOME: "data" }, sqlite(join(homedir(), ".local/share/sparklane/ledger.db"))],
    [undefined, { SPARKLANE_LEDGER: "" }, sqlite(join(homedir(), ".local/share/sparklane/ledger.db"))],
    [undefined, { SPARKLANE_LEDGER: "/srv/ledger.db", XDG_DATA_HOME: "/data" }, sqlite("/srv/ledger.db")],
    ["/flag.db", { SPARKLANE_LEDGER: "/srv/ledger.db" }, sqlite("/flag.db")],
    ["sqlite:/a/b.db", {}, sqlite("/a/b.db")],
    ["sqlite:///a/b.db", {}, sqlite("/a/b.db")],
    ["sqlite:rel/b.db", {}, sqlite(resolve("rel/b.db"))],
    ["rel.db", {}, sqlite(resolve("rel.db"))],
    ["~/l.db", {}, sqlite(join(homedir(), "l.db"))],
    ["sqlite::memory:", {}, sqlite(":memory:")],
    [
      "postgres://team:s3cret@db.internal:5432/ledger",
      {},
      {
        backend: "postgres",
        connectionString: "postgres://team:s3cret@db.internal:5432/ledger",
        display: "postgres://team:***@db.internal:5432/ledger",
      },
    ],
    [
      undefined,
      { SPARKLANE_LEDGER: "postgresql://db/ledger?password=s3cret" },
      {
        backend: "postgres",
        connectionString: "postgresql://db/ledger?password=s3cret",
        display: "postgresql://db/ledger?password=***",
      },
    ],
  ];
  for (const [url, env, want] of cases)
    assert.deepEqual(ledgerUrl(url, env), want, `${url} ${JSON.stringify(env)}`);
});

test("ledgerUrl: a bad URL is a UserError naming its source, without the password", () => {
  const cases: [string | undefined, NodeJS.ProcessEnv, RegExp][] = [
    ["mysql://u:s3cret@h/db", {}, /^--ledger "mysql:\/\/u:\*\*\*@h\/db": unknown scheme mysql/],
    [undefined, { SPARKLANE_LEDGER: "http://h/x" }, /^SPARKLANE_LEDGER "http:\/\/h\/x": unknown scheme http/],
    ["sqlite:", {}, /no path after sqlite:/],
    ["  ", {}, /empty/],
    ["postgres://u:s3cret@h:99999/db", {}, /not a valid URL|out of range/],
    ["postgres://u:s3cret@[h/db", {}, /not a valid URL/],
  ];
  for (const [url, env, re] of cases)
    assert.throws(
      () => ledgerUrl(url, env),
      (e: Error) =>
        e instanceof UserError &&
        e.exitCode === ExitCode.badInput &&
        re.test(e.message) &&
        !e.message.includes("s3cret") &&
        /postgres:\/\//.test(e.hint ?? ""),
      `${url}`,
    );
});

describe("opening a bad ledger", () => {
  let dir = "";
  before(() => void (dir = mkdtempSync(join(tmpdir(), "sparklane-ledger-open-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a file that is not a ledger is a UserError naming it", async () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "these are not the records you are looking for\n".repeat(200));
    await assert.rejects(
      openLedger(path),
      (e: Error) =>
        e instanceof UserError && e.message.includes(path) && /not a sparklane ledger/.test(e.message),
    );
  });

  test("a path whose directory cannot be created is an InfraError naming it", async () => {
    writeFileSync(join(dir, "file"), "");
    await assert.rejects(
      openLedger(join(dir, "file", "ledger.db")),
      (e: Error) =>
        e instanceof InfraError &&
        e.exitCode === ExitCode.unreachable &&
        e.message.includes(join(dir, "file")),
    );
  });

  test("an unreachable PostgreSQL is an InfraError naming the URL without its password", async () => {
    // Nothing listens on port 1 of the loopback: the connection is refused at once.
    await assert.rejects(
      openLedger("postgres://team:s3cret@127.0.0.1:1/ledger"),
      (e: Error) =>
        e instanceof InfraError &&
        e.exitCode === ExitCode.unreachable &&
        e.message.includes("postgres://team:***@127.0.0.1:1/ledger") &&
        !`${e.message} ${e.hint}`.includes("s3cret"),
    );
  });
});

describe("opening a PostgreSQL ledger that refuses us", { skip: postgresSkip }, () => {
  let pg: Postgres;
  before(async () => void (pg = await startPostgres()));
  after(() => pg.stop());

  test("a wrong password is an InfraError without the password", async () => {
    const url = pg.url().replace(/:[^:@]*@/, ":wrong-pw@");
    await assert.rejects(
      openLedger(url),
      (e: Error) =>
        e instanceof InfraError &&
        /password authentication failed/.test(e.message) &&
        !e.message.includes("wrong-pw"),
    );
  });

  test("a reader with SELECT only opens a current ledger and reads it; its writes are refused (exit 3)", async () => {
    const url = await pg.createDatabase();
    const owner = await openLedger(url);
    await owner.upsertApp(app("a1"));
    await owner.close();
    const admin = new pgClient.Client({ connectionString: url });
    await admin.connect();
    await admin.query("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'");
    await admin.query("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader");
    await admin.end();
    const reader = await openLedger(url.replace(/\/\/[^@]*@/, "//reader:reader-pw@"));
    try {
      assert.deepEqual(
        (await reader.listApps()).map((a) => a.uid),
        ["a1"],
      );
      await assert.rejects(
        reader.upsertApp(app("a2")),
        (e: Error) =>
          e instanceof InfraError && /permission denied/.test(e.message) && !e.message.includes("reader-pw"),
      );
    } finally {
      await reader.close();
    }
  });

  test("a database that does not exist is an InfraError naming it", async () => {
    await assert.rejects(
      openLedger(pg.url("nope")),
      (e: Error) => e instanceof InfraError && /database "nope" does not exist/.test(e.message),
    );
  });
});
