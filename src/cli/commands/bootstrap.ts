import { Option, type Command } from "commander";

interface Opts {
  version: string;
  store?: string;
  bucket?: string;
  projectName?: string;
  module?: string;
  mode: string;
  appDir: string;
  strict: boolean;
  endpointUrl?: string;
  retries: string;
  indexTokenFile?: string;
  indexName?: string[];
  indexUser: string;
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
      const { UserError } = await import("../../errors.js");
      const { storeFromEnv } = await import("../../artifact/store.js");
      const { bootstrap, BOOTSTRAP_MODES } = await import("../../bootstrap/index.js");
      type Mode = (typeof BOOTSTRAP_MODES)[number];
      const store = storeFromEnv(opts.store, opts.bucket);
      if (!store)
        throw new UserError("no artifact store: set ARTIFACT_STORE or S3_BUCKET (or --store / --bucket)");
      if (!opts.projectName) throw new UserError("no project: set ETL_PROJECT_NAME (or --project-name)");
      if (!BOOTSTRAP_MODES.includes(opts.mode as Mode)) {
        throw new UserError(
          `BOOTSTRAP_MODE / --mode: expected one of ${BOOTSTRAP_MODES.join(", ")}, found '${opts.mode}'`,
        );
      }
      const attempts = Number(opts.retries);
      if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20)
        throw new UserError(`--retries: expected an integer 1-20, found '${opts.retries}'`);
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
        log(`${opts.projectName} ${opts.version} from ${store} (${opts.mode}) into ${opts.appDir}`);
        const r = await bootstrap({
          store,
          project: opts.projectName,
          version: opts.version,
          mode: opts.mode as Mode,
          appDir: opts.appDir,
          module: opts.module || undefined,
          strict: opts.strict || /^(1|true|yes)$/i.test(process.env.BOOTSTRAP_STRICT ?? ""),
          endpoint: opts.endpointUrl,
          retry: { attempts },
          indexToken: process.env.SPARKLANE_INDEX_TOKEN || undefined,
          indexTokenFile: opts.indexTokenFile,
          indexNames: opts.indexName,
          indexUser: opts.indexUser,
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
