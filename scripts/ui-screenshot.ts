// Writes docs/ui.png: the web view of a report of the example project's runs (test/helpers/cost-report.ts),
// rendered by renderPage and photographed by headless Chromium. `node --import tsx scripts/ui-screenshot.ts
// [out.png] [light|dark]`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadChartAssets } from "../src/ui/assets.js";
import { renderPage } from "../src/ui/page.js";
import { Browser, WAIT_READY } from "../test/helpers/chromium.js";
import { syntheticReport } from "../test/helpers/cost-report.js";

const out = process.argv[2] ?? "docs/ui.png";
const scheme = process.argv[3] === "dark" ? "dark" : "light";
const dir = mkdtempSync(join(tmpdir(), "sparklane-ui-shot-"));
const file = join(dir, "page.html");
writeFileSync(file, renderPage(syntheticReport({ runs: 120, days: 14 }), { assets: loadChartAssets() }));
const browser = await Browser.launch({ width: 1440, height: 900 });
try {
  await browser.colorScheme(scheme);
  await browser.open(pathToFileURL(file).href);
  await browser.eval(WAIT_READY);
  writeFileSync(out, await browser.screenshot(1440));
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`wrote ${out}`);
