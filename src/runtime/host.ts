// Host facts for local runs: Java, uv, cores and memory. Missing tools are bad input (exit 2) with an
// install hint, never an opaque spawn error.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { runProcess } from "./process.js";

export interface HostFacts {
  readonly cores: number;
  readonly totalMemoryBytes: number;
}

export function hostFacts(): HostFacts {
  return { cores: availableParallelism(), totalMemoryBytes: totalmem() };
}

export interface Tool {
  readonly path: string;
  readonly version?: string;
}

/** First executable named `name` on PATH, or undefined. */
export function which(name: string, pathVar = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const JAVA_HINT =
  "install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) " +
  "and put it on PATH, or set JAVA_HOME";

/** The major version in `JAVA_VERSION="17.0.15"` or `openjdk version "17.0.15"` / `"1.8.0_392"`. */
export function javaMajor(text: string): number | undefined {
  const m = /version\s*=?\s*"(\d+)(?:\.(\d+))?/i.exec(text) ?? /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/**
 * Java as spark-submit will find it (JAVA_HOME first, then PATH). The JDK's `release` file gives the version
 * without starting a JVM, which keeps a warm run's overhead near zero; `java -version` is the fallback.
 */
export async function detectJava(env: NodeJS.ProcessEnv = process.env): Promise<Tool> {
  const fromHome = env.JAVA_HOME ? join(env.JAVA_HOME, "bin", "java") : undefined;
  const java = fromHome && existsSync(fromHome) ? fromHome : which("java", env.PATH);
  if (!java)
    throw new UserError("Java was not found: local mode runs Spark, which needs Java 17 or newer", JAVA_HINT);
  let version: string | undefined;
  let major: number | undefined;
  try {
    const release = join(dirname(dirname(realpathSync(java))), "release");
    if (existsSync(release)) {
      const text = readFileSync(release, "utf8");
      major = javaMajor(text);
      version = /JAVA_VERSION="([^"]+)"/.exec(text)?.[1];
    }
  } catch {
    // fall through to asking the JVM
  }
  if (major === undefined) {
    const r = await runProcess(java, ["-version"], { env, name: java, installHint: JAVA_HINT });
    const text = r.tail.join("\n");
    if (r.code !== 0)
      throw new UserError(`${java} -version failed: ${r.tail[0] ?? `exit ${r.code}`}`, JAVA_HINT);
    major = javaMajor(text);
    version = /version "([^"]+)"/.exec(text)?.[1];
  }
  if (major === undefined) throw new UserError(`could not tell the version of ${java}`, JAVA_HINT);
  if (major < 17)
    throw new UserError(
      `Java ${version ?? major} at ${java} is too old: Spark 4 needs Java 17 or newer`,
      JAVA_HINT,
    );
  return { path: java, version: version ?? String(major) };
}

const UV_HINT = "install uv (python3 -m pip install uv, or see the uv documentation) and put it on PATH";

/**
 * uv on PATH. Found, not run: a version manager's shim can cost a few hundred milliseconds per call, and a warm
 * pre-baked run never needs uv at all. A broken uv shows up as uv's own error when a venv is built.
 */
export function detectUv(env: NodeJS.ProcessEnv = process.env): Tool {
  const uv = which("uv", env.PATH);
  if (!uv)
    throw new UserError(
      "uv was not found: local mode builds the project's venv from uv.lock with uv",
      UV_HINT,
    );
  return { path: uv };
}

/**
 * What decides the Python uv builds the venv with, without running uv: UV_PYTHON, the nearest
 * .python-version, and requires-python (which pyproject.toml's hash already covers). The version actually
 * used is read from the venv afterwards and reported.
 */
export function pythonRequest(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  let pin = "";
  for (let dir = projectDir; ; dir = dirname(dir)) {
    const file = join(dir, ".python-version");
    if (existsSync(file)) {
      pin = readFileSync(file, "utf8").trim();
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return `UV_PYTHON=${env.UV_PYTHON ?? ""};.python-version=${pin}`;
}
