// The CLI's error boundary: the only place that turns library errors into stderr text and exit codes.
import { Command, CommanderError } from "commander";
// Bundled into dist/ at build time: the version printed is the one the package was built as.
import pkg from "../../package.json" with { type: "json" };
import { registerAll } from "./commands/index.js";
import { err, out } from "./io.js";
import { formatError, exitCodeFor } from "./output.js";

/**
 * Builds the program and runs one command line; resolves to the exit status.
 * @param argv node's layout: [node, script, ...args]
 */
export async function runMain(argv: readonly string[]): Promise<number> {
  const program = new Command("sparklane")
    .description("Render, check and run PySpark SparkApplications: locally on real Spark, or on Kubernetes.")
    .version(pkg.version)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err, outputError: (text, write) => write(text) });
  registerAll(program);
  try {
    await program.parseAsync(argv);
    // validate and lint report rejected input through process.exitCode after printing their report.
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version also arrive here, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    err(formatError(e));
    return exitCodeFor(e);
  }
}
