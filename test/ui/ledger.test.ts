// The web view through the whole stack: a week of the example project's runs in a real SQLite ledger, the
// built CLI's `sparklane cost --output json` as the truth, then `cost --output html --out` and `sparklane ui
// --ledger` opened in headless Chromium, their numbers checked against that JSON.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CostReport } from "../../src/cost/report.js";
import { formatMoney, formatShare } from "../../src/ui/page.js";
import { Browser, chromiumSkip, WAIT_READY } from "../helpers/chromium.js";
import { binPath, repoRoot, runCli } from "../helpers/cli.js";
import { writeExampleLedger } from "../helpers/ledger-example.js";

let dir: string;
let db: string;
let window: string;
let truth: CostReport;
let browser: Browser | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sparklane-ui-ledger-"));
  db = join(dir, "ledger.db");
  const { start, end } = await writeExampleLedger(db);
  // An explicit window: `7d` would move if the test ran across midnight.
  window = `${new Date(start).toISOString().slice(0, 10)}..${new Date(end).toISOString().slice(0, 10)}`;
  const r = await runCli(["cost", "--ledger", db, "--window", window, "--output", "json"]);
  assert.equal(r.code, 0, r.stderr);
  truth = CostReport.parse(JSON.parse(r.stdout));
  assert.ok(
    truth.runs.length > 100 && truth.totals.unattributed > 0,
    "the example has runs and unlabelled ones",
  );
  if (!chromiumSkip) browser = await Browser.launch();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The page's totals and per-run costs, against a report. */
async function checkAgainst(b: Browser, report: CostReport): Promise<void> {
  await b.eval(WAIT_READY);
  const cur = report.assumptions.currency;
  for (const [id, v] of [
    ["total-cost", report.totals.cost],
    ["total-attributed", report.totals.attributed],
    ["total-unattributed", report.totals.unattributed],
    ["total-idle", report.totals.idle],
    ["total-bootstrap", report.totals.bootstrap],
  ] as const) {
    const s = await b.eval<{ value: string; text: string }>(
      `(() => { const e = document.querySelector("[data-testid=${id}]"); return { value: e.dataset.value, text: e.querySelector(".stat-value").textContent }; })()`,
    );
    assert.equal(Number(s.value), v, id);
    assert.equal(s.text, formatMoney(v, cur), id);
  }
  assert.equal(
    await b.eval("document.querySelector('[data-testid=unattributed-share]').textContent"),
    formatShare(report.totals.unattributed, report.totals.cost),
  );
  await b.eval("document.getElementById('runs-more').click()");
  const cells = new Map(
    await b.eval<[string, number][]>(
      `[...document.querySelectorAll("[data-testid=run-row]")].map((tr) => [tr.dataset.uid, Number(tr.querySelector("[data-testid=run-cost]").dataset.value)])`,
    ),
  );
  assert.equal(cells.size, report.runs.length);
  for (const run of report.runs) assert.equal(cells.get(run.uid), run.cost, run.name);
  const drawn = await b.eval<number>(
    `[...document.querySelectorAll("#chart-cost canvas, #chart-latency canvas")].filter((c) => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n > 1000; }).length`,
  );
  assert.equal(drawn, 2);
}

describe("sparklane cost --output html", () => {
  test("writes the page whole to --out, nothing on stdout", async () => {
    const out = join(dir, "week.html");
    const r = await runCli(["cost", "--ledger", db, "--window", window, "--output", "html", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    const html = readFileSync(out, "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<\/html>\n$/);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
      "no temporary file left",
    );
  });

  test("an --out in a folder that does not exist: exit 2 before the ledger is read, nothing written", async () => {
    const out = join(dir, "missing", "week.html");
    const r = await runCli(["cost", "--ledger", db, "--window", window, "--output", "html", "--out", out]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr.split("\n")[0]!,
      /^error: --out .*week\.html: the folder .*missing does not exist$/,
    );
    assert.equal(existsSync(out), false);
  });

  test("the file's numbers equal `cost --output json`", { skip: chromiumSkip }, async () => {
    const out = join(dir, "check.html");
    const r = await runCli(["cost", "--ledger", db, "--window", window, "--output", "html", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    await browser!.open(pathToFileURL(out).href);
    await checkAgainst(browser!, truth);
    // The screenshot: a real PNG of the whole page, not a blank one (which compresses to a few kB).
    const png = await browser!.screenshot(1440);
    writeFileSync(join(dir, "check.png"), png);
    assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
    assert.equal(png.readUInt32BE(16), 1440, "width");
    assert.ok(png.readUInt32BE(20) > 1200, `height ${png.readUInt32BE(20)}`);
    assert.ok(png.length > 60_000, `${png.length} bytes`);
  });
});

describe("sparklane ui --ledger", () => {
  let child: ChildProcess | undefined;
  let url: string;
  before(async () => {
    child = spawn(process.execPath, [binPath, "ui", "--ledger", db, "--port", "0", "--window", window], {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "pipe"],
    });
    url = await new Promise<string>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`not serving after 60 s: ${err}`)), 60_000);
      child!.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child!.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
  });

  test("/api/report.json is the report `cost --output json` gives (built at request time)", async () => {
    const served = CostReport.parse(await (await fetch(`${url}api/report.json`)).json());
    assert.deepEqual({ ...served, generatedAt: "" }, { ...truth, generatedAt: "" });
    assert.ok(Date.parse(served.generatedAt) >= Date.parse(truth.generatedAt));
  });

  test("the served page's numbers equal its JSON", { skip: chromiumSkip }, async () => {
    const json = CostReport.parse(await (await fetch(`${url}api/report.json`)).json());
    await browser!.open(url);
    await checkAgainst(browser!, json);
  });

  test("a window in the URL that cannot be: 400 naming it", async () => {
    const r = await fetch(`${url}?window=2999-01`);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /^error: --window "2999-01": the window is in the future/);
  });
});

test("ui: an unknown --window exits 2 before listening", async () => {
  const r = await runCli(["ui", "--ledger", db, "--port", "0", "--window", "fortnight"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.split("\n")[0]!, /^error: --window "fortnight": unknown form/);
  assert.doesNotMatch(r.stderr, /serving/);
});

test("ui: an unreachable ledger exits 3 without printing its password", async () => {
  const r = await runCli(["ui", "--ledger", "postgres://u:secret@127.0.0.1:1/ledger", "--port", "0"]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr.split("\n")[0]!, /^error: /);
  assert.doesNotMatch(r.stderr, /secret/);
  assert.doesNotMatch(r.stderr, /serving/);
});
