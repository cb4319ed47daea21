// The few facts sparklane needs from uv.lock: package versions and local (path/directory) sources. A
// targeted scan of uv's own output format, not a general TOML reader.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";

export interface LockedPackage {
  readonly name: string;
  readonly version?: string;
  /** e.g. { kind: "registry", value: "<index url>" } or { kind: "directory", value: "../pkg" }. */
  readonly source?: { kind: string; value: string };
}

export function parseUvLock(text: string): LockedPackage[] {
  return text
    .split(/^\[\[package\]\]\s*$/m)
    .slice(1)
    .map((block) => {
      const body = block.split(/^\[/m)[0] ?? "";
      const name = /^name = "([^"]+)"/m.exec(body)?.[1];
      const version = /^version = "([^"]+)"/m.exec(body)?.[1];
      const src = /^source = \{ (\w+) = "([^"]*)"/m.exec(body);
      return { name: name ?? "", version, source: src ? { kind: src[1], value: src[2] } : undefined };
    })
    .filter((p) => p.name !== "");
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

const LOCAL_KINDS = new Set(["directory", "editable", "path"]);

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
  const packages = parseUvLock(lockText);
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
      .filter((p) => p.source && LOCAL_KINDS.has(p.source.kind) && p.source.value !== ".")
      .map((p) => p.source!.value)
      .sort(),
  };
}
