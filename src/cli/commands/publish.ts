import { Option, type Command } from "commander";

export function register(program: Command): void {
  program
    .command("publish")
    .description(
      "upload a versioned code artifact to a store under <project>/<version>/ (immutable); optionally move 'latest'",
    )
    .addOption(new Option("--store <uri>", "s3://bucket/prefix or file:///dir").env("ARTIFACT_STORE"))
    .requiredOption("--version <version>", "version to publish, e.g. 1.4.0")
    .option("--project <dir>", "project folder holding sparklane.yaml (default: current folder)")
    .option("--artifact <file>", "publish this archive from `sparklane package` instead of packaging now")
    .option("--latest", "point 'latest' at this version once the upload is complete", false)
    .addOption(new Option("--endpoint-url <url>", "S3-compatible endpoint").env("AWS_ENDPOINT_URL_S3"))
    .option("--retries <n>", "attempts per store call", "4")
    .option("--output <format>", "text or json", "text")
    .action(
      async (opts: {
        store?: string;
        version: string;
        project?: string;
        artifact?: string;
        latest: boolean;
        endpointUrl?: string;
        retries: string;
        output: string;
      }) => {
        const { UserError } = await import("../../errors.js");
        const { checkVersion } = await import("../../artifact/manifest.js");
        const { packageProject, readArtifactFile } = await import("../../artifact/package.js");
        const { openStore } = await import("../../artifact/store.js");
        const { publishArtifact } = await import("../../artifact/remote.js");
        // The same store the templates' init containers read: var.value.sparklane_artifact_store.
        if (!opts.store && !opts.artifact) {
          const { findProject } = await import("../../project/index.js");
          const v = findProject(opts.project, process.cwd())?.config.variables.sparklane_artifact_store;
          if (typeof v === "string" && v) opts.store = v;
        }
        if (!opts.store)
          throw new UserError(
            "--store is required (or set ARTIFACT_STORE, or variables.sparklane_artifact_store in sparklane.yaml)",
            "e.g. --store s3://my-bucket/artifacts or file:///srv/artifacts",
          );
        checkVersion(opts.version);
        const attempts = Number(opts.retries);
        if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20)
          throw new UserError(`--retries: expected an integer 1-20, found '${opts.retries}'`);
        const packaged = opts.artifact
          ? { ...(await readArtifactFile(opts.artifact)), warnings: [] as string[] }
          : packageProject({ projectDir: opts.project ?? process.cwd(), version: opts.version });
        const { archive, manifest } = packaged;
        for (const w of packaged.warnings) process.stderr.write(`warning: ${w}\n`);
        if (manifest.version !== opts.version) {
          throw new UserError(
            `--artifact ${opts.artifact}: holds version ${manifest.version}, but --version is ${opts.version}`,
          );
        }
        const store = await openStore(opts.store, { endpoint: opts.endpointUrl, retry: { attempts } });
        const r = await publishArtifact(store, archive, manifest, { latest: opts.latest });
        if (opts.output === "json") {
          process.stdout.write(
            `${JSON.stringify({ ok: true, ...r, project: manifest.project, version: manifest.version, sha256: manifest.archive.sha256 })}\n`,
          );
          return;
        }
        process.stdout.write(
          `${r.alreadyPublished ? "already published (same content)" : "published"} ${manifest.project} ${manifest.version} -> ${r.location}\n` +
            `  sha256 ${manifest.archive.sha256} (${manifest.archive.size} bytes)\n` +
            (r.latestMoved ? `  latest -> ${manifest.version}\n` : ""),
        );
      },
    );
}
