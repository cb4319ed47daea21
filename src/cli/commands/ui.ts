import type { Command } from "commander";
import type { ReportSource } from "../../ui/index.js";
import { addCostShapeFlags, type CostShapeFlags } from "../cost-flags.js";
import { port } from "../parse.js";

interface UiFlags extends CostShapeFlags {
  host: string;
  port: number;
  allowRemote?: boolean;
  window?: string;
  report?: string;
}

/** The window shown when neither --window nor the URL names one: the last seven whole UTC days. */
const DEFAULT_WINDOW = "7d";

export function register(program: Command): void {
  addCostShapeFlags(
    program
      .command("ui")
      .description(
        "serve a read-only web view of runs, start latency and cost per module and day, from the run ledger (/ and /api/report.json)",
      ),
    "group the cost rows by these keys: dag, task, module, variant, run",
  )
    .option("--host <address>", "address to listen on (loopback only unless --allow-remote)", "127.0.0.1")
    .option("--port <port>", "HTTP port (0: any free port)", port, 8080)
    .option("--allow-remote", "allow a --host other machines can reach (the page shows run names and cost)")
    .option(
      "--window <window>",
      "window shown when the URL names none (?window=): yesterday, 7d (default), 2026-11, YYYY-MM-DD, START..END",
    )
    .option(
      "--report <file>",
      "serve this report (`sparklane cost --output json`) instead of the ledger; re-read on every request",
    )
    .action(async (flags: UiFlags) => {
      const { checkHost, startUiServer, fileReportSource } = await import("../../ui/index.js");
      checkHost(flags.host, flags.allowRemote === true);
      let source: ReportSource;
      if (flags.report !== undefined) {
        source = fileReportSource(flags.report);
      } else {
        const { costReport } = await import("../../cost/index.js");
        source = ({ window }) =>
          costReport({
            ...flags,
            window: window ?? DEFAULT_WINDOW,
            source: "ledger",
            now: Date.now(),
          });
      }
      // One report before listening: a bad window or flag (exit 2) or an unreachable ledger (exit 3) shows at
      // start, not on the first page load.
      await source({ window: flags.window });
      const server = await startUiServer({
        host: flags.host,
        port: flags.port,
        source,
        defaultWindow: flags.window,
        onLog: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
      });
      process.stderr.write(`sparklane ui: serving ${server.url} (read-only; Ctrl-C stops)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
