// `sparklane package`: a deterministic tar.gz of a project's code (modules, configs, pyproject.toml,
// uv.lock) with an embedded manifest.json. Same inputs give the same bytes: entries are sorted, owners,
// times and modes normalised, and the gzip header carries no time.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UserError } from "../errors.js";
import { LOCAL_SOURCE_KINDS, lockedPackages } from "../runtime/uv-project.js";
import { loadProject } from "../project/index.js";
import { NON_MODULE_DIRS } from "../project/layout.js";
import { dependencyFingerprint } from "./fingerprint.js";
import {
  MANIFEST_FILE,
  checkVersion,
  manifestJson,
  type EmbeddedManifest,
  type PublishedManifest,
} from "./manifest.js";
import { tarGz, type TarEntry } from "./tar.js";

/** Root files that belong to the runtime; everything else at the root is left out. */
const ROOT_FILES = ["pyproject.toml", "uv.lock", ".python-version"] as const;
const REQUIRED_ROOT_FILES = ["pyproject.toml", "uv.lock"] as const;
/** Folders that hold environments, data, build output or caches, wherever they appear. */
const SKIP_DIRS = new Set([
  "__pycache__",
  "node_modules",
  "data",
  "spark-warehouse",
  "metastore_db",
  "build",
  "dist",
  "venv",
  "env",
  "target",
]);
const SKIP_FILE = (name: string): boolean =>
  name.endsWith(".pyc") || name.endsWith(".pyo") || name === "derby.log" || name.endsWith(".egg-info");

export interface PackageResult {
  readonly archive: Buffer;
  readonly manifest: PublishedManifest;
  readonly files: readonly string[];
  /** Non-fatal findings, e.g. registry packages that uv.lock holds no hash for. */
  readonly warnings: readonly string[];
  /** Path dependencies copied in from outside the project. */
  readonly vendored: readonly { from: string; to: string }[];
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function skipDir(name: string): boolean {
  return name.startsWith(".") || SKIP_DIRS.has(name) || name.endsWith(".egg-info");
}

/** Relative POSIX paths of the files under `dir` that go into the artifact; refuses links and specials. */
function walk(root: string, dir: string, out: string[], skip: ReadonlySet<string> = new Set()): void {
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name);
    const rel = relative(root, abs).split(sep).join("/");
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) {
      throw new UserError(
        `${rel}: is a symbolic link; artifacts hold only plain files and folders (bootstrap refuses links)`,
        "replace the link with the file it points to, or move it out of the module folder",
      );
    }
    if (st.isDirectory()) {
      if (!skipDir(name) && !skip.has(name)) walk(root, abs, out, skip);
    } else if (st.isFile()) {
      if (!name.startsWith(".") && !SKIP_FILE(name)) out.push(rel);
    } else {
      throw new UserError(
        `${rel}: is not a plain file or folder (device, socket or FIFO); artifacts hold only plain files`,
      );
    }
  }
}

function hasPython(files: readonly string[]): boolean {
  return files.some((f) => f.endsWith(".py"));
}

/** Lists the files to package: the root runtime files plus every top-level folder holding Python code. */
export function collectProjectFiles(
  projectDir: string,
  exclude: readonly string[] = [],
): { files: string[]; modules: string[] } {
  const root = resolve(projectDir);
  for (const f of REQUIRED_ROOT_FILES) {
    try {
      if (!lstatSync(join(root, f)).isFile()) throw new Error("not a file");
    } catch {
      throw new UserError(
        `${join(root, f)}: missing; an artifact needs pyproject.toml and uv.lock at the project root`,
        f === "uv.lock" ? "run `uv lock` in the project" : undefined,
      );
    }
  }
  const excluded = new Set(exclude.map((e) => resolve(root, e)));
  const files: string[] = ROOT_FILES.filter((f) => {
    try {
      return lstatSync(join(root, f)).isFile();
    } catch {
      return false;
    }
  });
  const modules: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const abs = join(root, name);
    if (skipDir(name) || NON_MODULE_DIRS.has(name) || excluded.has(abs) || !lstatSync(abs).isDirectory())
      continue;
    if (name === VENDOR_DIR)
      throw new UserError(`${abs}: '${VENDOR_DIR}' is reserved for vendored path dependencies`);
    const inside: string[] = [];
    walk(root, abs, inside);
    if (!hasPython(inside)) continue;
    modules.push(name);
    files.push(...inside);
  }
  if (modules.length === 0) {
    throw new UserError(
      `${root}: no module folders found (a module is a top-level folder holding .py files)`,
    );
  }
  return { files: files.sort(), modules };
}

