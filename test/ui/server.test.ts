// The `sparklane ui` server (src/ui/server.ts) on 127.0.0.1 with a port the system chooses: the page served and
// opened in headless Chromium, the JSON next to it, a report built per request, and a server with no write path.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { CostReport } from "../../src/cost/report.js";
import { InfraError, UserError } from "../../src/errors.js";
import { checkHost, isLoopback, startUiServer, type UiServer } from "../../src/ui/server.js";
import { formatMoney } from "../../src/ui/page.js";
import { Browser, chromiumSkip, WAIT_READY } from "../helpers/chromium.js";
import small from "./fixtures/small.json" with { type: "json" };

const base = CostReport.parse(small);
let server: UiServer;
let builds = 0;
let windows: (string | undefined)[] = [];
/** What the next request's report holds; tests change it to prove nothing is cached. */
let next: () => CostReport = () => base;

before(async () => {
  server = await startUiServer({
    host: "127.0.0.1",
    port: 0,
    defaultWindow: "3d",
    source: ({ window }) => {
      builds++;
      windows.push(window);
      if (window === "bogus")
        return Promise.reject(new UserError('--window "bogus": unknown form', "give 7d"));
      if (window === "down") return Promise.reject(new InfraError("ledger at /nowhere: unreachable"));
      if (window === "bug") return Promise.reject(new TypeError("x is undefined"));
      return Promise.resolve(next());
    },
  });
});
after(() => server.close());

describe("the server", () => {
  test("serves the page and /api/report.json, building the report on every request", async () => {
    builds = 0;
    windows = [];
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html; charset=utf-8/);
    assert.equal(page.headers.get("cache-control"), "no-store");
    assert.match(await page.text(), /^<!doctype html>/);
    const json = await fetch(`${server.url}api/report.json?window=3d`);
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), JSON.parse(JSON.stringify(base)));
    next = () => ({ ...base, totals: { ...base.totals, cost: 99.5 } });
    const again = (await (await fetch(`${server.url}api/report.json`)).json()) as CostReport;
    assert.equal(again.totals.cost, 99.5);
    next = () => base;
    assert.equal(builds, 3);
    assert.deepEqual(windows, ["3d", "3d", "3d"]);
  });

  test("only GET: anything else is 405 with Allow: GET", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD"]) {
      const r = await fetch(`${server.url}api/report.json`, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get("allow"), "GET");
    }
  });

  test("an unknown path is 404; a bad window 400, an unreachable ledger 503, a bug 500, each saying why", async () => {
    assert.equal((await fetch(`${server.url}admin`)).status, 404);
    const bad = await fetch(`${server.url}?window=bogus`);
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'error: --window "bogus": unknown form\n  hint: give 7d\n');
    const down = await fetch(`${server.url}api/report.json?window=down`);
    assert.equal(down.status, 503);
    assert.match(await down.text(), /unreachable/);
    const bug = await fetch(`${server.url}?window=bug`);
    assert.equal(bug.status, 500);
    assert.match(await bug.text(), /unexpected internal failure.*x is undefined/);
  });

  test("a port in use is an InfraError (exit 3) that names the port", async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as { port: number }).port;
    try {
      await assert.rejects(
        startUiServer({ host: "127.0.0.1", port, source: () => Promise.resolve(base) }),
        (e: unknown) =>
          e instanceof InfraError && e.message === `cannot listen on 127.0.0.1:${port}: the port is in use`,
      );
    } finally {
      holder.close();
    }
  });

  test("loopback hosts only, unless --allow-remote", () => {
    for (const h of [
      "127.0.0.1",
      "127.3.2.1",
      "::1",
      "[::1]",
      "localhost",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
    ])
      assert.equal(isLoopback(h), true, h);
    for (const h of [
      "0.0.0.0",
      "::",
      "10.0.0.5",
      "192.168.1.2",
      "example.org",
      "128.0.0.1",
      "::ffff:10.0.0.1",
    ])
      assert.equal(isLoopback(h), false, h);
    assert.throws(() => checkHost("0.0.0.0", false), /--host 0\.0\.0\.0 is not a loopback address/);
    assert.doesNotThrow(() => checkHost("0.0.0.0", true));
    assert.doesNotThrow(() => checkHost("127.0.0.1", false));
  });
});

describe("the served page in headless Chromium", { skip: chromiumSkip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await Browser.launch();
  });
  after(() => browser.close());

  test("its numbers equal /api/report.json; query filters preselect; the charts drew", async () => {
    const json = (await (await fetch(`${server.url}api/report.json`)).json()) as CostReport;
    await browser.open(`${server.url}?window=3d&module=visits_distinct`);
    await browser.eval(WAIT_READY);
    const total = await browser.eval<{ value: string; text: string }>(
      `(() => { const e = document.querySelector("[data-testid=total-cost]"); return { value: e.dataset.value, text: e.querySelector(".stat-value").textContent }; })()`,
    );
    assert.equal(Number(total.value), json.totals.cost);
    assert.equal(total.text, formatMoney(json.totals.cost, json.assumptions.currency));
    const shown = await browser.eval<[string, number][]>(
      `[...document.querySelectorAll("[data-testid=run-row]")].map((tr) => [tr.dataset.uid, Number(tr.querySelector("[data-testid=run-cost]").dataset.value)])`,
    );
    const expected = json.runs
      .filter((r) => r.module === "visits_distinct")
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .map((r) => [r.uid, r.cost]);
    assert.deepEqual(shown, expected);
    assert.equal(await browser.eval("document.getElementById('f-module').value"), "visits_distinct");
    assert.equal(
      await browser.eval("document.querySelector('a.pill.link').getAttribute('href')"),
      "/api/report.json?window=3d",
    );
    const drawn = await browser.eval<number>(
      `[...document.querySelectorAll("#chart-cost canvas, #chart-latency canvas")].filter((c) => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }).length`,
    );
    assert.equal(drawn, 2);
  });
});
