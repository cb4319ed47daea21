// The driver's venv, built by uv from the project's uv.lock exactly as the init container builds it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError, UserError } from "../errors.js";
import { runProcess } from "./process.js";

export interface Venv {
  readonly dir: string;
  readonly python: string;
  /** pyspark's folder in site-packages: a complete Spark distribution (bin/spark-submit, jars/). */
  readonly sparkHome: string;
}

/** The interpreter version a venv was built with ("3.11.7"), from its pyvenv.cfg. */
export function venvPythonVersion(dir: string): string | undefined {
  try {
    const cfg = readFileSync(join(dir, "pyvenv.cfg"), "utf8");
    return /^version(?:_info)?\s*=\s*(\S+)/m.exec(cfg)?.[1];
  } catch {
    return undefined;
  }
}

/** Locates python and pyspark inside a venv; undefined when the venv is missing or incomplete. */
export function inspectVenv(dir: string): Venv | undefined {
  const python = join(dir, "bin", "python3");
  const lib = join(dir, "lib");
  if (!existsSync(python) || !existsSync(lib)) return undefined;
  for (const name of readdirSync(lib)) {
    const sparkHome = join(lib, name, "site-packages", "pyspark");
    if (name.startsWith("python") && existsSync(join(sparkHome, "bin", "spark-submit")))
      return { dir, python, sparkHome };
  }
  return undefined;
}

export interface SyncOptions {
  readonly uv: string;
  readonly projectDir: string;
  readonly venvDir: string;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine?: (line: string) => void;
}

/**
 * `uv sync --frozen` into `venvDir`: the lock is used as written (never re-resolved), and uv's cache is shared
 * with every other sync on this machine, so a warm sync links files instead of downloading them.
 */
export async function syncVenv(opts: SyncOptions): Promise<Venv> {
  await runUv(
    opts,
    ["sync", "--frozen", "--no-dev"],
    { UV_PROJECT_ENVIRONMENT: opts.venvDir },
    "check pyproject.toml and uv.lock (uv lock --check tells whether the lock is up to date)",
  );
  const venv = inspectVenv(opts.venvDir);
  if (!venv) {
    throw new UserError(
      `uv sync built ${opts.venvDir} but it has no pyspark: local mode runs Spark from the venv`,
      "add pyspark to the project's dependencies and run uv lock",
    );
  }
  return venv;
}

/**
 * `uv lock` for a project that has a pyproject.toml but no uv.lock. The example project does not commit its
 * lock (uv writes the package index's URLs into it); its pyproject pins `exclude-newer`, so the lock uv
 * writes is the same on every machine.
 */
export async function lockProject(opts: {
  uv: string;
  projectDir: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}): Promise<void> {
  await runUv(opts, ["lock"], {}, "check the dependencies in pyproject.toml");
}

/**
 * Runs one uv command in the project. A failure names the command and the last lines uv printed; a failure
 * to reach the package index is infrastructure (exit 3), anything else is the project's input (exit 2).
 */
async function runUv(
  opts: {
    uv: string;
    projectDir: string;
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    onLine?: (line: string) => void;
  },
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv,
  hint: string,
): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...extraEnv };
  // An activated venv in the caller's shell would otherwise make uv warn that it is ignoring it.
  delete env.VIRTUAL_ENV;
  const result = await runProcess(opts.uv, [...args, "--project", opts.projectDir], {
    cwd: opts.projectDir,
    env,
    signal: opts.signal,
    onLine: (line) => opts.onLine?.(line),
  });
  if (result.code === 0) return;
  const detail = result.tail
    .filter((l) => l.trim())
    .slice(-6)
    .join("\n  ");
  const message = `uv ${args.join(" ")} failed for ${opts.projectDir} (exit ${result.code}):\n  ${detail}`;
  if (/network|connect|dns|timed out|failed to fetch/i.test(detail)) {
    throw new InfraError(
      message,
      "uv could not reach the package index; check the network or the index settings",
    );
  }
  throw new UserError(message, hint);
}
