// `sparklane bootstrap`, the init-container entrypoint (it replaces the seed's init.sh), and
// `materializeArtifact`, the same steps for `run --local --from-artifact`.
//
// Layout of the target folder T (APP_DIR in full mode, APP_DIR/etl in code-only mode, as in the seed):
//   T/.sparklane/releases/<version>-<sha12>/   one complete tree (code, and .venv in full mode)
//   T/.sparklane/current -> releases/<id>      swapped with one rename(2)
//   T/<name> -> .sparklane/current/<name>      for each top-level entry, and T/.venv in full mode
// Everything happens inside T because T is usually an emptyDir mount point, which cannot itself be
// renamed. A release becomes visible only when `current` moves to it, after it is complete (venv
// included), so a killed bootstrap leaves the previous complete state, or nothing visible.
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { InterruptedError, UserError } from "../errors.js";
import type { PublishedManifest } from "../artifact/manifest.js";
import { fetchArchive, resolveVersion } from "../artifact/remote.js";
import { openStore } from "../artifact/open.js";
import type { ArtifactStore, RetryPolicy } from "../artifact/store.js";
import { extractArchive } from "./extract.js";
import { uvIndexNames, uvSync } from "./uv.js";

export type BootstrapMode = "full" | "code-only" | "venv";
export const BOOTSTRAP_MODES: readonly BootstrapMode[] = ["full", "code-only", "venv"];

/** Written into a baked venv by `--mode venv`; read by code-only mode to detect a stale image. */
export const FINGERPRINT_FILE = ".sparklane-fingerprint";
const STATE_DIR = ".sparklane";
const COMPLETE = ".sparklane-complete";

export interface Step {
  readonly name: string;
  readonly ms: number;
  readonly detail?: string;
}

export interface BootstrapOptions {
  readonly store: string;
  readonly project: string;
  /** A version name or `latest`. */
  readonly version: string;
  readonly mode: BootstrapMode;
  readonly appDir: string;
  /** When given, the artifact must contain this module folder. */
  readonly module?: string;
  /** Code-only: a stale baked venv fails instead of warning. */
  readonly strict?: boolean;
  readonly endpoint?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly indexToken?: string;
  readonly indexTokenFile?: string;
  readonly indexNames?: readonly string[];
  readonly indexUser?: string;
  /** Code-only: where the image's venv records its fingerprint. Default APP_DIR/.venv/.sparklane-fingerprint. */
  readonly fingerprintFile?: string;
  readonly uvBin?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: Step) => void;
  readonly onWarning?: (message: string) => void;
}

export interface BootstrapResult {
  readonly project: string;
  readonly version: string;
  readonly mode: BootstrapMode;
  /** False when the target already held this version: nothing was done. */
  readonly changed: boolean;
  readonly codeDir: string;
  readonly venvDir?: string;
  readonly fingerprint: string;
  readonly steps: readonly Step[];
  readonly warnings: readonly string[];
}

interface State {
  project: string;
  version: string;
  sha256: string;
  mode: BootstrapMode;
  fingerprint: string;
  release: string;
}

const targetDir = (appDir: string, mode: BootstrapMode): string =>
  mode === "code-only" ? join(appDir, "etl") : appDir;

async function readState(t: string): Promise<State | undefined> {
  try {
    const state = JSON.parse(await fs.readFile(join(t, STATE_DIR, "state.json"), "utf8")) as State;
    const current = await fs.readlink(join(t, STATE_DIR, "current"));
    if (current !== `releases/${state.release}`) return undefined;
    if (!existsSync(join(t, STATE_DIR, "releases", state.release, COMPLETE))) return undefined;
    return state;
  } catch {
    return undefined;
  }
}

