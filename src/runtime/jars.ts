// Pre-resolving JARs for the pre-baked runtime with Spark's own Ivy (spark-submit --packages), once per
// fingerprint, so warm runs pass plain files with --jars and skip resolution entirely.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError } from "../errors.js";
import { runProcess } from "./process.js";
import type { Venv } from "./venv.js";

export interface ResolveJarsOptions {
  readonly venv: Venv;
  readonly coordinates: readonly string[];
  /** Folder that receives the JAR files. */
  readonly outDir: string;
  /** Scratch folder (Ivy home for this resolution); removed afterwards. */
  readonly workDir: string;
  readonly ivySettings?: string;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine?: (line: string) => void;
}

export async function resolveJars(opts: ResolveJarsOptions): Promise<string[]> {
  mkdirSync(opts.outDir, { recursive: true });
  if (opts.coordinates.length === 0) return [];
  const ivyHome = join(opts.workDir, "ivy");
  mkdirSync(ivyHome, { recursive: true });
  // spark-submit resolves --packages before it starts the application; the application itself does nothing.
  const noop = join(opts.workDir, "resolve_only.py");
  writeFileSync(noop, "# sparklane: resolve --packages only\n");
  const args = [
    "--master",
    "local[1]",
    "--conf",
    `spark.jars.ivy=${ivyHome}`,
    "--conf",
    `spark.pyspark.python=${opts.venv.python}`,
    "--packages",
    opts.coordinates.join(","),
  ];
  if (opts.ivySettings) args.push("--conf", `spark.jars.ivySettings=${opts.ivySettings}`);
  args.push(noop);
  const result = await runProcess(join(opts.venv.sparkHome, "bin", "spark-submit"), args, {
    env: { ...(opts.env ?? process.env), SPARK_HOME: opts.venv.sparkHome },
    signal: opts.signal,
    onLine: (line) => opts.onLine?.(line),
  });
  const resolvedDir = join(ivyHome, "jars");
  if (result.code !== 0 || !existsSync(resolvedDir)) {
    const detail = result.tail
      .filter((l) => /unresolved|not found|error|exception|failed/i.test(l))
      .slice(-6);
    throw new InfraError(
      `Ivy could not resolve ${opts.coordinates.join(",")} (spark-submit exit ${result.code}):\n  ${(detail.length ? detail : result.tail.slice(-6)).join("\n  ")}`,
      "check the coordinates (group:artifact:version) and that the Maven repository is reachable",
    );
  }
  const jars: string[] = [];
  for (const name of readdirSync(resolvedDir).sort()) {
    if (!name.endsWith(".jar")) continue;
    renameSync(join(resolvedDir, name), join(opts.outDir, name));
    jars.push(name);
  }
  rmSync(ivyHome, { recursive: true, force: true });
  rmSync(noop, { force: true });
  return jars;
}
