// `run --local --from-artifact VERSION`: run published code, fetched, verified and extracted by the same
// bootstrap the init containers run, instead of the working tree. Templates, variables and limits still come
// from the project (they are infrastructure, as in the cluster); only the code and its lock change.
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { PreparedRequest } from "../render/index.js";

export interface FromArtifactOptions {
  readonly version: string;
  /** s3://bucket/prefix or file:///dir; default $ARTIFACT_STORE, then variables.sparklane_artifact_store. */
  readonly store?: string;
  readonly endpoint?: string;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly onStep?: (step: { name: string; ms: number; detail?: string }) => void;
}

export async function withArtifactCode(
  prepared: PreparedRequest,
  o: FromArtifactOptions,
): Promise<PreparedRequest> {
  const project = prepared.project;
  if (!project) {
    throw new UserError("--from-artifact needs a project (for its name and templates)", "pass --project DIR");
  }
  const env = o.env ?? process.env;
  const configured = project.config.variables.sparklane_artifact_store;
  const store = o.store ?? env.ARTIFACT_STORE ?? (typeof configured === "string" ? configured : undefined);
  if (!store) {
    throw new UserError(
      "--from-artifact needs a store: pass --store, or set ARTIFACT_STORE or variables.sparklane_artifact_store in sparklane.yaml",
      "e.g. --store file:///srv/artifacts",
    );
  }
  const { materializeArtifact } = await import("../bootstrap/index.js");
  // Code only, as the pre-baked init container fetches it: the local runtime cache then builds (or reuses)
  // the venv from the artifact's own uv.lock, with `uv sync --frozen` exactly as the full bootstrap would.
  const fetched = await materializeArtifact({
    store,
    project: project.name,
    version: o.version,
    dest: join(project.dir, ".sparklane", "from-artifact"),
    mode: "code-only",
    endpoint: o.endpoint,
    signal: o.signal,
    onStep: o.onStep,
    env,
  });
  return { ...prepared, project: { ...project, dir: fetched.codeDir } };
}
