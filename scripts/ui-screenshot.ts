// Writes docs/ui.png: the web view of the example project's runs, through the real pipeline. A week of
// examples/visits-etl runs is written into a SQLite ledger (test/helpers/ledger-example.ts), `costReport`
// builds the report from it as `sparklane cost --window 7d` does, renderPage makes the page and headless
// Chromium photographs it. The clock is pinned so the picture does not depend on the day it is made.
// `node --import tsx scripts/ui-screenshot.ts [out.png] [light|dark]`
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { costReport } from "../src/cost/index.js";
import { loadChartAssets } from "../src/ui/assets.js";
import { renderPage } from "../src/ui/page.js";
import { Browser, WAIT_READY } from "../test/helpers/chromium.js";
import { writeExampleLedger } from "../test/helpers/ledger-example.js";

const out = process.argv[2] ?? "docs/ui.png";
const scheme = process.argv[3] === "dark" ? "dark" : "light";
const now = Date.parse("2026-12-03T06:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "sparklane-ui-shot-"));
try {
  const ledger = join(dir, "ledger.db");
  await writeExampleLedger(ledger, now);
  const report = await costReport({
    window: "7d",
    by: "dag,task,module",
    allocation: "request",
    idle: "separate",
    source: "ledger",
    ledger,
    now,
  });
  const file = join(dir, "page.html");
  writeFileSync(file, renderPage(report, { assets: loadChartAssets() }));
  const browser = await Browser.launch({ width: 1440, height: 900 });
  try {
    await browser.colorScheme(scheme);
    await browser.open(pathToFileURL(file).href);
    await browser.eval(WAIT_READY);
    writeFileSync(out, await browser.screenshot(1440));
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`wrote ${out}`);
