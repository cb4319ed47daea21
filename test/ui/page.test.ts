// The web view (src/ui/page.ts) opened from a file in real headless Chromium: every number on the page against
// the report's JSON, the charts' canvases against the series colours, the filters, dark mode, and labels that
// try to inject markup or script.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CostReport } from "../../src/cost/report.js";
import { loadChartAssets } from "../../src/ui/assets.js";
import {
  escapeHtml,
  formatMoney,
  formatShare,
  jsonForScript,
  moduleSeries,
  renderPage,
  UNATTRIBUTED_COLOR,
} from "../../src/ui/page.js";
import { Browser, chromiumSkip, WAIT_READY } from "../helpers/chromium.js";
import { syntheticReport } from "../helpers/cost-report.js";
import small from "./fixtures/small.json" with { type: "json" };

const assets = loadChartAssets();
let dir: string;
let browser: Browser | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sparklane-ui-page-"));
  if (!chromiumSkip) browser = await Browser.launch();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

let pages = 0;
/** Writes the page of `report` to a file and opens it; resolves once the client has drawn. */
async function open(
  report: CostReport,
  filters?: Parameters<typeof renderPage>[1]["filters"],
): Promise<Browser> {
  const file = join(dir, `page-${pages++}.html`);
  writeFileSync(file, renderPage(report, { assets, filters }));
  await browser!.open(pathToFileURL(file).href);
  await browser!.eval(WAIT_READY);
  return browser!;
}

