// The CLI's error boundary: the only place that turns library errors into stderr text and exit codes.
import { Command, CommanderError } from "commander";
import { registerAll } from "./commands/index.js";
import { formatError, exitCodeFor } from "./output.js";

const program = new Command("sparklane")
  .description("Render, check and run PySpark SparkApplications: locally on real Spark, or on Kubernetes.")
  .version(process.env.SPARKLANE_VERSION ?? "0.1.0")
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });
registerAll(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version also arrive here, with exit code 0.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(formatError(err));
    process.exitCode = exitCodeFor(err);
  }
}
