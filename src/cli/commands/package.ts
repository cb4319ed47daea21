import { join } from "node:path";
import type { Command } from "commander";

export function register(program: Command): void {
  // `package`, `publish` and `bootstrap` take `--version V` (the artifact version, as the issue and the
  // seed's ETL_VERSION name it). Without positional options the root program's own `--version` would
  // swallow it after the subcommand name; the root's flags still work before it.
  program.enablePositionalOptions();
  program
    .command("package")
    .description(
      "build a deterministic tar.gz of the project's code (modules, configs, pyproject.toml, uv.lock) with a manifest",
    )
    .requiredOption("--version <version>", "artifact version, e.g. 1.4.0")
    .option("--project <dir>", "project folder holding sparklane.yaml (default: current folder)")
    .option("--out <file>", "archive path (default: <project>/.sparklane/artifacts/<name>-<version>.tar.gz)")
    .option("--output <format>", "text or json", "text")
    .action(async (opts: { version: string; project?: string; out?: string; output: string }) => {
      const { packageProject, writePackage } = await import("../../artifact/package.js");
      const t0 = performance.now();
      const result = packageProject({ projectDir: opts.project ?? process.cwd(), version: opts.version });
      const m = result.manifest;
      const out =
        opts.out ??
        join(opts.project ?? process.cwd(), ".sparklane", "artifacts", `${m.project}-${m.version}.tar.gz`);
      const written = await writePackage(result, out);
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      const ms = Math.round(performance.now() - t0);
      if (opts.output === "json") {
        process.stdout.write(
          `${JSON.stringify({ ok: true, ...written, project: m.project, version: m.version, archive_sha256: m.archive.sha256, size: m.archive.size, files: result.files.length, modules: m.modules, fingerprint: m.fingerprint, ms })}\n`,
        );
        return;
      }
      process.stdout.write(
        `packaged ${m.project} ${m.version}: ${result.files.length} files, modules ${m.modules.join(", ")}\n` +
          `  archive     ${written.archive} (${m.archive.size} bytes)\n` +
          `  sha256      ${m.archive.sha256}\n` +
          `  fingerprint ${m.fingerprint}\n` +
          `  manifest    ${written.manifest}\n` +
          `  took        ${ms} ms\n`,
      );
    });
}
