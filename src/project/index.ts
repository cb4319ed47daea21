// Project discovery: `sparklane.yaml`, its template search path and sample triggers.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import { UserError, ValidationError, type Issue } from "../errors.js";
import { formatPath } from "../payload/index.js";
import { projectConfigSchema, type ProjectConfig } from "./config.js";

export { projectConfigSchema, type ProjectConfig } from "./config.js";

export const PROJECT_FILE = "sparklane.yaml";

/** The sparklane package's folder: the one holding its package.json. */
export const packageRoot: string = (() => {
  // Works from src/ (tests through tsx) and from the bundle in dist/ alike: walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** sparklane's own templates (`templates/` in the package), used when no project or template dir is given. */
export const builtinTemplateDir: string = join(packageRoot, "templates");

export interface Project {
  readonly dir: string;
  readonly file: string;
  readonly name: string;
  readonly config: ProjectConfig;
  /** Absolute template search path (Airflow's template_searchpath). */
  readonly templateSearchPath: readonly string[];
  readonly triggersDir: string;
  /** Absolute paths of sample payloads, sorted. */
  sampleTriggers(): string[];
}

/** Loads `<dir>/sparklane.yaml`; throws UserError/ValidationError naming the file and line. */
export function loadProject(dir: string): Project {
  const root = resolve(dir);
  const file = join(root, PROJECT_FILE);
  const dirStat = statSync(root, { throwIfNoEntry: false });
  if (!dirStat?.isDirectory()) {
    throw new UserError(
      `--project ${dir}: ${dirStat ? "is not a folder" : "no such folder"} (${root})`,
      "pass the project folder (the one holding sparklane.yaml), or create a project with: sparklane init DIR",
    );
  }
  if (!existsSync(file)) {
    throw new UserError(
      `--project ${dir}: no ${PROJECT_FILE} in ${root}`,
      `create ${PROJECT_FILE} with at least 'name: <project>'`,
    );
  }
  const text = readFileSync(file, "utf8");
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    uniqueKeys: true,
    lineCounter: lines,
    prettyErrors: false,
  });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      PROJECT_FILE,
      doc.errors.map((e) => ({
        where: `${file}:${e.linePos?.[0]?.line ?? "?"}:${e.linePos?.[0]?.col ?? "?"}`,
        message: e.message.split("\n")[0],
      })),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 50 }) ?? {};
  const result = projectConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues: Issue[] = result.error.issues.map((zi) => {
      const node = doc.getIn(zi.path as unknown[], true) as { range?: [number, number, number] } | undefined;
      const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
      return {
        where: `${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${formatPath(zi.path)}`,
        message: zi.message,
      };
    });
    throw new ValidationError(PROJECT_FILE, issues);
  }
  const config = result.data;
  const templates =
    config.templates === undefined
      ? []
      : Array.isArray(config.templates)
        ? config.templates
        : [config.templates];
  const templateSearchPath =
    templates.length > 0 ? templates.map((t) => resolve(root, t)) : [builtinTemplateDir];
  const triggersDir = resolve(root, config.triggers);
  return {
    dir: root,
    file,
    name: config.name,
    config,
    templateSearchPath,
    triggersDir,
    sampleTriggers: () =>
      existsSync(triggersDir)
        ? readdirSync(triggersDir)
            .filter((f) => f.endsWith(".json"))
            .sort()
            .map((f) => join(triggersDir, f))
        : [],
  };
}

/** `--project DIR`, or the current directory when it holds a sparklane.yaml, or none (built-in templates). */
export function findProject(projectDir: string | undefined, cwd: string): Project | undefined {
  if (projectDir !== undefined) return loadProject(projectDir);
  return existsSync(join(cwd, PROJECT_FILE)) ? loadProject(cwd) : undefined;
}
