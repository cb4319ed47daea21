// Where the pod's paths are on this machine. The init container puts the project's module folders under
// /app (standard) or /app/etl (pre-baked); locally they are the project folder itself.
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { distance } from "fastest-levenshtein";
import { UserError } from "../errors.js";
import type { SparkApplication, SparkApplicationSpec } from "../manifest/index.js";

const PREFIXES = ["/app/etl/", "/app/"] as const;

/** Maps `local:///app/...` or `/app/...` (and `/app/etl/...`) into the project; undefined for other values. */
export function mapAppPath(value: string, projectDir: string): string | undefined {
  const path = value.startsWith("local://") ? value.slice("local://".length) : value;
  const prefix = PREFIXES.find((p) => path.startsWith(p));
  if (!prefix) return undefined;
  const rest = path.slice(prefix.length);
  const local = normalize(join(projectDir, rest));
  const rel = relative(projectDir, local);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new UserError(
      `${value} maps outside the project (${local})`,
      "module, script and config names must stay inside the project folder",
    );
  }
  return local;
}

export interface AppFiles {
  /** The module folder (first path segment under /app), as the payload named it. */
  readonly module?: string;
  readonly script: { readonly manifest: string; readonly local: string };
  readonly config?: { readonly manifest: string; readonly local: string };
  /** spec.arguments with /app paths mapped into the project. */
  readonly arguments: readonly string[];
}

/** Pure: the application's script, config and arguments as local paths. */
export function applicationFiles(manifest: SparkApplication, projectDir: string): AppFiles {
  const spec: Partial<SparkApplicationSpec> = manifest.spec ?? {};
  const main = spec.mainApplicationFile;
  if (typeof main !== "string" || main === "") {
    throw new UserError(
      "spec.mainApplicationFile is not set in the rendered SparkApplication",
      "the template must set it to local:///app/<module>/<script>",
    );
  }
  const script = mapAppPath(main, projectDir);
  if (!script) {
    throw new UserError(
      `spec.mainApplicationFile ${main} is not under local:///app/: local mode runs scripts from the project folder`,
      "render the project's template (the script lives at /app/<module>/<script> in the pod)",
    );
  }
  const rawArgs = (spec.arguments ?? []).map(String);
  const args = rawArgs.map((a) => mapAppPath(a, projectDir) ?? a);
  const ci = rawArgs.indexOf("--config");
  const config =
    ci >= 0 && ci + 1 < rawArgs.length ? { manifest: rawArgs[ci + 1], local: args[ci + 1] } : undefined;
  const rel = relative(projectDir, script).split(sep);
  return {
    module: rel.length > 1 ? rel[0] : undefined,
    script: { manifest: main, local: script },
    config,
    arguments: args,
  };
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function listDir(dir: string, pred: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => !n.startsWith(".") && pred(join(dir, n)))
    .sort();
}

/** The files the payload names must exist in the project: checked before anything is built or started. */
export function checkApplicationFiles(files: AppFiles, projectDir: string): void {
  const isDir = (p: string): boolean => statSync(p).isDirectory();
  if (files.module !== undefined) {
    const moduleDir = join(projectDir, files.module);
    if (!existsSync(moduleDir) || !isDir(moduleDir)) {
      const modules = listDir(projectDir, (p) => isDir(p) && readdirSync(p).some((f) => f.endsWith(".py")));
      const guess = closest(files.module, modules);
      throw new UserError(
        `etl_module ${files.module}: no module folder ${moduleDir} in the project`,
        guess
          ? `did you mean ${guess}? (modules: ${modules.join(", ")})`
          : `modules in ${projectDir}: ${modules.join(", ") || "none"}`,
      );
    }
  }
  for (const [what, file] of [
    ["etl_script", files.script],
    ["config_file", files.config],
  ] as const) {
    if (!file || existsSync(file.local)) continue;
    const dir = join(file.local, "..");
    const siblings = listDir(dir, (p) => !isDir(p));
    const base = file.local.slice(dir.length + 1);
    const guess = closest(base, siblings);
    throw new UserError(
      `${what}: ${file.manifest} is ${file.local}, which does not exist`,
      guess
        ? `did you mean ${guess}? (in ${dir}: ${siblings.join(", ")})`
        : siblings.length
          ? `files in ${dir}: ${siblings.join(", ")}`
          : `${dir} has no files`,
    );
  }
}