async function readToken(o: BootstrapOptions): Promise<string | undefined> {
  if (o.indexToken) return o.indexToken;
  if (!o.indexTokenFile) return undefined;
  try {
    return (await fs.readFile(o.indexTokenFile, "utf8")).trim() || undefined;
  } catch (err) {
    throw new UserError(
      `--index-token-file ${o.indexTokenFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

async function bakedFingerprint(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, "utf8")).trim();
  } catch {
    return undefined;
  }
}

/** Removes leftovers of killed runs: staging folders and releases that never became current. */
async function sweep(t: string): Promise<void> {
  for (const name of await fs.readdir(t).catch(() => [] as string[])) {
    if (name.startsWith(".sparklane-staging-")) await fs.rm(join(t, name), { recursive: true, force: true });
  }
  const releases = join(t, STATE_DIR, "releases");
  const current = await fs.readlink(join(t, STATE_DIR, "current")).catch(() => "");
  for (const r of await fs.readdir(releases).catch(() => [] as string[])) {
    if (`releases/${r}` !== current) await fs.rm(join(releases, r), { recursive: true, force: true });
  }
}

/** Removes the folders this run created, when they are empty again, so a failure leaves nothing. */
async function pruneEmpty(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) await fs.rmdir(d).catch(() => undefined);
}

async function isOurLink(path: string, name: string): Promise<boolean> {
  try {
    return (await fs.readlink(path)) === `${STATE_DIR}/current/${name}`;
  } catch {
    return false;
  }
}

/** Points `current` at the release and links its top-level names into T. Refuses to replace foreign files. */
async function promote(t: string, releaseId: string, withVenv: boolean): Promise<void> {
  const releaseDir = join(t, STATE_DIR, "releases", releaseId);
  const names = (await fs.readdir(releaseDir)).filter((n) => n !== COMPLETE && (withVenv || n !== ".venv"));
  for (const name of names) {
    const p = join(t, name);
    if ((await fs.lstat(p).catch(() => undefined)) && !(await isOurLink(p, name))) {
      throw new UserError(
        `${p} exists and was not created by sparklane bootstrap; refusing to replace it`,
        "bootstrap into an empty APP_DIR",
      );
    }
  }
  const tmpLink = join(t, STATE_DIR, `current.tmp-${randomBytes(4).toString("hex")}`);
  await fs.symlink(`releases/${releaseId}`, tmpLink);
  await fs.rename(tmpLink, join(t, STATE_DIR, "current"));
  for (const name of names) {
    const p = join(t, name);
    if (!(await isOurLink(p, name))) await fs.symlink(`${STATE_DIR}/current/${name}`, p);
  }
  // Links to names the new release no longer has now dangle: remove them.
  for (const name of await fs.readdir(t)) {
    const p = join(t, name);
    if (!names.includes(name) && (await isOurLink(p, name))) await fs.rm(p);
  }
}

/** The steps and warnings of one bootstrap, reported as they happen. */
interface Recorder {
  readonly steps: Step[];
  readonly warnings: string[];
  warn(message: string): void;
  /** Runs one named step, refusing to start it once the run is interrupted. */
  timed<T>(name: string, fn: () => Promise<T>, detail?: (r: T) => string | undefined): Promise<T>;
}

function recorder(o: BootstrapOptions): Recorder {
  const steps: Step[] = [];
  const warnings: string[] = [];
  return {
    steps,
    warnings,
    warn(m) {
      warnings.push(m);
      o.onWarning?.(m);
    },
    async timed(name, fn, detail) {
      if (o.signal?.aborted) throw new InterruptedError();
      const t0 = performance.now();
      const r = await fn();
      const step: Step = { name, ms: Math.round(performance.now() - t0), detail: detail?.(r) };
      steps.push(step);
      o.onStep?.(step);
      return r;
    },
  };
}

/** Code-only mode: the image's baked venv must have been built for this code's dependencies. */
async function checkBaked(
  o: BootstrapOptions,
  fingerprintFile: string,
  fingerprint: string,
  rec: Recorder,
): Promise<void> {
  const baked = await bakedFingerprint(fingerprintFile);
  const msg =
    baked === undefined
      ? `cannot verify the image's venv: ${fingerprintFile} is missing (not a sparklane pre-baked image?)`
      : baked !== fingerprint
        ? `STALE IMAGE: the baked venv was built for dependencies ${baked.slice(0, 19)}…, this code needs ${fingerprint.slice(0, 19)}…; ` +
          "rebuild the pre-baked image, or run with the standard template"
        : undefined;
  if (msg === undefined) return;
  if (o.strict) throw new UserError(msg, "without --strict this is a warning");
  rec.warn(msg);
}

/** Opens the store and resolves the version to its published manifest, which must hold the module asked for. */
async function resolvePublished(
  o: BootstrapOptions,
  rec: Recorder,
): Promise<{ store: ArtifactStore; manifest: PublishedManifest }> {
  const store = await rec.timed(
    "open store",
    () => openStore(o.store, { endpoint: o.endpoint, retry: { ...o.retry, signal: o.signal } }),
    (s) => s.uri,
  );
  const manifest: PublishedManifest = await rec.timed(
    "resolve",
    () => resolveVersion(store, o.project, o.version),
    (m) => `${o.project} ${o.version === "latest" ? `latest = ${m.version}` : m.version}`,
  );
  if (o.module !== undefined && !manifest.modules.includes(o.module)) {
    throw new UserError(
      `module ${o.module} is not in ${o.project} ${manifest.version}; the artifact has: ${manifest.modules.join(", ")}`,
      "check MODULE_NAME / --module (the payload's etl_module)",
    );
  }
  return { store, manifest };
}

const sameInstall = (s: State | undefined, o: BootstrapOptions): s is State =>
  s !== undefined && s.project === o.project && s.mode === o.mode;

/** Creates the folders that do not exist yet; returns them deepest first, for `pruneEmpty`. */
async function createMissing(dirs: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) {
      await fs.mkdir(d, { recursive: true });
      created.unshift(d);
    }
  }
  return created;
}

