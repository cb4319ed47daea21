// `sparklane publish`: package the project (or take an archive `package` made) and upload it to a store.
import { UserError } from "../errors.js";
import { checkVersion, type PublishedManifest } from "./manifest.js";
import { packageProject, readArtifactFile } from "./package.js";
import { publishArtifact, type PublishResult } from "./remote.js";
import { openStore } from "./open.js";
import { attemptsFrom } from "./store.js";

export interface PublishRequest {
  /** s3://bucket/prefix or file:///dir; default the project's variables.sparklane_artifact_store. */
  readonly store?: string;
  readonly version: string;
  /** Project folder; default the working directory. */
  readonly projectDir?: string;
  /** An archive from `sparklane package`, published instead of packaging now. */
  readonly artifact?: string;
  readonly latest: boolean;
  readonly endpoint?: string;
  /** Attempts per store call, as the flag gives it. */
  readonly retries: string;
  readonly cwd: string;
  readonly onWarning?: (message: string) => void;
}

export interface Published extends PublishResult {
  readonly manifest: PublishedManifest;
}

export async function publishProject(r: PublishRequest): Promise<Published> {
  const store = r.store ?? (r.artifact ? undefined : await configuredStore(r.projectDir, r.cwd));
  if (!store)
    throw new UserError(
      "--store is required (or set ARTIFACT_STORE, or variables.sparklane_artifact_store in sparklane.yaml)",
      "e.g. --store s3://my-bucket/artifacts or file:///srv/artifacts",
    );
  checkVersion(r.version);
  const attempts = attemptsFrom(r.retries);
  const packaged = r.artifact
    ? { ...(await readArtifactFile(r.artifact)), warnings: [] as string[] }
    : packageProject({ projectDir: r.projectDir ?? r.cwd, version: r.version });
  const { archive, manifest } = packaged;
  for (const w of packaged.warnings) r.onWarning?.(w);
  if (manifest.version !== r.version) {
    throw new UserError(
      `--artifact ${r.artifact}: holds version ${manifest.version}, but --version is ${r.version}`,
    );
  }
  const opened = await openStore(store, { endpoint: r.endpoint, retry: { attempts } });
  return { ...(await publishArtifact(opened, archive, manifest, { latest: r.latest })), manifest };
}

/** The same store the templates' init containers read: var.value.sparklane_artifact_store. */
async function configuredStore(projectDir: string | undefined, cwd: string): Promise<string | undefined> {
  const { findProject } = await import("../project/index.js");
  const v = findProject(projectDir, cwd)?.config.variables.sparklane_artifact_store;
  return typeof v === "string" && v ? v : undefined;
}
