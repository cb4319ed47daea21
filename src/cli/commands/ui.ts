import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { UserError } from "../../errors.js";

interface UiFlags {
  host: string;
  port: number;
  allowRemote?: boolean;
  window?: string;
  report?: string;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0-65535, found "${v}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command("ui")
    .description(
      "serve a read-only web view of runs, start latency and cost per module and day (/ and /api/report.json)",
    )
    .option("--host <address>", "address to listen on (loopback only unless --allow-remote)", "127.0.0.1")
    .option("--port <port>", "HTTP port (0: any free port)", port, 8080)
    .option("--allow-remote", "allow a --host other machines can reach (the page shows run names and cost)")
    .option(
      "--window <window>",
      "window shown when the URL names none (?window=): yesterday, 7d (default), 2026-11, ...",
    )
    .option(
      "--report <file>",
      "serve a report written by `sparklane cost --output json` (re-read on every request)",
    )
    .action(async (flags: UiFlags) => {
      const { checkHost, startUiServer } = await import("../../ui/server.js");
      checkHost(flags.host, flags.allowRemote === true);
      if (!flags.report)
        throw new UserError(
          "no report source: the ledger source is not wired into `sparklane ui` yet",
          "write a report with `sparklane cost --output json > report.json` and pass --report report.json",
        );
      const { fileReportSource } = await import("../../ui/source.js");
      const source = fileReportSource(flags.report);
      // Refuse a bad source or window before listening, so the mistake shows at start and not on first load.
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