/** Records the current release, atomically. */
async function writeState(stateDir: string, state: State): Promise<void> {
  await fs.writeFile(join(stateDir, "state.json.tmp"), JSON.stringify(state));
  await fs.rename(join(stateDir, "state.json.tmp"), join(stateDir, "state.json"));
}

/** After a failure before promotion: removes the half-made release, and the state folder when no release was
 * ever made current (only a killed run's leftovers were there), so a failed first install leaves nothing. */
async function discardUnpromoted(
  stateDir: string,
  releaseDir: string,
  stateDirExisted: boolean,
  created: readonly string[],
): Promise<void> {
  await fs.rm(releaseDir, { recursive: true, force: true });
  const hasCurrent = await fs.lstat(join(stateDir, "current")).then(
    () => true,
    () => false,
  );
  if (!stateDirExisted || !hasCurrent) await fs.rm(stateDir, { recursive: true, force: true });
  await pruneEmpty(created);
}

/** What the steps after the download share. */
interface Install {
  readonly o: BootstrapOptions;
  readonly rec: Recorder;
  readonly manifest: PublishedManifest;
  readonly archive: Buffer;
  readonly source: string;
  readonly token: string | undefined;
  readonly appDir: string;
  readonly t: string;
}

/** Extracts the verified archive into `tree` and returns how to `uv sync` a folder of it. */
async function extractTree(
  i: Install,
  tree: string,
): Promise<(projectDir: string, venvDir: string, noInstallProject: boolean) => Promise<void>> {
  const { o, rec, manifest } = i;
  await fs.mkdir(tree);
  await rec.timed(
    "extract",
    () => extractArchive(i.archive, manifest, tree, i.source),
    () => `${Object.keys(manifest.files).length} files`,
  );
  const indexNames =
    o.indexNames ??
    uvIndexNames(await fs.readFile(join(tree, "pyproject.toml"), "utf8"), join(tree, "pyproject.toml"));
  if (i.token && indexNames.length === 0)
    rec.warn("an index token was given but pyproject.toml names no [[tool.uv.index]]: uv will not use it");
  return (projectDir, venvDir, noInstallProject) =>
    rec.timed(
      "uv sync",
      () =>
        uvSync({
          projectDir,
          venvDir,
          noInstallProject,
          token: i.token,
          indexNames,
          indexUser: o.indexUser,
          uvBin: o.uvBin,
          env: o.env,
          signal: o.signal,
        }),
      () => venvDir,
    );
}

