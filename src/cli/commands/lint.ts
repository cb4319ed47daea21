import { Option, type Command } from "commander";
import { collect } from "../output.js";
import { out } from "../io.js";

export function register(program: Command): void {
  program
    .command("lint")
    .description(
      "check a project against the seed's lessons: layout, config split, Ivy dir, labels, JMX sidecar",
    )
    .option(
      "--project <dir>",
      "project folder with sparklane.yaml (default: the current folder if it has one)",
    )
    .option(
      "--conf <file>",
      "payload to render for the manifest rules (repeatable; default: the project's triggers)",
      collect,
    )
    .option("--template-dir <dir>", "Airflow template search path (repeatable)", collect)
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"))
    .action(async (flags: { project?: string; conf?: string[]; templateDir?: string[]; output: string }) => {
      const { findProject } = await import("../../project/index.js");
      const { lintProject } = await import("../../lint/project.js");
      const report = lintProject({
        project: findProject(flags.project, process.cwd()),
        payloadFiles: flags.conf ?? [],
        templateDir: flags.templateDir,
      });
      if (flags.output === "json") {
        out(
          `${JSON.stringify({ ok: report.errors === 0, errors: report.errors, warnings: report.warnings, rendersLinted: report.cells.filter((c) => c.rendered !== undefined).length, findings: report.findings }, null, 2)}\n`,
        );
      } else {
        const lines = report.findings.map(
          (f) => `${f.severity}: ${f.where}: ${f.message}${f.hint ? `\n  fix: ${f.hint}` : ""}`,
        );
        // Only renders that happened were linted; the ones that failed are counted apart (their errors are above).
        const linted = report.cells.filter((c) => c.rendered !== undefined).length;
        const failed = report.cells.length - linted;
        lines.push(
          `${report.errors} error${report.errors === 1 ? "" : "s"}, ${report.warnings} warning${report.warnings === 1 ? "" : "s"} (${linted} render${linted === 1 ? "" : "s"} linted${failed > 0 ? `, ${failed} failed to render` : ""})`,
        );
        out(`${lines.join("\n")}\n`);
      }
      // Errors are rejected input (exit 2); warnings alone pass.
      if (report.errors > 0) process.exitCode = 2;
    });
}