/** Pixels of each colour (alpha > 100, within a small distance) on the canvases of one chart. */
function colorCounts(b: Browser, chart: string, colors: string[]): Promise<number[]> {
  return b.eval<number[]>(`(() => {
    const want = ${JSON.stringify(colors)}.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const counts = want.map(() => 0);
    for (const c of document.querySelectorAll(${JSON.stringify(`#${chart} canvas`)})) {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let p = 0; p < d.length; p += 4) {
        if (d[p + 3] < 100) continue;
        want.forEach((w, i) => {
          if (Math.abs(d[p] - w[0]) + Math.abs(d[p + 1] - w[1]) + Math.abs(d[p + 2] - w[2]) < 24) counts[i]++;
        });
      }
    }
    return counts;
  })()`);
}

interface Cell {
  uid: string;
  cost: string;
  costText: string;
  latency: string | null;
  status: string;
  variant: string;
  module: string;
}
function rows(b: Browser): Promise<Cell[]> {
  return b.eval<Cell[]>(`[...document.querySelectorAll("[data-testid=run-row]")].map((tr) => {
    const c = (id) => tr.querySelector("[data-testid=" + id + "]");
    return { uid: tr.dataset.uid, cost: c("run-cost").dataset.value, costText: c("run-cost").textContent,
      latency: c("run-latency").dataset.value ?? null, status: c("run-status").textContent,
      variant: c("run-variant").textContent, module: c("run-module").textContent };
  })`);
}

describe("page building blocks", () => {
  test("the fixture is a CostReport", () => {
    assert.doesNotThrow(() => CostReport.parse(small));
  });

  test("escapeHtml escapes every character that can open markup or end an attribute", () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  test("jsonForScript cannot end its script element, and parses back to the same value", () => {
    const v = { s: "</script><!-- <script>&\u2028\u2029" };
    const j = jsonForScript(v);
    assert.doesNotMatch(j, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(j), v);
  });

  test("formatMoney: currency, grouping, 2 decimals, 4 under one unit; an unknown code is written after the number", () => {
    assert.equal(formatMoney(1234.5, "USD"), "$1,234.50");
    assert.equal(formatMoney(0.01234, "EUR"), "€0.0123");
    assert.equal(formatMoney(0, "USD"), "$0.00");
    assert.equal(formatMoney(-2, "USD"), "-$2.00");
    assert.equal(formatMoney(3, "not-a-code"), "3.00 not-a-code");
    assert.equal(formatShare(1, 8), "12.5%");
    assert.equal(formatShare(1, 0), "—");
  });

  test("moduleSeries: modules by cost, largest first, unattributed last and grey", () => {
    const s = moduleSeries(CostReport.parse(small));
    assert.deepEqual(
      s.map((x) => [x.label, x.cost]),
      [
        ["visits_distinct", 1.5],
        ["page_hourly", 0.62],
        ["(unattributed)", 0.25],
      ],
    );
    assert.equal(s[2].color, UNATTRIBUTED_COLOR);
    assert.equal(s[2].module, undefined);
  });

  test("renderPage refuses what is not a CostReport", () => {
    assert.throws(() => renderPage({ ...small, schemaVersion: 2 } as unknown as CostReport, { assets }));
  });

  test("renderPage is pure: the same report gives the same bytes", () => {
    const r = CostReport.parse(small);
    assert.equal(renderPage(r, { assets }), renderPage(r, { assets }));
  });
});

describe("the page in headless Chromium", { skip: chromiumSkip }, () => {
  test("totals, unattributed share, module totals and every run's cost equal the JSON", async () => {
    const report = CostReport.parse(small);
    const b = await open(report);
    const stat = (id: string) =>
      b.eval<{ value: string; text: string }>(
        `(() => { const e = document.querySelector("[data-testid=${id}]"); return { value: e.dataset.value, text: e.querySelector(".stat-value").textContent }; })()`,
      );
    for (const [id, v] of [
      ["total-cost", report.totals.cost],
      ["total-attributed", report.totals.attributed],
      ["total-unattributed", report.totals.unattributed],
      ["total-idle", report.totals.idle],
      ["total-bootstrap", report.totals.bootstrap],
    ] as const) {
      const s = await stat(id);
      assert.equal(Number(s.value), v, id);
      assert.equal(s.text, formatMoney(v, "USD"), id);
    }
    assert.equal(
      await b.eval("document.querySelector('[data-testid=unattributed-share]').textContent"),
      formatShare(report.totals.unattributed, report.totals.cost),
    );
    assert.equal(
      await b.eval("document.querySelector('[data-testid=unattributed-share]').textContent"),
      "8.1%",
    );
    const legend = await b.eval<[string, number][]>(
      `[...document.querySelectorAll("[data-testid=module-total]")].map((tr) => [tr.cells[0].textContent, Number(tr.cells[1].dataset.value)])`,
    );
    assert.deepEqual(
      legend,
      moduleSeries(report).map((s) => [s.label, s.cost]),
    );

    const costRows = await b.eval<[string, number][]>(
      `[...document.querySelectorAll("[data-testid=cost-row]")].map((tr) => [tr.cells[1].textContent, Number(tr.querySelector("[data-testid=row-total]").dataset.value)])`,
    );
    assert.deepEqual(
      costRows,
      report.rows
        .map((r) => [r.group.module ?? "—", r.totalCost])
        .sort((x, y) => Number(y[1]) - Number(x[1])),
    );

    const cells = await rows(b);
    assert.equal(cells.length, report.runs.length);
    for (const run of report.runs) {
      const c = cells.find((x) => x.uid === run.uid);
      assert.ok(c, `run ${run.uid} is in the table`);
      assert.equal(Number(c.cost), run.cost);
      assert.equal(c.costText, formatMoney(run.cost, "USD"));
      assert.equal(c.latency === null ? undefined : Number(c.latency), run.startLatencySeconds);
    }
    // Newest first; status from outcome, else the operator's state.
    assert.deepEqual(
      cells.map((c) => [c.uid, c.status, c.variant]),
      [
        ["run-4", "running", "pre-baked"],
        ["run-2", "failed", "standard"],
        ["run-3", "success", "(no variant)"],
        ["run-1", "success", "standard"],
      ],
    );
    const sum = report.runs.reduce((a, r) => a + r.cost, 0);
    assert.equal(
      Number(await b.eval("document.querySelector('[data-testid=filtered-cost]').dataset.value")),
      sum,
    );
  });

  test("the charts drew: stacked cost bars in every module's colour, latency points in each variant's", async () => {
    const report = CostReport.parse(small);
    const b = await open(report);
    assert.equal(await b.eval("document.querySelectorAll('#chart-cost canvas').length"), 1);
    const series = moduleSeries(report);
    const bars = await colorCounts(
      b,
      "chart-cost",
      series.map((s) => s.color),
    );
    for (const [i, s] of series.entries())
      assert.ok(bars[i] > 200, `${s.label} bars drawn: ${bars[i]} pixels`);
    const pts = await colorCounts(b, "chart-latency", ["#FF9830", "#5794F2"]);
    assert.ok(pts[0] > 20 && pts[1] > 20, `latency points drawn: ${pts.join(", ")}`);
    assert.deepEqual(
      await b.eval(
        `[...document.querySelectorAll("#latency-summary tr")].map((tr) => [...tr.cells].map((c) => c.textContent))`,
      ),
      [
        ["standard", "2", "1 min 52 s", "1 min 52 s", "1 min 52 s"],
        ["pre-baked", "1", "31.2 s", "31.2 s", "31.2 s"],
        ["(no variant)", "1", "40.5 s", "40.5 s", "40.5 s"],
      ],
    );
    // A chart with no data draws its axes but none of the series colours: the count above is what fails.
    const empty = await open(CostReport.parse({ ...small, runs: [], daily: [] }));
    assert.deepEqual(
      await colorCounts(
        empty,
        "chart-cost",
        series.map((s) => s.color),
      ),
      [0, 0, 0],
    );
    assert.match(await empty.eval<string>("document.getElementById('chart-cost').textContent"), /No cost/);
    assert.match(await empty.eval<string>("document.getElementById('runs-body').textContent"), /No runs/);
  });

  test("filters by DAG, module (including 'no module') and date narrow the table and its cost", async () => {
    const report = CostReport.parse(small);
    const b = await open(report);
    const pick = async (sel: string, value: string) =>
      b.eval(
        `(() => { const s = document.querySelector(${JSON.stringify(sel)}); s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event("change")); })()`,
      );
    const shown = async () => (await rows(b)).map((c) => c.uid).sort();
    const cost = async () =>
      Number(await b.eval("document.querySelector('[data-testid=filtered-cost]').dataset.value"));

    await pick("#f-module", "visits_distinct");
    assert.deepEqual(await shown(), ["run-1", "run-2"]);
    assert.equal(await cost(), 1.5);
    await pick("#f-module", "\u0000none");
    assert.deepEqual(await shown(), ["run-3"]);
    await pick("#f-module", "");
    await pick("#f-dag", "generic_spark_etl");
    assert.deepEqual(await shown(), ["run-1", "run-2", "run-4"]);
    await pick("#f-from", "2026-12-01");
    assert.deepEqual(await shown(), ["run-2", "run-4"]);
    await pick("#f-to", "2026-12-01");
    assert.deepEqual(await shown(), ["run-2"]);
    assert.equal(await cost(), 0.3);
    await b.eval("document.getElementById('f-reset').click()");
    assert.equal((await shown()).length, 4);

    // Filters given to renderPage (the served page's query string) are applied on open.
    const pre = await open(report, { module: "page_hourly" });
    assert.deepEqual(
      (await rows(pre)).map((c) => c.uid),
      ["run-4"],
    );
  });

  test("10,000 runs: 500 rows at first, all on request, the footer sums every matching run", async () => {
    const report = syntheticReport({ runs: 10_000, days: 30 });
    const b = await open(report);
    assert.equal((await rows(b)).length, 500);
    assert.match(
      await b.eval<string>("document.getElementById('runs-foot').textContent"),
      /Showing 500 of 10,000 runs/,
    );
    const sum = Number(await b.eval("document.querySelector('[data-testid=filtered-cost]').dataset.value"));
    assert.ok(Math.abs(sum - (report.totals.attributed + report.totals.unattributed)) < 1e-6);
    await b.eval("document.getElementById('runs-more').click()");
    assert.equal((await rows(b)).length, 10_000);
  });

  test("dark mode follows prefers-color-scheme and still draws", async () => {
    await browser!.colorScheme("dark");
    try {
      const b = await open(CostReport.parse(small));
      assert.equal(
        await b.eval("getComputedStyle(document.documentElement).backgroundColor"),
        "rgb(17, 18, 23)",
      );
      const bars = await colorCounts(b, "chart-cost", ["#5794F2"]);
      assert.ok(bars[0] > 200);
    } finally {
      await browser!.colorScheme("light");
    }
    assert.equal(
      await (
        await open(CostReport.parse(small))
      ).eval("getComputedStyle(document.documentElement).backgroundColor"),
      "rgb(244, 245, 245)",
    );
  });

  test("labels from the pods are text, never markup or script", async () => {
    const evil = {
      img: `<img src=x onerror="window.__xss='img'">`,
      script: `</script><script>window.__xss='script'</script>`,
      attr: `"><svg onload="window.__xss='attr'">`,
      comment: "<!--",
    };
    const report = CostReport.parse({
      ...small,
      window: { ...small.window, label: evil.script },
      by: ["dag", "module"],
      assumptions: {
        ...small.assumptions,
        currency: evil.img,
        notes: [evil.attr],
        priceSources: [{ origin: "price-file", date: evil.comment, detail: evil.img }],
      },
      rows: [{ ...small.rows[0], group: { dag: evil.img, module: evil.script } }],
      daily: [{ day: "2026-11-30", module: evil.attr, cost: 1 }],
      runs: [
        {
          ...small.runs[0],
          dag: evil.img,
          task: evil.attr,
          module: evil.attr,
          variant: evil.script,
          name: evil.script,
          namespace: evil.attr,
          state: evil.img,
          outcome: undefined,
          uid: evil.attr,
        },
      ],
      warnings: [evil.img, evil.script],
      unattributedHint: evil.attr,
    });
    const html = renderPage(report, { assets, filters: { module: evil.attr } });
    assert.doesNotMatch(html, /<img|<svg|<\/script><script>window/);
    const b = await open(report, { module: evil.attr });
    await new Promise((r) => setTimeout(r, 200)); // give an onerror/onload a chance to fire
    assert.equal(await b.eval("window.__xss === undefined"), true);
    assert.equal(await b.eval("document.querySelectorAll('img, svg, iframe').length"), 0);
    // The page's two scripts and the two JSON blocks: nothing more.
    assert.equal(await b.eval("document.scripts.length"), 4);
    const text = await b.eval<string>("document.body.innerText");
    for (const s of [evil.img, evil.attr]) assert.ok(text.includes(s), `shown as text: ${s}`);
    assert.deepEqual(
      await b.eval("JSON.parse(document.getElementById('report-data').textContent)"),
      JSON.parse(JSON.stringify(report)),
    );
    const [row] = await rows(b);
    assert.equal(row.uid, evil.attr);
    assert.equal(row.module, evil.attr);
    assert.equal(await b.eval("document.title"), `sparklane · runs and cost · ${evil.script}`);
  });
});
