// The namespace the project's template puts applications in, for the cluster commands that take no payload
// (status, logs, delete, list): they must look where `submit` created the application.
import { UserError } from "../errors.js";
import { readPayloadFile } from "../payload/index.js";
import type { Project } from "../project/index.js";
import { renderAndCheckSync } from "./pipeline.js";

// The seed's templates take the namespace from Airflow Variables, never from the payload, so any valid payload
// gives it; this one is used when the project has no sample trigger.
const PLACEHOLDER_PAYLOAD = {
  etl_module: "module",
  etl_script: "main.py",
  config_file: "config/dev-daily.yaml",
};

/**
 * metadata.namespace of the project's template (the built-in one without a project), rendered with the first
 * sample trigger; undefined when the template sets none or cannot be rendered (the next rule then applies).
 */
export function templateNamespace(project: Project | undefined): string | undefined {
  try {
    const [first] = project?.sampleTriggers() ?? [];
    const rendered = renderAndCheckSync({
      payload: first ? readPayloadFile(first) : { ...PLACEHOLDER_PAYLOAD },
      project,
      ds: "2026-01-01",
    });
    const ns = (rendered.manifest.metadata as { namespace?: unknown } | undefined)?.namespace;
    return typeof ns === "string" && ns ? ns : undefined;
  } catch (err) {
    // A template or payload that does not render is the next rule's case; a fault of ours is not hidden.
    if (err instanceof UserError) return undefined;
    throw err;
  }
}