/** Where path dependencies from outside the project travel inside the artifact. */
export const VENDOR_DIR = "_vendor";

interface Vendored {
  /** The path as uv.lock and pyproject.toml spell it. */
  readonly original: string;
  /** Its folder (or file) inside the artifact. */
  readonly target: string;
  /** Artifact path -> absolute source file. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * uv path sources (`directory`, `editable`, `path`) that point outside the project cannot be resolved in
 * the pod, where only the artifact exists. They are copied under `_vendor/<name>` and the two files that
 * name them are rewritten to match, so `uv sync --frozen` finds them next to the code.
 */
function vendorPathSources(root: string, uvLock: string): Vendored[] {
  const seen = new Map<string, Vendored>();
  const taken = new Set<string>();
  for (const pkg of lockedPackages(uvLock, join(root, "uv.lock"))) {
    if (!pkg.source || !LOCAL_SOURCE_KINDS.has(pkg.source.kind)) continue;
    const original = pkg.source.value;
    if (seen.has(original) || original === ".") continue;
    const abs = resolve(root, original);
    const rel = relative(root, abs);
    if (!rel.startsWith("..") && !isAbsolute(rel)) continue; // inside the project: packaged as usual
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      throw new UserError(
        `uv.lock: path source '${original}' does not exist (${abs})`,
        "run `uv lock` again, or fix the path in pyproject.toml",
      );
    }
    let name = basename(abs);
    for (let i = 2; taken.has(name); i++) name = `${basename(abs)}-${i}`;
    taken.add(name);
    const target = `${VENDOR_DIR}/${name}`;
    const files = new Map<string, string>();
    if (st.isFile()) files.set(target, abs);
    else {
      const inside: string[] = [];
      walk(abs, abs, inside, new Set(["tests", "test"]));
      for (const f of inside) files.set(`${target}/${f}`, join(abs, ...f.split("/")));
    }
    seen.set(original, { original, target, files });
  }
  return [...seen.values()];
}

/**
 * Registry packages in uv.lock without a sha256. uv verifies hashes when the lock has them but does not
 * require them (some registries omit them), so such a package could be swapped on the index unnoticed.
 */
export function unhashedRegistryPackages(uvLock: string): string[] {
  return lockedPackages(uvLock)
    .filter((p) => p.source?.kind === "registry" && !p.hashed)
    .map((p) => `${p.name} ${p.version ?? ""}`.trim());
}

function rewritePaths(text: string, vendored: readonly Vendored[]): string {
  let out = text;
  for (const v of vendored) out = out.split(`"${v.original}"`).join(`"${v.target}"`);
  return out;
}

/** Sorted entries with each parent folder emitted once, before its first child. */
function entriesFor(
  contents: ReadonlyMap<string, { body: Buffer; mode: number }>,
  manifestText: string,
): TarEntry[] {
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  for (const rel of [...contents.keys()].sort()) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ path: `${d}/`, type: "Directory", mode: 0o755 });
      }
    }
    const c = contents.get(rel)!;
    entries.push({ path: rel, type: "File", mode: c.mode, body: c.body });
  }
  entries.push({ path: MANIFEST_FILE, type: "File", mode: 0o644, body: Buffer.from(manifestText) });
  return entries;
}

export interface PackageOptions {
  readonly projectDir: string;
  readonly version: string;
}

