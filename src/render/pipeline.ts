// payload -> variant -> Jinja2 render -> YAML 1.1 parse -> manifest checks, all pure once the templates are
// loaded (the Environment reads template files once and caches them).
import { basename, dirname, resolve } from "node:path";
import { statSync } from "node:fs";
import { ValidationError, UserError } from "../errors.js";
import {
  checkLogicalDate,
  checkPayload,
  payloadValues,
  pythonConf,
  type PayloadInput,
} from "../payload/index.js";
import { builtinTemplateDir, loadProject, type Project } from "../project/index.js";
import {
  Environment,
  TemplateError,
  airflowContext,
  isoformat,
  parseLogicalDate,
  type Template,
} from "../template/index.js";
import { parseRendered, checkManifest, type SparkApplication } from "../manifest/index.js";
import type { RenderRequest, Rendered, Variant } from "./types.js";

export const DEFAULT_DAG_ID = "generic_spark_etl";
export const DEFAULT_TASK_ID = "submit_spark_etl";

/** The context values the payload reaches, for the taint that the structure check follows. */
const PAYLOAD_PATHS = ["dag_run.conf", "params"] as const;

/** The template name Airflow's DAG includes: `sparkapps/generic-spark-app{suffix}.yaml`. */
export function templateNameFor(variant: Variant): string {
  return `sparkapps/generic-spark-app${variant === "pre-baked" ? "-pre-baked" : ""}.yaml`;
}

/** The variant the seed's DAG picks: `sparkapp_suffix`, defaulting to `-pre-baked`; `--variant` overrides it. */
export function variantFor(payload: PayloadInput, override?: Variant): Variant {
  if (override) return override;
  const suffix = payloadValues(payload).sparkapp_suffix ?? "-pre-baked";
  return suffix === "" ? "standard" : "pre-baked";
}

const environments = new Map<string, Environment>();

/** Forgets loaded templates (the Environment caches them by search path, not by content). */
export function clearTemplateCache(): void {
  environments.clear();
}
function environmentFor(searchPath: readonly string[]): Environment {
  const key = searchPath.join("\0");
  let env = environments.get(key);
  if (!env) {
    env = new Environment({ searchPath });
    environments.set(key, env);
  }
  return env;
}

export interface PreparedRequest extends RenderRequest {
  readonly project?: Project;
}

function pickTemplate(req: PreparedRequest, variant: Variant): { template: Template; variant: Variant } {
  if (req.template) {
    const file = resolve(req.template);
    const env = environmentFor([dirname(file), ...(req.templateDir ?? []).map((d) => resolve(d))]);
    const v = req.variant ?? (basename(file).includes("pre-baked") ? "pre-baked" : "standard");
    return { template: env.getTemplate(basename(file)), variant: v };
  }
  const searchPath = req.templateDir?.length
    ? req.templateDir.map((d) => resolve(d))
    : (req.project?.templateSearchPath ?? [builtinTemplateDir]);
  try {
    return { template: environmentFor(searchPath).getTemplate(templateNameFor(variant)), variant };
  } catch (e) {
    throw missingFolderError(e, req) ?? e;
  }
}

/**
 * A template not found because a search-path folder does not exist says so, naming the flag or the
 * sparklane.yaml key. Airflow ignores a missing search-path folder, so this is only looked at on a miss.
 */
function missingFolderError(e: unknown, req: PreparedRequest): UserError | undefined {
  if (!(e instanceof TemplateError) || e.kind !== "TemplateNotFound") return undefined;
  const [source, dirs] = req.templateDir?.length
    ? ["--template-dir", req.templateDir.map((d) => resolve(d))]
    : [`${req.project?.file ?? "sparklane.yaml"}: templates`, req.project?.templateSearchPath ?? []];
  const missing = dirs.filter((d) => !statSync(d, { throwIfNoEntry: false })?.isDirectory());
  if (missing.length === 0) return undefined;
  return new UserError(
    `${source} ${missing.join(", ")}: no such folder`,
    "point it at the folder that holds sparkapps/generic-spark-app*.yaml (Airflow's template_searchpath)",
  );
}

/**
 * The logical date as Airflow holds it for a manual run: `--logical-date` as given (in UTC), else `--ds` (or
 * today) at midnight UTC. The run id is Airflow's for a manual run, `manual__<logical date isoformat>`.
 */
function airflowDates(req: RenderRequest): { ds: string; ts: string; runId: string } {
  if (req.logicalDate !== undefined && req.ds !== undefined) {
    throw new UserError(
      "--ds and --logical-date both given: --ds is the shorthand for --logical-date <ds>T00:00:00+00:00; give one",
    );
  }
  let ts: string;
  if (req.logicalDate !== undefined) {
    const ld = parseLogicalDate(req.logicalDate);
    if (!ld) {
      throw new UserError(
        `--logical-date ${req.logicalDate}: expected ISO 8601 with an offset, e.g. 2026-03-15T06:30:00+00:00`,
      );
    }
    ts = isoformat(ld);
  } else {
    const ds = checkLogicalDate(req.ds ?? (req.now ?? new Date()).toISOString().slice(0, 10));
    ts = `${ds}T00:00:00+00:00`;
  }
  return { ds: ts.slice(0, 10), ts, runId: req.runId ?? `manual__${ts}` };
}

/** Synchronous core, for library use and the throughput benchmark. */
export function renderAndCheckSync(req: PreparedRequest): Rendered {
  const project = req.project;
  const payload = req.payload;
  checkPayload(payloadValues(payload), {
    limits: project?.config.payload.limits,
    extraKeys: project?.config.payload.extra_keys,
  });

  const { template, variant } = pickTemplate(req, variantFor(payload, req.variant));
  const { ds, ts, runId } = airflowDates(req);
  const dagId = req.dagId ?? project?.config.dag_id ?? DEFAULT_DAG_ID;
  const taskId = req.taskId ?? project?.config.task_id ?? DEFAULT_TASK_ID;
  const varValues: Record<string, unknown> = project
    ? { sparklane_project: project.name, ...project.config.variables }
    : {};
  const ctx = airflowContext({
    conf: pythonConf(payload),
    dagId,
    taskId,
    ds,
    runId,
    ts,
    varValues,
    params: project?.config.params ?? {},
  });
  // What the trigger payload feeds: dag_run.conf, and params (Airflow merges the conf into them).
  const { text, spans, tainted, closed } = template.renderWithSpans(ctx, { payload: PAYLOAD_PATHS });

  const file = `${template.file} (rendered)`;
  const parsed = parseRendered(text, spans, file, { reuse: req.parseReuse });
  const checked = checkManifest(parsed, { spans, tainted, closed, policy: project?.config.policy, file });
  if (checked.issues.length > 0) throw new ValidationError("manifest", checked.issues);
  return {
    text,
    // No issues means the CRD schema accepted it: the generated type describes it from here on.
    manifest: checked.manifest as unknown as SparkApplication,
    templateFile: template.file,
    variant,
    context: { dagId, taskId, ds, ts, runId },
    warnings: checked.warnings,
  };
}

/** Renders and checks; loads `req.projectDir` unless a loaded project is passed. */
export async function renderAndCheck(req: PreparedRequest): Promise<Rendered> {
  return renderAndCheckSync({
    ...req,
    project: req.project ?? (req.projectDir ? loadProject(req.projectDir) : undefined),
  });
}
