// The local runtime cache: one folder per dependency fingerprint holding the venv and the pre-resolved JARs.
// A runtime is built in a scratch folder, its marker (runtime.json) written last, then renamed into place in
// one step: a folder under its final name without a valid marker can only be a damaged one, and is rebuilt.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Fingerprint } from "./fingerprint.js";
import { RUNTIME_FORMAT } from "./fingerprint.js";
import { resolveJars } from "./jars.js";
import { inspectVenv, syncVenv, type Venv } from "./venv.js";

export const MARKER = "runtime.json";

export { cacheRoot } from "./cache-root.js";

export interface CachedRuntime {
  readonly dir: string;
  readonly fingerprint: string;
  readonly venv: Venv;
  /** Absolute paths of the pre-resolved JARs, for --jars. */
  readonly jars: readonly string[];
}

interface Marker {
  format: number;
  fingerprint: string;
  inputs: unknown;
  jars: string[];
  createdAt: string;
}

export type Lookup =
  { state: "hit"; runtime: CachedRuntime } | { state: "absent" } | { state: "corrupt"; reason: string };

export function runtimeDir(root: string, fingerprint: string): string {
  return join(root, "runtimes", fingerprint);
}

/** Reads a cached runtime and checks that everything its marker promises is there. */
export function lookupRuntime(root: string, fingerprint: string): Lookup {
  const dir = runtimeDir(root, fingerprint);
  if (!existsSync(dir)) return { state: "absent" };
  const markerFile = join(dir, MARKER);
  if (!existsSync(markerFile))
    return { state: "corrupt", reason: `${markerFile} is missing (the build did not finish)` };
  let marker: Marker;
  try {
    marker = JSON.parse(readFileSync(markerFile, "utf8")) as Marker;
  } catch {
    return { state: "corrupt", reason: `${markerFile} is not valid JSON` };
  }
  if (marker.format !== RUNTIME_FORMAT || marker.fingerprint !== fingerprint || !Array.isArray(marker.jars)) {
    return { state: "corrupt", reason: `${markerFile} does not describe runtime ${fingerprint}` };
  }
  const venv = inspectVenv(join(dir, "venv"));
  if (!venv) return { state: "corrupt", reason: `${join(dir, "venv")} has no python3 or no pyspark` };
  const jars = marker.jars.map((j) => join(dir, "jars", j));
  const missing = jars.find((j) => !existsSync(j));
  if (missing) return { state: "corrupt", reason: `${missing} is missing` };
  return { state: "hit", runtime: { dir, fingerprint, venv, jars } };
}

function removeDir(root: string, dir: string): void {
  // Renamed out of the way first, so no reader ever sees a half-deleted runtime under its real name.
  const trash = join(root, "runtimes", `.trash-${process.pid}-${Date.now()}`);
  try {
    renameSync(dir, trash);
  } catch {
    return;
  }
  rmSync(trash, { recursive: true, force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Scratch folders of builds whose process is gone (killed mid-build): never used, only removed. */
function sweepAbandoned(root: string): void {
  const dir = join(root, "runtimes");
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /^\.building-[0-9a-f]+-(\d+)-\d+$/.exec(name) ?? /^\.trash-(\d+)-\d+$/.exec(name);
    if (m && !pidAlive(Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export type BuildStep = "venv" | "jars";

export interface EnsureOptions {
  readonly root: string;
  readonly fingerprint: Fingerprint;
  readonly uv: string;
  readonly projectDir: string;
  readonly coordinates: readonly string[];
  readonly ivySettings?: string;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly onStep?: (step: BuildStep, detail: string) => void;
  readonly onLine?: (line: string) => void;
}

export interface Ensured {
  readonly runtime: CachedRuntime;
  /** hit: used as found; miss: built now; rebuilt: a damaged one was thrown away and built again. */
  readonly cache: "hit" | "miss" | "rebuilt";
  readonly reason?: string;
}

/** The cached runtime for this fingerprint, built once when absent or damaged. */
export async function ensureRuntime(opts: EnsureOptions): Promise<Ensured> {
  const id = opts.fingerprint.id;
  const found = lookupRuntime(opts.root, id);
  if (found.state === "hit") return { runtime: found.runtime, cache: "hit" };
  const finalDir = runtimeDir(opts.root, id);
  if (found.state === "corrupt") removeDir(opts.root, finalDir);
  sweepAbandoned(opts.root);

  const scratch = join(opts.root, "runtimes", `.building-${id}-${process.pid}-${Date.now()}`);
  mkdirSync(scratch, { recursive: true });
  try {
    opts.onStep?.("venv", `uv sync --frozen (${opts.projectDir})`);
    await syncVenv({
      uv: opts.uv,
      projectDir: opts.projectDir,
      venvDir: join(scratch, "venv"),
      signal: opts.signal,
      env: opts.env,
      onLine: opts.onLine,
    });
    const venv = inspectVenv(join(scratch, "venv"))!;
    let jarNames: string[] = [];
    if (opts.coordinates.length > 0) {
      opts.onStep?.("jars", `Ivy: ${opts.coordinates.join(",")}`);
      jarNames = await resolveJars({
        venv,
        coordinates: opts.coordinates,
        outDir: join(scratch, "jars"),
        workDir: scratch,
        ivySettings: opts.ivySettings,
        signal: opts.signal,
        env: opts.env,
        onLine: opts.onLine,
      });
    } else {
      mkdirSync(join(scratch, "jars"), { recursive: true });
    }
    const marker: Marker = {
      format: RUNTIME_FORMAT,
      fingerprint: id,
      inputs: opts.fingerprint.inputs,
      jars: jarNames,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(scratch, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    try {
      renameSync(scratch, finalDir);
    } catch (err) {
      // Another run built the same fingerprint meanwhile: keep theirs if it is sound.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      rmSync(scratch, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const built = lookupRuntime(opts.root, id);
  if (built.state !== "hit")
    throw new Error(
      `runtime ${id} was built but does not check out: ${built.state === "corrupt" ? built.reason : "absent"}`,
    );
  return {
    runtime: built.runtime,
    cache: found.state === "corrupt" ? "rebuilt" : "miss",
    reason: found.state === "corrupt" ? found.reason : undefined,
  };
}
