import type { Command } from "commander";
import { out } from "../io.js";

export function register(program: Command): void {
  program
    .command("init")
    .description("create a new project in the example's layout, ready for `sparklane run --local`")
    .argument("<dir>", "new or empty folder for the project")
    .option("--name <name>", "project name in sparklane.yaml (default: the folder's name)")
    .action(async (dir: string, flags: { name?: string }) => {
      const { initProject } = await import("../../project/init.js");
      const r = initProject({ dir, name: flags.name });
      const conf = `${dir}/triggers/visits-daily.json`;
      out(
        [
          `created project ${r.name} in ${r.dir} (${r.files.length} files)`,
          "next:",
          `  sparklane validate --project ${dir}`,
          `  sparklane run --local --project ${dir} --conf ${conf}`,
          "",
        ].join("\n"),
      );
    });
}
