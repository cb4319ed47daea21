// Local runtimes: host checks, the dependency fingerprint, uv venvs, Ivy-resolved JARs and their cache.
export {
  detectJava,
  detectUv,
  hostFacts,
  javaMajor,
  pythonRequest,
  type HostFacts,
  type Tool,
} from "./host.js";
export { parseUvLock, readProjectLock, type LockedPackage, type ProjectLock } from "./lockfile.js";
export {
  computeFingerprint,
  hashTree,
  normaliseCoordinates,
  RUNTIME_FORMAT,
  type Fingerprint,
  type FingerprintInputs,
} from "./fingerprint.js";
export {
  cacheRoot,
  ensureRuntime,
  lookupRuntime,
  runtimeDir,
  MARKER,
  type CachedRuntime,
  type Ensured,
  type Lookup,
} from "./cache.js";
export { inspectVenv, syncVenv, venvPythonVersion, type Venv } from "./venv.js";
export { resolveJars } from "./jars.js";
export { runProcess, type RunResult } from "./process.js";
