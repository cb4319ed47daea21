import { relative } from "node:path";
import { Option, type Command } from "commander";
import { collect } from "../output.js";
import { out } from "../io.js";

export function register(program: Command): void {
  program
    .command("validate")
    .description("render and check every template variant x every sample payload of a project")
    .option(
      "--project <dir>",
      "project folder with sparklane.yaml (default: the current folder if it has one)",
    )
    .option("--conf <file>", "payload to check (repeatable; default: the project's triggers/*.json)", collect)
    .option(
      "--template-dir <dir>",
      "Airflow template search path (repeatable; default: the project's, else built-in)",
      collect,
    )
    .option("--dag-id <id>", "dag.dag_id")
    .option("--task-id <id>", "task.task_id")
    .option("--ds <date>", "logical date YYYY-MM-DD (default: 2026-01-01, so results are reproducible)")
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"))
    .action(
      async (flags: {
        project?: string;
        conf?: string[];
        templateDir?: string[];
        dagId?: string;
        taskId?: string;
        ds?: string;
        output: string;
      }) => {
        const { findProject } = await import("../../project/index.js");
        if (flags.ds !== undefined) (await import("../../payload/index.js")).checkLogicalDate(flags.ds);
        const { renderMatrix } = await import("../../render/matrix.js");
        const project = findProject(flags.project, process.cwd());
        const cells = renderMatrix({
          project,
          payloadFiles: flags.conf ?? [],
          templateDir: flags.templateDir,
          dagId: flags.dagId,
          taskId: flags.taskId,
          ds: flags.ds,
        });
        const failed = cells.filter((c) => !c.ok).length;
        if (flags.output === "json") {
          out(
            `${JSON.stringify({ ok: failed === 0, cells: cells.map(({ rendered: _r, ...c }) => c) }, null, 2)}\n`,
          );
        } else {
          const lines: string[] = [];
          // Columns as wide as their longest entry, so long payload or application names stay aligned.
          const width = (values: string[]) => Math.max(...values.map((v) => v.length));
          const payloadW = width(cells.map((c) => c.payload));
          const variantW = width(cells.map((c) => c.variant));
          const nameW = width(cells.map((c) => (c.ok ? (c.name ?? "") : "")));
          for (const c of cells) {
            const columns = [c.ok ? "ok  " : "FAIL", c.payload.padEnd(payloadW), c.variant.padEnd(variantW)];
            if (c.ok) columns.push((c.name ?? "").padEnd(nameW), relative(process.cwd(), c.template ?? ""));
            lines.push(columns.join("  ").trimEnd());
            for (const i of c.issues)
              lines.push(
                `      ${c.ok ? "warning" : "error"}: ${i.where}: ${i.message}${i.hint ? `\n        hint: ${i.hint}` : ""}`,
              );
          }
          lines.push(`${cells.length - failed} of ${cells.length} renders passed every check`);
          out(`${lines.join("\n")}\n`);
        }
        if (failed > 0) process.exitCode = 2;
      },
    );
}
