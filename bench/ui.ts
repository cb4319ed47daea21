// bench/ui: how long the web view takes to load with 10,000 runs, in real headless Chromium.
//   load     navigation start to the page's ready mark (window.__readyAt: runs table filled and both charts'
//            first frame painted), read over the DevTools protocol
//   baseline the same HTML shell (stylesheet, uPlot, client) with a report of no runs, in the same browser
// The client's own share (its first statement to the ready mark) is printed too; the rest is reading and parsing
// the HTML. Printed as milliseconds and as a ratio to the baseline (median of BENCH_RUNS alternating loads), with each
// page's size in bytes and the time renderPage takes in Node to build the 10,000-run page.
// Run: npm run bench -- ui   (or node --import tsx bench/ui.ts); BENCH_RUNS (default 7), BENCH_UI_RUNS (10000).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadChartAssets } from "../src/ui/assets.js";
import { renderPage } from "../src/ui/page.js";
import { Browser, chromiumSkip, WAIT_READY } from "../test/helpers/chromium.js";
import { syntheticReport } from "../test/helpers/cost-report.js";
import { median } from "./stats.js";

if (chromiumSkip) {
  console.log(`skipped: ${chromiumSkip}`);
  process.exit(0);
}
const runs = Number(process.env.BENCH_UI_RUNS ?? 10_000);
const reps = Number(process.env.BENCH_RUNS ?? 7);
const assets = loadChartAssets();
const full = syntheticReport({ runs, days: 30 });
const empty = { ...full, runs: [], daily: [], rows: [] };

const t0 = process.hrtime.bigint();
const fullHtml = renderPage(full, { assets });
const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
const emptyHtml = renderPage(empty, { assets });

const dir = mkdtempSync(join(tmpdir(), "sparklane-bench-ui-"));
const pages = { baseline: join(dir, "empty.html"), load: join(dir, "full.html") };
writeFileSync(pages.baseline, emptyHtml);
writeFileSync(pages.load, fullHtml);

const browser = await Browser.launch({ width: 1440, height: 900 });
try {
  const times: Record<keyof typeof pages, number[]> = { baseline: [], load: [] };
  const client: number[] = [];
  // One untimed load of each first: Chromium's own start-up (fonts, compositor) is not the page's.
  for (let i = -1; i < reps; i++) {
    for (const k of ["baseline", "load"] as const) {
      await browser.open(pathToFileURL(pages[k]).href);
      await browser.eval(WAIT_READY);
      const [ms, start] = await browser.eval<[number, number]>("[window.__readyAt, window.__startAt]");
      if (i >= 0) times[k].push(ms);
      if (i >= 0 && k === "load") client.push(ms - start);
    }
  }
  const rows = await browser.eval<number>("document.querySelectorAll('[data-testid=run-row]').length");
  const base = median(times.baseline);
  const load = median(times.load);
  console.log(
    `page load in headless Chromium, median of ${reps} (${runs.toLocaleString("en-US")} runs, ${rows} rows drawn)`,
  );
  console.log(
    `  baseline (no runs)   ${base.toFixed(0)} ms   ${Buffer.byteLength(emptyHtml).toLocaleString("en-US")} bytes`,
  );
  console.log(
    `  ${runs.toLocaleString("en-US")} runs           ${load.toFixed(0)} ms   ${Buffer.byteLength(fullHtml).toLocaleString("en-US")} bytes   ratio ${(load / base).toFixed(2)}`,
  );
  console.log(
    `    of which the client ${median(client).toFixed(0)} ms (parse the JSON, fill the table, draw both charts)`,
  );
  console.log(
    `  renderPage in Node   ${buildMs.toFixed(0)} ms (validate + serialize the report, build the HTML)`,
  );
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
