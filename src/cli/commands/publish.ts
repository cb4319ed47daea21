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
        const { publishProject } = await import("../../artifact/publish.js");
        const r = await publishProject({
          store: opts.store,
          version: opts.version,
          projectDir: opts.project,
          artifact: opts.artifact,
          latest: opts.latest,
          endpoint: opts.endpointUrl,
          retries: opts.retries,
          cwd: process.cwd(),
          onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
        });
        const { manifest } = r;
        if (opts.output === "json") {
          process.stdout.write(
            `${JSON.stringify({ ok: true, location: r.location, alreadyPublished: r.alreadyPublished, latestMoved: r.latestMoved, project: manifest.project, version: manifest.version, sha256: manifest.archive.sha256 })}\n`,
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
