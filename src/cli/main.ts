// The CLI's error boundary: the only place that turns library errors into stderr text and exit codes.
import { Command, CommanderError } from "commander";
// Bundled into dist/ at build time: the version printed is the one the package was built as.
import pkg from "../../package.json" with { type: "json" };
import { registerAll } from "./commands/index.js";
import { err, out } from "./io.js";
import { errorAsJson, formatError, exitCodeFor, wasReportedAsJson } from "./output.js";

/**
 * Builds the program and runs one command line; resolves to the exit status.
 * @param argv node's layout: [node, script, ...args]
 */
export async function runMain(argv: readonly string[]): Promise<number> {
  // The AWS SDK warns on every client about Node versions it will drop in a future release: 8 lines of noise
  // for a user who cannot act on them (sparklane supports Node 20). Its documented switch turns that off; a
  // user who set the variable keeps their choice. The library itself leaves the environment alone.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const program = new Command("sparklane")
    .description("Render, check and run PySpark SparkApplications: locally on real Spark, or on Kubernetes.")
    .version(pkg.version)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err, outputError: (text, write) => write(text) });
  registerAll(program);
  // Every command with `--output json` reports a refused input or a failure as JSON on stdout too.
  let json = false;
  program.hook("preAction", (_program, action) => {
    json = action.opts<{ output?: unknown }>().output === "json";
  });
  try {
    await program.parseAsync(argv);
    // validate and lint report rejected input through process.exitCode after printing their report.
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version also arrive here, with exit code 0.
      if (e.exitCode === 0) return 0;
      // A usage error stops before preAction, so `json` is unset: read the flag from the words themselves.
      // Commander has already written its text to stderr.
      if (json || asksForJson(argv))
        out(
          `${JSON.stringify({ ok: false, exitCode: 2, error: "UsageError", message: usageMessage(e) }, null, 2)}\n`,
        );
      return 2;
    }
    err(formatError(e));
    if (json && !wasReportedAsJson(e)) out(`${JSON.stringify(errorAsJson(e), null, 2)}\n`);
    return exitCodeFor(e);
  }
}

/** `--output json`, `--output=json`, `-o json` or `-ojson` among the arguments (before a `--`). */
function asksForJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf("--");
  const words = end === -1 ? args : args.slice(0, end);
  return words.some(
    (w, i) =>
      w === "--output=json" ||
      w === "-ojson" ||
      ((w === "--output" || w === "-o") && words[i + 1] === "json"),
  );
}

/** Commander's message without its `error: ` prefix and the trailing newline. */
function usageMessage(e: CommanderError): string {
  return e.message.replace(/^error: /, "").trim();
}
