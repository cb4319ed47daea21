// The seed's project layout: <project>/<module>/{*.py, config/*.yaml}, pyproject.toml, uv.lock.
// Layout problems are reported as lint findings, not thrown: a project can be mid-refactor and still render.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Issue } from "../errors.js";
import type { Project } from "./index.js";

export interface LayoutFinding extends Issue {
  readonly rule: string;
  readonly severity: "error" | "warning";
}

export interface Module {
  readonly name: string;
  readonly dir: string;
  readonly scripts: readonly string[];
  /** App configs, relative to the module folder (config/dev-daily.yaml). */
  readonly configs: readonly string[];
}

/**
 * Top-level folders that are never modules, even with .py files inside: developer helpers, tests, samples and
 * outputs. One list for lint's module discovery and for what `package` ships as modules.
 */
export const NON_MODULE_DIRS: ReadonlySet<string> = new Set([
  "triggers",
  "data",
  "scripts",
  "tests",
  "test",
  "node_modules",
  "__pycache__",
  "output",
  "sparkapps",
]);

/** Module folders: top-level folders holding at least one .py file and a config/ folder. */
export function discoverModules(project: Project): Module[] {
  const modules: Module[] = [];
  for (const name of readdirSync(project.dir).sort()) {
    const dir = join(project.dir, name);
    if (name.startsWith(".") || NON_MODULE_DIRS.has(name) || !statSync(dir).isDirectory()) continue;
    const scripts = readdirSync(dir)
      .filter((f) => f.endsWith(".py") && f !== "__init__.py")
      .sort();
    const configDir = join(dir, "config");
    const configs = existsSync(configDir)
      ? readdirSync(configDir)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .sort()
          .map((f) => `config/${f}`)
      : [];
    if (scripts.length > 0 && configs.length > 0) modules.push({ name, dir, scripts, configs });
  }
  return modules;
}

/** Checks that a payload's module, script and config exist in the project. */
export function checkPayloadTargets(
  project: Project,
  payload: Record<string, unknown>,
  source: string,
): LayoutFinding[] {
  const findings: LayoutFinding[] = [];
  const mod = typeof payload.etl_module === "string" ? payload.etl_module : undefined;
  if (!mod) return findings;
  const modDir = join(project.dir, mod);
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  if (!existsSync(modDir)) {
    findings.push({
      rule: "layout",
      severity: "error",
      where: `${source}: etl_module`,
      message: `module folder ${rel(modDir)} does not exist`,
    });
    return findings;
  }
  for (const key of ["etl_script", "config_file"] as const) {
    const value = payload[key];
    if (typeof value === "string" && !existsSync(join(modDir, value))) {
      findings.push({
        rule: "layout",
        severity: "error",
        where: `${source}: ${key}`,
        message: `${rel(join(modDir, value))} does not exist`,
      });
    }
  }
  return findings;
}

/** pyproject.toml and uv.lock at the root, as the init-container bootstrap needs them. */
export function checkProjectFiles(project: Project): LayoutFinding[] {
  const findings: LayoutFinding[] = [];
  for (const f of ["pyproject.toml", "uv.lock"]) {
    if (!existsSync(join(project.dir, f))) {
      findings.push({
        rule: "layout",
        severity: "warning",
        where: join(project.dir, f),
        message: `missing ${f}: the bootstrap builds the venv from it with uv sync --frozen`,
        hint: f === "uv.lock" ? "run `uv lock` in the project" : undefined,
      });
    }
  }
  return findings;
}

export function readText(file: string): string {
  return readFileSync(file, "utf8");
}
