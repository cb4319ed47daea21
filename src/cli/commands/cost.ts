import { InvalidArgumentError, Option, type Command } from "commander";
import type { CostReport } from "../../cost/report.js";
import { checkOutPath, out, writeOut } from "../io.js";

interface CostFlags {
  window: string;
  by: string;
  allocation: "request" | "max";
  idle: "separate" | "share";
  cpuWeight?: number;
  prices?: string;
  ledger?: string;
  source: "ledger" | "prometheus";
  prometheus?: string;
  scrapeInterval?: number;
  output: "table" | "csv" | "json" | "html";
  out?: string;
  top: number;
}

function positive(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`expected a positive number, found "${v}"`);
  return n;
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
  program
    .command("cost")
    .description(
      "what runs cost over a closed UTC window, by DAG, task, module, variant or run (from the run ledger)",
    )
    .option(
      "--window <window>",
      "yesterday, Nd (whole UTC days before today), YYYY-MM, YYYY-MM-DD or START..END",
      "yesterday",
    )
    .option(
      "--by <keys>",
      "group by these keys, comma-separated: dag, task, module, variant, run",
      "dag,task,module",
    )
    .addOption(
      new Option("--allocation <mode>", "request: allocated = request; max: max(request, usage)")
        .choices(["request", "max"])
        .default("request"),
    )
    .addOption(
      new Option("--idle <how>", "separate: an idle line; share: idle spread over rows by cost")
        .choices(["separate", "share"])
        .default("separate"),
    )
    .option(
      "--cpu-weight <n>",
      "vCPU-hour price / GiB-hour price when splitting a node price (default 9)",
      positive,
    )
    .option(
      "--prices <file>",
      "price file (YAML or JSON): instanceTypes: {TYPE: {vcpu, memoryGib, onDemand, spot}}",
    )
    .option(
      "--ledger <url>",
      "ledger: a path, sqlite:PATH or postgres://... (default: $SPARKLANE_LEDGER, else ~/.local/share/sparklane/ledger.db)",
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
