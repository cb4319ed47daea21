// One behavioural suite for the ledger store, run against both backends: embedded SQLite and a real
// PostgreSQL (Debian's, started in a temp dir by test/helpers/postgres.ts; skipped when not installed).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { InternalError, UserError } from "../../src/errors.js";
import {
  LATEST_VERSION,
  MIGRATIONS,
  mergeApp,
  mergePod,
  openLedger,
  type AppRecord,
  type LedgerStore,
  type PodRecord,
} from "../../src/ledger/index.js";
import { apps as appTable, nodes as nodeTable, pods as podTable } from "../../src/ledger/rows.js";
import { app, node, pod, runEvents, T0 } from "../helpers/ledger-records.js";
import { backends } from "./backends.js";

/** A deterministic shuffle (the test must fail the same way twice). */
function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const full: { app: AppRecord; pod: PodRecord } = {
  app: app("full", {
    source: "submit",
    submittedAt: T0 + 1,
    runningAt: T0 + 2,
    terminatedAt: T0 + 3,
    state: "COMPLETED",
    outcome: "completed",
    startLatencySeconds: 1.25,
    attribution: {
      dag: "visits",
      task: "t",
      executionDate: "2026-11-30",
      module: "m",
      variant: "standard",
      runId: "scheduled__2026-11-30T00:00:00+00:00",
      tryNumber: 2,
    },
    labels: { "airflow-dag-id": "visits", "sparklane-variant": "standard", "a.b/c": "é ✓" },
  }),
  pod: pod("full-driver", {
    appUid: "full",
    role: "driver",
    node: "ip-10-0-0-1",
    nodeInfo: { instanceType: "m6i.2xlarge", capacityType: "spot", zone: "eu-west-1a" },
    cpuCores: 6.5,
    memoryBytes: 24 * 2 ** 30 + 0.5,
    scheduledAt: T0 + 1,
    mainStartedAt: T0 + 2,
    mainFinishedAt: T0 + 3,
    deletedAt: T0 + 4,
  }),
};

