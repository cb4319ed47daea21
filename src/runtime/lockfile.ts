// The few facts sparklane needs from uv.lock: package versions and local (path/directory) sources, read
// through the one TOML reader (uv-project.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { LOCAL_SOURCE_KINDS, lockedPackages, type LockedPackage } from "./uv-project.js";

export type { LockedPackage } from "./uv-project.js";

/** The `[[package]]` entries of uv.lock text. */
export function parseUvLock(text: string, file = "uv.lock"): LockedPackage[] {
  return lockedPackages(text, file);
}

export interface ProjectLock {
  readonly lockFile: string;
  readonly lockText: string;
  readonly pyprojectFile: string;
  readonly pyprojectText: string;
  readonly packages: readonly LockedPackage[];
  /** Spark's version, from the locked pyspark: local mode runs the venv's own Spark. */
  readonly sparkVersion: string;
  /** Folders of path/directory/editable sources, relative to the project as uv wrote them. */
  readonly localSources: readonly string[];
}

export function readProjectLock(projectDir: string): ProjectLock {
  const pyprojectFile = join(projectDir, "pyproject.toml");
  const lockFile = join(projectDir, "uv.lock");
  if (!existsSync(pyprojectFile)) {
    throw new UserError(
      `${pyprojectFile} not found: local mode builds the driver's venv from the project's pyproject.toml and uv.lock`,
      "create it (uv init --bare) and add your dependencies, including pyspark",
    );
  }
  if (!existsSync(lockFile)) {
    throw new UserError(
      `${lockFile} not found: the venv is built with uv sync --frozen, which needs a lock file`,
      `run: uv lock --project ${projectDir}`,
    );
  }
  const lockText = readFileSync(lockFile, "utf8");
  const packages = parseUvLock(lockText, lockFile);
  const pyspark = packages.find((p) => p.name === "pyspark");
  if (!pyspark?.version) {
    throw new UserError(
      `${lockFile} has no pyspark: local mode runs Spark from the project's venv`,
      `add pyspark to the dependencies in ${pyprojectFile} (e.g. "pyspark==4.0.1") and run uv lock`,
    );
  }
  return {
    lockFile,
    lockText,
    pyprojectFile,
    pyprojectText: readFileSync(pyprojectFile, "utf8"),
    packages,
    sparkVersion: pyspark.version,
    localSources: packages
      .filter((p) => p.source && LOCAL_SOURCE_KINDS.has(p.source.kind) && p.source.value !== ".")
      .map((p) => p.source!.value)
      .sort(),
  };
}
