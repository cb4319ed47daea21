import { Option, type Command } from "commander";
import { addRenderFlags, renderRequestFromFlags, type RenderFlags } from "../render-flags.js";
import { err, out } from "../io.js";

export function register(program: Command): void {
  addRenderFlags(
    program
      .command("render")
      .description("render a SparkApplication from a trigger payload exactly as Airflow would, and check it")
      .addOption(
        new Option(
          "--output <format>",
          "yaml: the rendered text as Jinja2 produced it; json: the parsed manifest",
        )
          .choices(["yaml", "json"])
          .default("yaml"),
      ),
  ).action(async (flags: RenderFlags & { output: "yaml" | "json" }) => {
    const { renderAndCheck } = await import("../../render/index.js");
    const rendered = await renderAndCheck(await renderRequestFromFlags(flags));
    for (const w of rendered.warnings) err(`warning: ${w.where}: ${w.message}\n`);
    // Everything is computed before the first byte is written, so stdout stays empty on any error.
    out(
      flags.output === "json"
        ? `${JSON.stringify(rendered.manifest, null, 2)}\n`
        : rendered.text.endsWith("\n")
          ? rendered.text
          : `${rendered.text}\n`,
    );
  });
}