for (const b of backends) {
  describe(`ledger on ${b.name}`, { skip: b.skip }, () => {
    const open: LedgerStore[] = [];
    const ledger = async (url?: string, migrations = MIGRATIONS) => {
      const s = await openLedger(url ?? (await b.fresh()), { migrations });
      open.push(s);
      return s;
    };
    before(() => b.start());
    after(async () => {
      for (const s of open) await s.close();
      await b.stop();
    });

    test("a new ledger is migrated to the latest version, one column per schema field", async () => {
      const url = await b.fresh();
      const s = await ledger(url);
      assert.equal(await s.schemaVersion(), LATEST_VERSION);
      for (const t of [appTable, podTable, nodeTable])
        assert.deepEqual(await b.columns(url, t.name), t.columns);
      const versions = await b.sql(url, "SELECT version FROM schema_version ORDER BY version");
      assert.deepEqual(
        versions.map((r) => Number(r.version)),
        MIGRATIONS.map((m) => m.version),
      );
    });

    test("re-opening a current ledger applies nothing and keeps the data", async () => {
      const url = await b.fresh();
      const s1 = await ledger(url);
      await s1.upsertApp(full.app);
      await s1.close();
      const s2 = await ledger(url);
      assert.equal(await s2.schemaVersion(), LATEST_VERSION);
      assert.equal((await b.sql(url, "SELECT version FROM schema_version")).length, MIGRATIONS.length);
      assert.deepEqual(await s2.getApp("full"), full.app);
    });

    test("a version 1 ledger is migrated to 2: the filter columns are backfilled from its rows", async () => {
      const url = await b.fresh();
      const v1 = await ledger(url, MIGRATIONS.slice(0, 1));
      assert.equal(await v1.schemaVersion(), 1);
      await v1.close();
      assert.ok(!(await b.columns(url, "apps")).includes("dag"));
      // A row as version 1 wrote it (the v1 store wrote exactly these columns).
      const row = appTable.toRow(full.app);
      delete row.dag;
      delete row.module;
      const cols = Object.keys(row);
      const marks = cols.map((_, i) => (b.name === "postgres" ? `$${i + 1}` : "?"));
      await b.sql(
        url,
        `INSERT INTO apps (${cols.join(", ")}) VALUES (${marks.join(", ")})`,
        Object.values(row),
      );
      const v2 = await ledger(url);
      assert.equal(await v2.schemaVersion(), 2);
      assert.deepEqual(await v2.listApps({ dag: "visits", module: "m" }), [full.app]);
      assert.deepEqual(await v2.listApps({ dag: "other" }), []);
    });

    test("a ledger newer than this sparklane is refused with a UserError naming both versions", async () => {
      const url = await b.fresh();
      await (await ledger(url)).close();
      await b.sql(url, "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 0)");
      await assert.rejects(
        openLedger(url),
        (e: Error) =>
          e instanceof UserError &&
          /schema version 99, newer than this sparklane knows \(2\)/.test(e.message) &&
          !e.message.includes("ledger-test-pw"),
      );
    });

    test("a database with a table of the same name but no ledger version is refused, untouched", async () => {
      const url = await b.fresh();
      await b.sql(url, "CREATE TABLE apps (id TEXT)");
      await assert.rejects(
        openLedger(url),
        (e: Error) =>
          e instanceof UserError && /is not a sparklane ledger: it has table apps/.test(e.message),
      );
      assert.deepEqual(await b.columns(url, "apps"), ["id"]);
      assert.deepEqual(await b.columns(url, "schema_version"), []);
    });

    test("every field is stored and read back as written", async () => {
      const s = await ledger();
      const n = node("ip-10-0-0-1", { deletedAt: T0 + 9, lastSeenAt: T0 + 9 });
      await s.write({ apps: [full.app], pods: [full.pod], nodes: [n] });
      assert.deepEqual(await s.getApp("full"), full.app);
      assert.deepEqual(await s.podsInWindow({ start: T0, end: T0 + 10 }), {
        pods: [full.pod],
        apps: [full.app],
      });
      assert.deepEqual(await s.nodesInWindow({ start: T0, end: T0 + 10 }), [n]);
      assert.equal(await s.getApp("missing"), undefined);
    });

    test("replayed watch events, shuffled and repeated, give the record their ordered fold gives", async () => {
      const s = await ledger();
      const runs = [0, 1, 2].map((i) => runEvents(i, 3));
      const events = runs.flatMap((r) => [...r.apps.map((a) => ({ a })), ...r.pods.map((p) => ({ p }))]);
      for (const e of shuffle([...events, ...events], 7)) {
        if ("a" in e) await s.upsertApp(e.a);
        else await s.upsertPod(e.p);
      }
      const { pods, apps } = await s.podsInWindow({ start: 0, end: T0 + 10 * 3600_000 });
      assert.equal(apps.length, 3);
      assert.equal(pods.length, 12);
      for (const r of runs) {
        const want = r.apps.reduce<AppRecord | undefined>(mergeApp, undefined)!;
        assert.deepEqual(await s.getApp(want.uid), want);
        assert.equal(want.state, "COMPLETED");
        assert.equal(want.startLatencySeconds, 29);
      }
      const byUid = new Map(pods.map((p) => [p.uid, p]));
      for (const r of runs)
        for (const uid of new Set(r.pods.map((p) => p.uid))) {
          const want = r.pods
            .filter((p) => p.uid === uid)
            .reduce<PodRecord | undefined>(mergePod, undefined)!;
          assert.deepEqual(byUid.get(uid), want);
          // Nothing a poorer event (the DELETED one, without node or statuses) could have erased is missing.
          assert.ok(
            want.node && want.scheduledAt && want.mainStartedAt && want.mainFinishedAt && want.deletedAt,
          );
        }
    });

    test("a batch with repeated keys equals writing its records one by one", async () => {
      const [one, many] = [await ledger(), await ledger()];
      const { apps, pods } = runEvents(5, 2);
      const order = shuffle([...apps.map((a) => ({ a })), ...pods.map((p) => ({ p }))], 3);
      await many.write({
        apps: order.flatMap((e) => ("a" in e ? [e.a] : [])),
        pods: order.flatMap((e) => ("p" in e ? [e.p] : [])),
      });
      for (const e of order) await ("a" in e ? one.upsertApp(e.a) : one.upsertPod(e.p));
      const w = { start: 0, end: T0 + 3600_000 };
      assert.deepEqual(await many.podsInWindow(w), await one.podsInWindow(w));
    });

    test("concurrent writers of the same records lose nothing", async () => {
      const url = await b.fresh();
      const [s1, s2] = [await ledger(url), await ledger(url)];
      const runs = [0, 1, 2, 3].map((i) => runEvents(i, 2));
      const pods = runs.flatMap((r) => r.pods);
      const half = (xs: PodRecord[], seed: number) => shuffle(xs, seed);
      await Promise.all([
        ...half(pods, 1).map((p) => s1.upsertPod(p)),
        ...half(pods, 2).map((p) => s2.write({ pods: [p, p] })),
      ]);
      const got = (await s1.podsInWindow({ start: 0, end: T0 + 3600_000 })).pods;
      assert.equal(got.length, 12);
      for (const p of got) {
        const want = pods.filter((q) => q.uid === p.uid).reduce<PodRecord | undefined>(mergePod, undefined)!;
        assert.deepEqual(p, want);
      }
    });

    test("listApps filters by dag, module and creation window, newest first, up to a limit", async () => {
      const s = await ledger();
      const mk = (uid: string, createdAt: number, dag: string, module: string) =>
        app(uid, { createdAt, observedAt: createdAt, attribution: { dag, module } });
      await s.write({
        apps: [
          mk("a", T0, "visits", "daily"),
          mk("b", T0 + 1000, "visits", "hourly"),
          mk("c", T0 + 2000, "orders", "daily"),
          mk("d", T0 + 3000, "visits", "daily"),
        ],
      });
      const uids = (xs: AppRecord[]) => xs.map((x) => x.uid);
      assert.deepEqual(uids(await s.listApps()), ["d", "c", "b", "a"]);
      assert.deepEqual(uids(await s.listApps({ dag: "visits" })), ["d", "b", "a"]);
      assert.deepEqual(uids(await s.listApps({ module: "daily" })), ["d", "c", "a"]);
      assert.deepEqual(uids(await s.listApps({ dag: "visits", module: "daily", limit: 1 })), ["d"]);
      assert.deepEqual(uids(await s.listApps({ window: { start: T0 + 1000, end: T0 + 3000 } })), ["c", "b"]);
    });

    test("podsInWindow: overlap of [scheduled or created, finished or deleted or open) with the window", async () => {
      const s = await ledger();
      const w = { start: T0 + 100_000, end: T0 + 200_000 };
      const cases: [string, Partial<PodRecord>, boolean][] = [
        ["ended-at-start", { createdAt: T0, mainFinishedAt: w.start }, false],
        ["ended-inside", { createdAt: T0, mainFinishedAt: w.start + 1 }, true],
        ["starts-at-end", { createdAt: w.end }, false],
        ["scheduled-at-end", { createdAt: T0, scheduledAt: w.end }, false],
        ["starts-inside-open", { createdAt: w.end - 1 }, true],
        ["spans-window", { createdAt: T0, mainFinishedAt: w.end + 50 }, true],
        ["open-since-before", { createdAt: T0 }, true],
        ["deleted-before", { createdAt: T0, deletedAt: w.start - 1 }, false],
        ["deleted-inside", { createdAt: T0, deletedAt: w.start + 1 }, true],
        [
          "finished-before-deleted-after",
          { createdAt: T0, mainFinishedAt: w.start - 1, deletedAt: w.end },
          false,
        ],
        ["after", { createdAt: w.end + 1, mainFinishedAt: w.end + 2 }, false],
      ];
      await s.write({
        apps: [app("in"), app("out")],
        pods: cases.map(([uid, o, inside]) =>
          pod(uid, { ...o, observedAt: T0, appUid: inside ? "in" : "out" }),
        ),
      });
      const got = await s.podsInWindow(w);
      assert.deepEqual(
        got.pods.map((p) => p.uid).sort(),
        cases
          .filter(([, , inside]) => inside)
          .map(([uid]) => uid)
          .sort(),
      );
      assert.deepEqual(
        got.apps.map((a) => a.uid),
        ["in"],
      );
    });

    test("scanWindow: the records of podsInWindow in its order, apps first; with fields, only those", async () => {
      const s = await ledger();
      const w = { start: 0, end: T0 + 10 * 3600_000 };
      await s.write({
        apps: [full.app, app("b", { createdAt: T0 - 5 })],
        pods: [full.pod, pod("p2", { appUid: "b", createdAt: T0 - 5 }), pod("p3", { appUid: "b" })],
      });
      const whole = await s.podsInWindow(w);
      const seen: string[] = [];
      const picked: { apps: unknown[]; pods: unknown[] } = { apps: [], pods: [] };
      await s.scanWindow(w, {
        app: (a) => void seen.push(`app ${a.uid}`),
        pod: (p) => void seen.push(`pod ${p.uid}`),
      });
      assert.deepEqual(seen, [
        ...whole.apps.map((a) => `app ${a.uid}`),
        ...whole.pods.map((p) => `pod ${p.uid}`),
      ]);
      const fields = { apps: ["uid", "attribution"], pods: ["uid", "nodeInfo", "scheduledAt"] } as const;
      await s.scanWindow(w, { app: (a) => picked.apps.push(a), pod: (p) => picked.pods.push(p) }, fields);
      const pick = (r: object, ks: readonly string[]) =>
        Object.fromEntries(Object.entries(r).filter(([k]) => ks.includes(k)));
      assert.deepEqual(picked, {
        apps: whole.apps.map((a) => pick(a, fields.apps)),
        pods: whole.pods.map((p) => pick(p, fields.pods)),
      });
      assert.ok(whole.pods.some((p) => p.scheduledAt === undefined) && whole.apps.length === 2);
    });

    test("nodesInWindow: from first seen to deletion, or open", async () => {
      const s = await ledger();
      const w = { start: T0 + 100, end: T0 + 200 };
      await s.write({
        nodes: [
          node("gone-before", { firstSeenAt: T0, lastSeenAt: T0 + 50, deletedAt: T0 + 100 }),
          node("gone-inside", { firstSeenAt: T0, lastSeenAt: T0 + 150, deletedAt: T0 + 150 }),
          node("live", { firstSeenAt: T0, lastSeenAt: T0 + 10 }),
          node("after", { firstSeenAt: T0 + 200, lastSeenAt: T0 + 300 }),
        ],
      });
      assert.deepEqual(
        (await s.nodesInWindow(w)).map((n) => n.name),
        ["gone-inside", "live"],
      );
    });

    test("a batch with a record the schema refuses writes nothing and names the record", async () => {
      const s = await ledger();
      await assert.rejects(
        s.write({ apps: [app("ok")], pods: [pod("bad", { cpuCores: -1 })] }),
        (e: Error) => e instanceof InternalError && /pod bad: cpuCores/.test(e.message),
      );
      assert.equal(await s.getApp("ok"), undefined);
    });
  });
}
