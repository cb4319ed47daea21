// The render flags, shared by every command that renders (render, run, submit) so they stay identical.
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import type { Project } from "../project/index.js";
import type { PreparedRequest, Variant } from "../render/index.js";
import { collect } from "./output.js";

export interface RenderFlags {
  conf?: string;
  set?: string[];
  project?: string;
  templateDir?: string[];
  template?: string;
  variant?: Variant | "auto";
  dagId?: string;
  taskId?: string;
  ds?: string;
  logicalDate?: string;
  runId?: string;
}

export function addRenderFlags(cmd: Command, opts: { confRequired?: boolean; auto?: boolean } = {}): Command {
  const conf = new Option("--conf <file>", "trigger payload JSON (Airflow dag_run.conf); - reads stdin");
  if (opts.confRequired ?? true) conf.makeOptionMandatory();
  return cmd
    .addOption(conf)
    .option(
      "--set <key=value>",
      "set a payload key (repeatable); integers, true/false/null and JSON objects are parsed",
      collect,
    )
    .option(
      "--project <dir>",
      "project folder with sparklane.yaml (default: the current folder if it has one)",
    )
    .option("--template-dir <dir>", "Airflow template search path (repeatable)", collect)
    .option("--template <file>", "render this template file instead of picking a variant")
    .addOption(
      new Option(
        "--variant <variant>",
        opts.auto
          ? "template variant; auto: pre-baked when the registry has an image for the current dependency fingerprint (sparklane.yaml bake:), else standard (default: payload sparkapp_suffix, else pre-baked)"
          : "template variant (default: payload sparkapp_suffix, else pre-baked)",
      ).choices(opts.auto ? ["standard", "pre-baked", "auto"] : ["standard", "pre-baked"]),
    )
    .option("--dag-id <id>", "dag.dag_id (default: sparklane.yaml dag_id, else generic_spark_etl)")
    .option("--task-id <id>", "task.task_id (default: sparklane.yaml task_id, else submit_spark_etl)")
    .option("--ds <date>", "logical date YYYY-MM-DD, i.e. midnight UTC (default: today, UTC)")
    .option(
      "--logical-date <iso>",
      "logical date and time with an offset, e.g. 2026-03-15T06:30:00+00:00, for ts, logical_date, ds... (instead of --ds)",
    )
    .option(
      "--run-id <id>",
      "run_id (default: manual__<logical date>, e.g. manual__2026-03-15T00:00:00+00:00)",
    );
}

/** Reads the payload (file or stdin), applies --set, finds the project: everything render needs. */
export async function renderRequestFromFlags(
  flags: RenderFlags,
  cwd = process.cwd(),
): Promise<PreparedRequest> {
  const { readPayloadFile, parsePayloadText, applySets, checkLogicalDate } =
    await import("../payload/index.js");
  const { findProject } = await import("../project/index.js");
  // Before the payload is read, so a bad date is reported on its own.
  if (flags.ds !== undefined) checkLogicalDate(flags.ds);
  const given =
    flags.conf === "-"
      ? parsePayloadText(readFileSync(0, "utf8"), "stdin")
      : flags.conf !== undefined
        ? readPayloadFile(flags.conf)
        : {};
  const payload = applySets(given, flags.set ?? []);
  // Templates: --template, else --template-dir, else the project's, else the built-in ones. The project still
  // supplies var.value, params, limits and policy when a template is named explicitly.
  const project: Project | undefined = findProject(flags.project, cwd);
  return {
    payload,
    project,
    template: flags.template,
    templateDir: flags.templateDir,
    variant: flags.variant === "auto" ? undefined : flags.variant,
    dagId: flags.dagId,
    taskId: flags.taskId,
    ds: flags.ds,
    logicalDate: flags.logicalDate,
    runId: flags.runId,
  };
}

/**
 * `--variant auto`: asks the registry whether a pre-baked image exists for the project's current fingerprint.
 * Fresh: the pre-baked variant, with that image (by digest) as the template's sparklane_pre_baked_image.
 * Otherwise the standard variant, and one line naming the missing or stale fingerprint.
 */
export async function applyAutoVariant(
  req: PreparedRequest,
  flags: RenderFlags,
  say: (line: string) => void,
): Promise<PreparedRequest> {
  if (flags.variant !== "auto") return req;
  const { bakeTarget } = await import("../bake/project.js");
  const { checkImage, airflowVariables } = await import("../bake/index.js");
  const result = await checkImage(await bakeTarget(req, {}, "--variant auto"));
  if (!result.fresh) {
    say(`--variant auto: standard, ${result.reason}; sparklane bake --push makes it`);
    return { ...req, variant: "standard" };
  }
  const image = airflowVariables(result).sparklane_pre_baked_image;
  say(`--variant auto: pre-baked, ${image} matches fingerprint ${result.fingerprint}`);
  const project = req.project!;
  return {
    ...req,
    variant: "pre-baked",
    project: {
      ...project,
      config: {
        ...project.config,
        variables: { ...project.config.variables, sparklane_pre_baked_image: image },
      },
    },
  };
}
