// The ledger across processes, on both backends: a writer killed with SIGKILL in the middle of its write loop
// leaves a ledger that opens, passes its integrity check and holds only whole batches; several processes
// opening a new ledger at once apply each migration once.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MIGRATIONS, openLedger, type PodRecord } from "../../src/ledger/index.js";
import { T0 } from "../helpers/ledger-records.js";
import { backends } from "./backends.js";
import { crashApp, crashPod, PODS_PER_APP } from "./fixtures/crash-records.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));

function child(name: string, url: string) {
  return spawn(process.execPath, ["--import", "tsx", fixture(name), url], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

for (const b of backends) {
  describe(`ledger on ${b.name} across processes`, { skip: b.skip }, () => {
    before(() => b.start());
    after(() => b.stop());

    test("a writer killed mid-loop leaves an intact ledger of whole batches", async () => {
      const url = await b.fresh();
      const w = child("write-loop", url);
      let out = "";
      let err = "";
      w.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((r) => w.once("exit", (_code, signal) => r(signal)));
      // Kill once a few batches have committed: the writer spends nearly all its time inside a transaction.
      const committed = await new Promise<number>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`writer made no progress: ${err}`)), 120_000);
        w.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const lines = out.split("\n").filter(Boolean);
          if (lines.length >= 8 && w.exitCode === null && !w.killed) {
            w.kill("SIGKILL");
            clearTimeout(deadline);
            resolve(Number(lines[lines.length - 1]));
          }
        });
        w.once("exit", () => reject(new Error(`writer exited early: ${err}`)));
      });
      assert.equal(await exited, "SIGKILL");

      if (b.name === "sqlite") {
        const rows = await b.sql(url, "PRAGMA integrity_check");
        assert.deepEqual(rows, [{ integrity_check: "ok" }]);
      }
      const s = await openLedger(url);
      try {
        const apps = (await s.listApps({ dag: "crash" })).sort((x, y) => x.createdAt - y.createdAt);
        const { pods } = await s.podsInWindow({ start: 0, end: T0 + 10 ** 9 });
        const last = apps.length - 1;
        // Every batch the writer reported is there, and at most the one it was writing when killed besides.
        assert.ok(last >= committed && last <= committed + 1, `apps 0..${last}, committed ${committed}`);
        const byApp = new Map<string, PodRecord[]>();
        for (const p of pods) byApp.set(p.appUid, [...(byApp.get(p.appUid) ?? []), p]);
        apps.forEach((a, i) => {
          assert.deepEqual(a, crashApp(i, i < last), `application ${i}`);
          const got = (byApp.get(a.uid) ?? []).sort(
            (x, y) => x.cpuCores - y.cpuCores || (x.uid < y.uid ? -1 : 1),
          );
          const want = Array.from({ length: PODS_PER_APP }, (_, k) => crashPod(i, k)).sort(
            (x, y) => x.cpuCores - y.cpuCores || (x.uid < y.uid ? -1 : 1),
          );
          assert.deepEqual(got, want, `pods of application ${i}`);
        });
        assert.equal(pods.length, apps.length * PODS_PER_APP, "no pod without its batch's application");
      } finally {
        await s.close();
      }
    });

    test("processes opening a new ledger together apply each migration once", async () => {
      const url = await b.fresh();
      const runs = [1, 2, 3].map(() => {
        const c = child("open", url);
        let out = "";
        let err = "";
        c.stdout.on("data", (d: Buffer) => (out += d.toString()));
        c.stderr.on("data", (d: Buffer) => (err += d.toString()));
        return new Promise<string>((r) => c.once("exit", (code) => r(`${code} ${out.trim()} ${err}`)));
      });
      const latest = String(MIGRATIONS[MIGRATIONS.length - 1].version);
      assert.deepEqual(await Promise.all(runs), [`0 ${latest} `, `0 ${latest} `, `0 ${latest} `]);
      const versions = await b.sql(url, "SELECT version FROM schema_version ORDER BY version");
      assert.deepEqual(
        versions.map((r) => Number(r.version)),
        MIGRATIONS.map((m) => m.version),
      );
    });
  });
}
