// The CLI's error boundary: the only place that turns library errors into stderr text and exit codes. The
// plain ESM entry (index.ts) and the start-up snapshot (snapshot.ts) both run the CLI through runMain.
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { fileParseStore, useParseStore } from "../manifest/index.js";
import { cacheRoot } from "../runtime/cache-root.js";
import { registerAll } from "./commands/index.js";
import { err, out } from "./io.js";
import { errorAsJson, formatError, exitCodeFor, wasReportedAsJson } from "./output.js";

/**
 * Builds the program and runs one command line; resolves to the exit status. The program is built per call,
 * not at module load, so the snapshot reads SPARKLANE_VERSION (and everything else) at run time.
 * @param argv node's layout: [node, script, ...args]
 */
export async function runMain(
  argv: readonly string[],
  opts: { readonly env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const env = opts.env ?? process.env;
  // The AWS SDK warns on every client about Node versions it will drop in a future release: 8 lines of noise
  // for a user who cannot act on them (sparklane supports Node 20). Its documented switch turns that off; a
  // user who set the variable keeps their choice. The library itself leaves the environment alone.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // Parsed template skeletons are kept on disk, so one-off renders skip the YAML parse after the first
  // (src/manifest/reuse.ts). Per package version: a new sparklane never reads an older one's entries.
  useParseStore(
    env.SPARKLANE_PARSE_CACHE === "0"
      ? undefined
      : fileParseStore(join(cacheRoot(env), "parses", pkg.version)),
  );
  const program = new Command("sparklane")
    .description("Render, check and run PySpark SparkApplications: locally on real Spark, or on Kubernetes.")
    .version(process.env.SPARKLANE_VERSION ?? "0.1.0")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err, outputError: (text, write) => write(text) });
  registerAll(program);
  // Every command with `--output json` reports a refused input or a failure as JSON on stdout too.
  let json = false;
  program.hook("preAction", (_program, action) => {
    json = (action.opts() as { output?: unknown }).output === "json";
  });
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
    if (json && !wasReportedAsJson(e)) out(`${JSON.stringify(errorAsJson(e), null, 2)}\n`);
    return exitCodeFor(e);
  }
}
