// `sparklane init DIR`: a new project in the example's layout that runs with `run --local` from anywhere.
// The driver-side package (python/sparklane-etl) is copied into the project and referenced by a relative
// path inside it, so the project needs neither the sparklane repository nor a registry that publishes that
// package; it moves, packages and publishes as a unit (see docs/decisions.md).
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { UserError } from "../errors.js";
import { packageRoot, PROJECT_FILE } from "./index.js";

/** Where the driver package lands inside a new project. Not a module: it holds no config/ folder. */
export const VENDORED_DRIVER_DIR = "vendor/sparklane-etl";

const EXAMPLE = join(packageRoot, "examples", "visits-etl");
const DRIVER = join(packageRoot, "python", "sparklane-etl");
const MODULE = "visits_distinct";

export interface InitRequest {
  readonly dir: string;
  /** sparklane.yaml `name` (default: the folder's name, lower-cased, when that is a valid name). */
  readonly name?: string;
}

export interface InitResult {
  readonly dir: string;
  readonly name: string;
  /** Paths relative to the project, sorted. */
  readonly files: readonly string[];
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function projectName(dir: string, name: string | undefined): string {
  if (name !== undefined) {
    if (!NAME.test(name))
      throw new UserError(
        `--name ${name}: expected a DNS-1123 label such as visits-etl`,
        "use a-z, 0-9 and -",
      );
    return name;
  }
  const derived = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  if (!NAME.test(derived))
    throw new UserError(
      `cannot derive a project name from the folder ${basename(dir)}`,
      "pass --name NAME (a DNS-1123 label such as visits-etl)",
    );
  return derived;
}

function sparklaneYaml(name: string): string {
  return `# sparklane project file (created by sparklane init). Templates: sparklane's built-in ones.
name: ${name}
triggers: triggers
variables:
  # Airflow Variables, seen by the templates as var.value.
  sparklane_project: ${name}
  # Maven packages for spark.jars.packages (comma-separated); empty: no Ivy resolution at all.
  sparklane_spark_jars_packages: ""
`;
}

function pyprojectToml(name: string): string {
  return `[project]
name = "${name}"
version = "0.1.0"
description = "A sparklane ETL project."
requires-python = ">=3.10"
dependencies = [
    "pyspark==4.0.1",
    "sparklane-etl",
]

[tool.uv]
package = false
# Resolving only what was published before this date makes \`uv lock\` write the same lock on every machine.
exclude-newer = "2026-11-01T00:00:00Z"

[tool.uv.sources]
# The driver-side runtime, copied into the project by sparklane init: no path outside the project.
sparklane-etl = { path = "${VENDORED_DRIVER_DIR}" }
`;
}

const GITIGNORE = `.venv/
.sparklane/
output/
__pycache__/
spark-warehouse/
`;

function listFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) listFiles(root, abs, out);
    else out.push(relative(root, abs).split(sep).join("/"));
  }
  return out;
}

/**
 * Creates the project. DIR must not exist or be empty; the project is assembled in a sibling folder and
 * renamed into place, so a failure leaves nothing half-written.
 */
export function initProject(req: InitRequest): InitResult {
  const dir = resolve(req.dir);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new UserError(`${req.dir}: exists and is not a folder`);
  if (st && readdirSync(dir).length > 0)
    throw new UserError(`${req.dir}: the folder is not empty`, "pass a new or empty folder");
  if (!existsSync(join(EXAMPLE, PROJECT_FILE)) || !existsSync(join(DRIVER, "pyproject.toml")))
    throw new UserError(
      `this sparklane installation has no project skeleton (${EXAMPLE}, ${DRIVER})`,
      "reinstall sparklane; init copies its example project and driver package",
    );
  const name = projectName(dir, req.name);
  if (!existsSync(dirname(dir))) throw new UserError(`${req.dir}: the parent folder does not exist`);
  const tmp = mkdtempSync(join(dirname(dir), `.${basename(dir)}.init-`));
  try {
    writeFileSync(join(tmp, PROJECT_FILE), sparklaneYaml(name));
    writeFileSync(join(tmp, "pyproject.toml"), pyprojectToml(name));
    writeFileSync(join(tmp, ".gitignore"), GITIGNORE);
    const skip = (src: string) =>
      !/(^|[\\/])(__pycache__|\.venv|\.sparklane|output|spark-warehouse)$/.test(src);
    cpSync(join(EXAMPLE, MODULE), join(tmp, MODULE), { recursive: true, filter: skip });
    cpSync(join(EXAMPLE, "data"), join(tmp, "data"), { recursive: true });
    for (const t of ["visits-daily.json", "visits-bulk.json"])
      cpSync(join(EXAMPLE, "triggers", t), join(tmp, "triggers", t));
    for (const part of ["pyproject.toml", "README.md", "src"])
      cpSync(join(DRIVER, part), join(tmp, VENDORED_DRIVER_DIR, part), { recursive: true, filter: skip });
    if (st) rmdirSync(dir); // empty, checked above
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, name, files: listFiles(dir) };
}