export function packageProject(opts: PackageOptions): PackageResult {
  const version = checkVersion(opts.version);
  const project = loadProject(opts.projectDir);
  const root = project.dir;
  const exclude = [project.triggersDir, ...project.templateSearchPath];
  const { files, modules } = collectProjectFiles(root, exclude);
  const modeOf = (abs: string): number => ((lstatSync(abs).mode & 0o111) !== 0 ? 0o755 : 0o644);
  const contents = new Map<string, { body: Buffer; mode: number }>();
  for (const rel of files) {
    const abs = join(root, ...rel.split("/"));
    contents.set(rel, { body: readFileSync(abs), mode: modeOf(abs) });
  }
  const vendored = vendorPathSources(root, contents.get("uv.lock")!.body.toString("utf8"));
  for (const v of vendored)
    for (const [rel, abs] of v.files) contents.set(rel, { body: readFileSync(abs), mode: modeOf(abs) });
  for (const f of ["uv.lock", "pyproject.toml"]) {
    const c = contents.get(f)!;
    contents.set(f, { ...c, body: Buffer.from(rewritePaths(c.body.toString("utf8"), vendored)) });
  }
  const fileTable: EmbeddedManifest["files"] = {};
  for (const rel of [...contents.keys()].sort()) {
    const c = contents.get(rel)!;
    fileTable[rel] = { sha256: sha256(c.body), size: c.body.length, mode: c.mode };
  }
  const embedded: EmbeddedManifest = {
    schema: 1,
    project: project.name,
    version,
    fingerprint: dependencyFingerprint({
      uvLock: contents.get("uv.lock")!.body,
      pyproject: contents.get("pyproject.toml")!.body,
      jarCoordinates: [],
    }),
    modules,
    files: fileTable,
  };
  const archive = tarGz(entriesFor(contents, manifestJson(embedded)));
  return {
    archive,
    files: Object.keys(fileTable),
    vendored: vendored.map((v) => ({ from: v.original, to: v.target })),
    warnings: unhashedRegistryPackages(contents.get("uv.lock")!.body.toString("utf8")).map(
      (p) => `uv.lock: ${p} comes from a registry but has no sha256; uv installs it unverified`,
    ),
    manifest: { ...embedded, archive: { sha256: sha256(archive), size: archive.length } },
  };
}

/** Writes the archive and its published manifest next to each other, each through a temp file and rename. */
export async function writePackage(
  result: PackageResult,
  outFile: string,
): Promise<{ archive: string; manifest: string }> {
  const { mkdir, writeFile, rename } = await import("node:fs/promises");
  const archive = resolve(outFile);
  const manifestPath = archive.replace(/\.tar\.gz$|\.tgz$/, "") + ".manifest.json";
  await mkdir(dirname(archive), { recursive: true });
  for (const [path, body] of [
    [archive, result.archive],
    [manifestPath, Buffer.from(manifestJson(result.manifest))],
  ] as const) {
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }
  return { archive, manifest: manifestPath };
}

/** Reads an archive made by `package` and rebuilds its published manifest from the embedded one. */
export async function readArtifactFile(
  file: string,
): Promise<{ archive: Buffer; manifest: PublishedManifest }> {
  const { readFile } = await import("node:fs/promises");
  const { Parser } = await import("tar");
  const { embeddedManifestSchema } = await import("./manifest.js");
  let archive: Buffer;
  try {
    archive = await readFile(file);
  } catch (err) {
    throw new UserError(
      `--artifact ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const text = await new Promise<string | undefined>((res) => {
    let found: string | undefined;
    const p = new Parser({
      filter: (path: string) => path === MANIFEST_FILE,
      onReadEntry: (e) => {
        const chunks: Buffer[] = [];
        e.on("data", (c: Buffer) => chunks.push(c));
        e.on("end", () => (found = Buffer.concat(chunks).toString("utf8")));
      },
    });
    p.on("error", () => res(undefined));
    p.on("end", () => res(found));
    p.on("close", () => res(found));
    p.end(archive);
  });
  let raw: unknown;
  try {
    raw = text === undefined ? undefined : JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const parsed = raw === undefined ? undefined : embeddedManifestSchema.safeParse(raw);
  if (!parsed?.success) {
    throw new UserError(
      `--artifact ${file}: not an artifact made by \`sparklane package\` (no valid ${MANIFEST_FILE} inside)`,
    );
  }
  return {
    archive,
    manifest: { ...parsed.data, archive: { sha256: sha256(archive), size: archive.length } },
  };
}
