import { Option, type Command } from "commander";

import type { BootstrapFlags } from "../../bootstrap/flags.js";

interface Opts extends BootstrapFlags {
  output: string;
}

// The init-container entrypoint. Every flag mirrors one of the seed's environment variables, so the
// SparkApplication templates keep passing env and a developer can pass flags.
export function register(program: Command): void {
  program
    .command("bootstrap")
    .description(
      "init-container entrypoint: fetch, verify and safely extract versioned code into APP_DIR, then build the venv (full) or check the baked one (code-only)",
    )
    .addOption(
      new Option("--version <version>", "version to install, or latest").env("ETL_VERSION").default("latest"),
    )
    .addOption(
      new Option("--store <uri>", "artifact store, s3://bucket/prefix or file:///dir").env("ARTIFACT_STORE"),
    )
    .addOption(
      new Option("--bucket <name>", "S3 bucket (store s3://<bucket>), when --store is not given").env(
        "S3_BUCKET",
      ),
    )
    .addOption(new Option("--project-name <name>", "project name in the store").env("ETL_PROJECT_NAME"))
    .addOption(
      new Option("--module <name>", "module the job runs; must be in the artifact").env("MODULE_NAME"),
    )
    .addOption(
      new Option("--mode <mode>", "full | code-only | venv (image build)")
        .env("BOOTSTRAP_MODE")
        .default("full"),
    )
    .addOption(new Option("--app-dir <dir>", "where the code goes").env("APP_DIR").default("/app"))
    .option(
      "--strict",
      "code-only: fail on a stale pre-baked image instead of warning (or BOOTSTRAP_STRICT=true)",
      false,
    )
    .addOption(new Option("--endpoint-url <url>", "S3-compatible endpoint").env("AWS_ENDPOINT_URL_S3"))
    .addOption(new Option("--retries <n>", "attempts per store call").env("BOOTSTRAP_RETRIES").default("4"))
    .addOption(
      new Option(
        "--index-token-file <file>",
        "file holding the private package index token (never logged); or set SPARKLANE_INDEX_TOKEN",
      ).env("SPARKLANE_INDEX_TOKEN_FILE"),
    )
    .addOption(
      new Option(
        "--index-name <name...>",
        "uv index names the token is for (default: every [[tool.uv.index]] in pyproject.toml)",
      ),
    )
    .addOption(
      new Option("--index-user <user>", "user name sent with the token")
        .env("SPARKLANE_INDEX_USER")
        .default("aws"),
    )
    .option("--output <format>", "text or json", "text")
    .action(async (opts: Opts) => {
      const { bootstrapOptions } = await import("../../bootstrap/flags.js");
      const { bootstrap } = await import("../../bootstrap/index.js");
      const options = bootstrapOptions(opts, process.env);
      const json = opts.output === "json";
      const log = (line: string): void => {
        if (!json) process.stdout.write(`bootstrap: ${line}\n`);
      };
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      const t0 = performance.now();
      try {
        log(
          `${options.project} ${options.version} from ${options.store} (${options.mode}) into ${options.appDir}`,
        );
        const r = await bootstrap({
          ...options,
          signal: controller.signal,
          onStep: (s) =>
            log(`${s.name.padEnd(16)} ${String(s.ms).padStart(6)} ms${s.detail ? `  ${s.detail}` : ""}`),
          onWarning: (m) => process.stderr.write(`\n!!! WARNING: ${m}\n\n`),
        });
        const total = Math.round(performance.now() - t0);
        if (json) {
          process.stdout.write(`${JSON.stringify({ ok: true, ...r, totalMs: total })}\n`);
          return;
        }
        log(
          `${r.changed ? "done" : "nothing to do"}: ${r.project} ${r.version} (${r.mode}) in ${total} ms; code at ${r.codeDir}` +
            (r.venvDir ? `, venv at ${r.venvDir}` : ""),
        );
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
    });
}
