// The dependency fingerprint: everything that decides what the runtime (venv + JARs) contains. Two runs with
// the same fingerprint can share one cached runtime; any change in an input gives a new one.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { ProjectLock } from "./lockfile.js";

/** Bumped when the cached runtime's layout changes, so old caches are never misread. */
export const RUNTIME_FORMAT = 1;

export interface FingerprintInputs {
  readonly uvLock: string;
  readonly pyproject: string;
  /** sha256 of each local path source's files, keyed by the path uv.lock gives. */
  readonly localSources: Readonly<Record<string, string>>;
  readonly jars: readonly string[];
  readonly python: string;
  readonly spark: string;
  readonly platform: string;
  /** The base image of a pre-baked image (absent for a local runtime, which runs on this host). */
  readonly base?: string;
  readonly format: number;
}

export interface Fingerprint {
  readonly id: string;
  readonly inputs: FingerprintInputs;
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

const SKIP_DIRS = new Set([
  "__pycache__",
  ".venv",
  "node_modules",
  ".git",
  ".pytest_cache",
  ".mypy_cache",
  ".ruff_cache",
  "build",
  "dist",
]);

/** Content hash of a folder: relative paths and bytes of every file, in sorted order. */
export function hashTree(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIP_DIRS.has(name) || name.endsWith(".egg-info") || name.endsWith(".pyc")) continue;
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        hash.update(relative(root, path)).update("\0").update(readFileSync(path)).update("\0");
      }
    }
  };
  if (existsSync(root) && statSync(root).isDirectory()) walk(root);
  else if (existsSync(root)) hash.update(readFileSync(root));
  return hash.digest("hex");
}

/** Normalises Maven coordinates: trimmed, deduplicated, sorted (order does not change what Ivy fetches). */
export function normaliseCoordinates(list: string | readonly string[] | undefined): string[] {
  const items = typeof list === "string" ? list.split(",") : (list ?? []);
  return [...new Set(items.map((c) => c.trim()).filter(Boolean))].sort();
}

export function computeFingerprint(args: {
  projectDir: string;
  lock: ProjectLock;
  jars: readonly string[];
  python: string;
  platform?: string;
  /** Set for a pre-baked image: then python and platform describe the image, not this host. */
  base?: string;
}): Fingerprint {
  const localSources: Record<string, string> = {};
  for (const src of args.lock.localSources) localSources[src] = hashTree(resolve(args.projectDir, src));
  const inputs: FingerprintInputs = {
    uvLock: sha256(args.lock.lockText),
    pyproject: sha256(args.lock.pyprojectText),
    localSources,
    jars: normaliseCoordinates(args.jars),
    python: args.python,
    spark: args.lock.sparkVersion,
    platform: args.platform ?? `${process.platform}-${process.arch}`,
    // Left out (not null) for local runtimes, so their ids did not change when images came.
    ...(args.base !== undefined ? { base: args.base } : {}),
    format: RUNTIME_FORMAT,
  };
  return { id: sha256(JSON.stringify(inputs)).slice(0, 20), inputs };
}