/** `--mode venv`: only the dependencies, into APP_DIR/.venv, stamped with their fingerprint. */
async function installVenv(i: Install): Promise<{ codeDir: string; venvDir: string }> {
  const staging = await fs.mkdtemp(join(tmpdir(), ".sparklane-staging-"));
  try {
    const tree = join(staging, "tree");
    const sync = await extractTree(i, tree);
    const venvDir = join(i.appDir, ".venv");
    await sync(tree, venvDir, true);
    await fs.writeFile(join(venvDir, FINGERPRINT_FILE), `${i.manifest.fingerprint}\n`);
    return { codeDir: i.appDir, venvDir };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** full and code-only: a complete release (with its venv in full mode), then made current in one rename. */
async function installRelease(
  i: Install,
  created: readonly string[],
): Promise<{ codeDir: string; venvDir?: string }> {
  const { o, rec, manifest, t } = i;
  await sweep(t);
  const staging = await fs.mkdtemp(join(t, ".sparklane-staging-"));
  const releaseId = `${manifest.version}-${manifest.archive.sha256.slice(0, 12)}`;
  const stateDir = join(t, STATE_DIR);
  const stateDirExisted = existsSync(stateDir);
  const releaseDir = join(stateDir, "releases", releaseId);
  let promoted = false;
  try {
    const tree = join(staging, "tree");
    const sync = await extractTree(i, tree);
    await fs.mkdir(join(stateDir, "releases"), { recursive: true });
    await fs.rm(releaseDir, { recursive: true, force: true });
    await fs.rename(tree, releaseDir);
    if (o.mode === "full") await sync(releaseDir, join(releaseDir, ".venv"), false);
    await fs.writeFile(join(releaseDir, COMPLETE), "");
    await rec.timed(
      "activate",
      () => promote(t, releaseId, o.mode === "full"),
      () => releaseId,
    );
    promoted = true;
    await writeState(stateDir, {
      project: o.project,
      version: manifest.version,
      sha256: manifest.archive.sha256,
      mode: o.mode,
      fingerprint: manifest.fingerprint,
      release: releaseId,
    });
    await sweep(t);
    return { codeDir: t, venvDir: o.mode === "full" ? join(t, ".venv") : undefined };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
    if (!promoted) await discardUnpromoted(stateDir, releaseDir, stateDirExisted, created);
  }
}

export async function bootstrap(o: BootstrapOptions): Promise<BootstrapResult> {
  const rec = recorder(o);
  const appDir = resolve(o.appDir);
  const t = targetDir(appDir, o.mode);
  const fingerprintFile = o.fingerprintFile ?? join(appDir, ".venv", FINGERPRINT_FILE);
  const unchanged = (s: State): BootstrapResult => {
    const step: Step = { name: "up to date", ms: 0, detail: `${s.project} ${s.version} already in ${t}` };
    rec.steps.push(step);
    o.onStep?.(step);
    return {
      project: s.project,
      version: s.version,
      mode: s.mode,
      changed: false,
      codeDir: t,
      venvDir: s.mode === "full" ? join(t, ".venv") : undefined,
      fingerprint: s.fingerprint,
      steps: rec.steps,
      warnings: rec.warnings,
    };
  };

  // A named version already in place needs no store round trip at all.
  const before = o.mode === "venv" ? undefined : await readState(t);
  if (sameInstall(before, o) && before.version === o.version) {
    if (o.mode === "code-only") await checkBaked(o, fingerprintFile, before.fingerprint, rec);
    return unchanged(before);
  }

  const { store, manifest } = await resolvePublished(o, rec);
  if (o.mode === "code-only") await checkBaked(o, fingerprintFile, manifest.fingerprint, rec);
  if (sameInstall(before, o) && before.sha256 === manifest.archive.sha256) return unchanged(before);

  const archive = await rec.timed(
    "download+verify",
    () => fetchArchive(store, manifest),
    (b) => `${b.length} bytes, sha256 ok`,
  );
  const token = o.mode === "code-only" ? undefined : await readToken(o);
  const created = await createMissing([appDir, t]);
  const install: Install = {
    o,
    rec,
    manifest,
    archive,
    source: `${store.uri}/${o.project}/${manifest.version}`,
    token,
    appDir,
    t,
  };
  const { codeDir, venvDir } =
    o.mode === "venv" ? await installVenv(install) : await installRelease(install, created);
  return {
    project: o.project,
    version: manifest.version,
    mode: o.mode,
    changed: true,
    codeDir,
    venvDir,
    fingerprint: manifest.fingerprint,
    steps: rec.steps,
    warnings: rec.warnings,
  };
}

export interface MaterializeOptions {
  readonly store: string;
  readonly project: string;
  readonly version: string;
  /** Folder to fill; reused across calls (a second call for the same version does nothing). */
  readonly dest: string;
  /** full: code + venv from uv.lock at dest/.venv; code-only: code at dest/etl, the caller brings the venv. */
  readonly mode: "full" | "code-only";
  readonly endpoint?: string;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: Step) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Materialized extends BootstrapResult {
  /** dest/.venv/bin/python3 in full mode. */
  readonly python?: string;
}

/** For `run --local --from-artifact`: the published code through the same bootstrap the cluster runs. */
export async function materializeArtifact(o: MaterializeOptions): Promise<Materialized> {
  const r = await bootstrap({
    store: o.store,
    project: o.project,
    version: o.version,
    mode: o.mode,
    appDir: o.dest,
    endpoint: o.endpoint,
    signal: o.signal,
    onStep: o.onStep,
    env: o.env,
    // Locally there is no baked image to compare against: the caller's runtime cache owns the venv.
    fingerprintFile: o.mode === "code-only" ? join(resolve(o.dest), ".venv", FINGERPRINT_FILE) : undefined,
  });
  return { ...r, python: r.venvDir ? join(r.venvDir, "bin", "python3") : undefined };
}
