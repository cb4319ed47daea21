import { Option, type Command } from "commander";
import type { CostReport } from "../../cost/report.js";
import { addCostShapeFlags, type CostShapeFlags } from "../cost-flags.js";
import { checkOutPath, out, writeOut } from "../io.js";
import { positive } from "../parse.js";

interface CostFlags extends CostShapeFlags {
  window: string;
  cpuWeight?: number;
  source: "ledger" | "prometheus";
  prometheus?: string;
  scrapeInterval?: number;
  output: "table" | "csv" | "json" | "html";
  out?: string;
  top: number;
}

type Render = (r: CostReport, flags: CostFlags) => string;

/**
 * The renderer for `--output`, loaded before any source is read, so an unavailable format costs no database
 * round trip. `html` is the page `sparklane ui` serves, as one self-contained file.
 */
async function rendererFor(output: CostFlags["output"]): Promise<Render> {
  if (output === "html") {
    const { loadChartAssets, renderPage } = await import("../../ui/index.js");
    const assets = loadChartAssets();
    return (r) => renderPage(r, { assets });
  }
  const f = await import("../../cost/format.js");
  const renderers: Record<Exclude<CostFlags["output"], "html">, Render> = {
    table: (r, flags) => f.formatTable(r, { top: flags.top }),
    csv: (r) => f.formatCsv(r),
    json: (r) => f.formatJson(r),
  };
  return renderers[output];
}

export function register(program: Command): void {
  addCostShapeFlags(
    program
      .command("cost")
      .description(
        "what runs cost over a closed UTC window, by DAG, task, module, variant or run (from the run ledger)",
      ),
    "group by these keys, comma-separated: dag, task, module, variant, run",
  )
    .option(
      "--window <window>",
      "yesterday, Nd (whole UTC days before today), YYYY-MM, YYYY-MM-DD or START..END",
      "yesterday",
    )
    .option(
      "--cpu-weight <n>",
      "vCPU-hour price / GiB-hour price when splitting a node price (default 9)",
      positive,
    )
    .addOption(
      new Option("--source <source>", "where runs are read from")
        .choices(["ledger", "prometheus"])
        .default("ledger"),
    )
    .option("--prometheus <url>", "Prometheus base URL (--source prometheus)")
    .option(
      "--scrape-interval <seconds>",
      "kube-state-metrics' scrape interval (--source prometheus; default: measured from the samples)",
      positive,
    )
    .addOption(
      new Option("--output <format>", "table, csv, json or html")
        .choices(["table", "csv", "json", "html"])
        .default("table"),
    )
    .option("--out <file>", "write the output to this file (whole or not at all) instead of stdout")
    .option("--top <n>", "rows shown in the table (csv and json have them all)", positive, 20)
    .action(async (flags: CostFlags) => {
      if (flags.out !== undefined) checkOutPath(flags.out);
      const render = await rendererFor(flags.output);
      const { costReport } = await import("../../cost/index.js");
      const report = await costReport({ ...flags, now: Date.now() });
      // Rendered in full before anything is written: a failure prints nothing half-done.
      const text = render(report, flags);
      if (flags.out !== undefined) writeOut(flags.out, text);
      else out(text);
    });
}
