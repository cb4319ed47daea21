// Safe extraction of a code artifact. Three layers, because node-tar's own defences have been bypassed
// repeatedly (absolute paths, symlinks, hardlinks, Unicode collisions, depth: see the reliability notes):
//   1. scan: read every header and body first; refuse the whole archive on any entry that is not a plain
//      file or folder, any unsafe path or mode, any collision, or any file not matching the manifest;
//   2. extract with node-tar into a fresh, empty folder, with a filter that passes only File/Directory
//      and strict mode turning every warning into an error;
//   3. walk the result: only plain files and folders, exactly the manifest's files.
// Nothing is written during the scan, so a refused archive leaves no trace.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { Parser, Unpack, type ReadEntry } from "tar";
import { InfraError } from "../errors.js";
import {
  MANIFEST_FILE,
  embeddedManifestSchema,
  manifestJson,
  type EmbeddedManifest,
  type PublishedManifest,
} from "../artifact/manifest.js";

export const LIMITS = {
  maxDepth: 64,
  maxPathBytes: 1024,
  maxEntries: 50_000,
  maxTotalBytes: 2 * 1024 ** 3,
} as const;

/** Top-level names the bootstrap itself owns in the target folder. */
const RESERVED_TOP = /^(\.sparklane.*|\.venv)$/;

export class UnsafeArchiveError extends InfraError {
  constructor(
    readonly entry: string,
    readonly reason: string,
    where: string,
  ) {
    super(
      `unsafe archive ${where}: entry '${entry.length > 120 ? `${entry.slice(0, 120)}…` : entry}': ${reason}; nothing was extracted`,
      "the artifact was not built by `sparklane package` or was tampered with; do not run it",
    );
    this.name = "UnsafeArchiveError";
  }
}

/** A key under which names that one file system could treat as the same (case, ß/ss, NFC/NFD) collide. */
function collisionKey(p: string): string {
  return p.normalize("NFKD").toUpperCase().toLowerCase();
}

function pathProblem(path: string, isDir: boolean): string | undefined {
  if (path.length === 0) return "empty path";
  if (path.includes("\0")) return "NUL byte in path";
  if (path.startsWith("/")) return "absolute path";
  if (path.includes("\\")) return "backslash in path";
  if (/^[A-Za-z]:/.test(path)) return "drive-letter path";
  const parts = (isDir ? path.replace(/\/$/, "") : path).split("/");
  if (parts.length > LIMITS.maxDepth) return `path deeper than ${LIMITS.maxDepth} folders (${parts.length})`;
  if (Buffer.byteLength(path) > LIMITS.maxPathBytes) return `path longer than ${LIMITS.maxPathBytes} bytes`;
  for (const seg of parts) {
    if (seg === "..") return "parent-folder segment '..'";
    if (seg === "" || seg === ".") return "empty or '.' path segment";
  }
  if (RESERVED_TOP.test(parts[0])) return `'${parts[0]}' is reserved for the bootstrap`;
  return undefined;
}

function drain(entry: ReadEntry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    entry.on("data", (c: Buffer) => chunks.push(c));
    entry.on("end", () => resolve(Buffer.concat(chunks)));
    entry.on("error", reject);
  });
}

/**
 * Reads the whole archive without writing anything and throws UnsafeArchiveError (exit 3) at the first
 * problem. `where` names the archive in messages.
 */
export async function scanArchive(
  archive: Buffer,
  manifest: PublishedManifest,
  where: string,
): Promise<void> {
  const seen = new Map<string, string>();
  const files = new Set<string>();
  let count = 0;
  let total = 0;
  let failure: Error | undefined;
  const pending: Promise<void>[] = [];
  const fail = (entry: string, reason: string): void => {
    failure ??= new UnsafeArchiveError(entry, reason, where);
  };

  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onwarn: (_code: string, message: string | Error) =>
        fail("(archive)", `malformed tar: ${String(message)}`),
    });
    parser.on("entry", (entry: ReadEntry) => {
      const path = entry.path;
      const type = entry.type;
      if (failure || ++count > LIMITS.maxEntries) {
        if (!failure) fail(path, `more than ${LIMITS.maxEntries} entries`);
        entry.resume();
        return;
      }
      const isDir = type === "Directory";
      if (!isDir && type !== "File" && type !== "OldFile") {
        fail(path, `${type} entries are refused (only plain files and folders are extracted)`);
      } else if (((entry.mode ?? 0) & 0o7000) !== 0) {
        fail(path, `setuid/setgid/sticky mode ${(entry.mode ?? 0).toString(8)} is refused`);
      } else {
        const problem = pathProblem(path, isDir);
        if (problem) fail(path, problem);
      }
      const clean = path.replace(/\/$/, "");
      const key = collisionKey(clean);
      const prior = seen.get(key);
      if (!failure && prior !== undefined)
        fail(
          path,
          prior === clean
            ? "duplicate entry"
            : `collides with '${prior}' on case- or normalisation-insensitive file systems`,
        );
      seen.set(key, clean);
      const parts = clean.split("/");
      for (let i = 1; !failure && i < parts.length; i++) {
        const parent = parts.slice(0, i).join("/");
        if (files.has(parent)) fail(path, `its parent '${parent}' is a file`);
      }
      if (failure || isDir) {
        entry.resume();
        return;
      }
      files.add(clean);
      total += entry.size ?? 0;
      if (total > LIMITS.maxTotalBytes) {
        fail(path, `archive expands beyond ${LIMITS.maxTotalBytes} bytes`);
        entry.resume();
        return;
      }
      pending.push(
        drain(entry).then((body) => {
          if (clean === MANIFEST_FILE) {
            // Compared after parsing both through one schema, so key order cannot cause a false alarm.
            const published: Partial<PublishedManifest> = { ...manifest };
            delete published.archive;
            let embedded: unknown;
            try {
              embedded = embeddedManifestSchema.parse(JSON.parse(body.toString("utf8")));
            } catch {
              return fail(path, "embedded manifest is not valid");
            }
            if (
              manifestJson(embedded as EmbeddedManifest) !==
              manifestJson(embeddedManifestSchema.parse(published))
            ) {
              fail(path, "embedded manifest differs from the published one");
            }
            return;
          }
          const expected = manifest.files[clean];
          if (!expected) return fail(path, "file not listed in the published manifest");
          const sha = createHash("sha256").update(body).digest("hex");
          if (sha !== expected.sha256)
            fail(path, `sha256 ${sha} does not match the manifest's ${expected.sha256}`);
        }),
      );
    });
    parser.on("error", (err: Error) => {
      fail("(archive)", `malformed archive: ${err.message}`);
      resolve();
    });
    parser.on("close", () => resolve());
    parser.on("end", () => resolve());
    try {
      parser.end(archive);
    } catch (err) {
      reject(err);
    }
  });
  await Promise.all(pending);
  if (!failure) {
    for (const f of Object.keys(manifest.files))
      if (!files.has(f)) fail(f, "listed in the manifest but missing from the archive");
    if (!files.has(MANIFEST_FILE)) fail(MANIFEST_FILE, "missing from the archive");
  }
  if (failure) throw failure;
}

async function walkTree(dir: string, rel: string, out: string[]): Promise<void> {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walkTree(join(dir, e.name), r, out);
    else if (e.isFile()) out.push(r);
    else throw new UnsafeArchiveError(r, "extraction produced something other than a file or folder", dir);
  }
}

/** Extracts a scanned archive into `dest`, which must be a fresh empty folder, and checks the result. */
export async function extractArchive(
  archive: Buffer,
  manifest: PublishedManifest,
  dest: string,
  where: string,
): Promise<void> {
  await scanArchive(archive, manifest, where);
  await new Promise<void>((resolve, reject) => {
    const unpack = new Unpack({
      cwd: dest,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noMtime: true,
      maxDepth: LIMITS.maxDepth,
      filter: (_p: string, e: unknown) => {
        const t = (e as ReadEntry).type;
        return t === "File" || t === "OldFile" || t === "Directory";
      },
      onwarn: (_code: string, message: string | Error) =>
        reject(new UnsafeArchiveError("(archive)", String(message), where)),
    });
    unpack.on("error", (err: Error) => reject(new UnsafeArchiveError("(archive)", err.message, where)));
    unpack.on("close", () => resolve());
    unpack.end(archive);
  });
  const found: string[] = [];
  await walkTree(dest, "", found);
  const expected = new Set([...Object.keys(manifest.files), MANIFEST_FILE]);
  for (const f of found)
    if (!expected.has(f)) throw new UnsafeArchiveError(f, "extracted but not in the manifest", where);
  if (found.length !== expected.size)
    throw new UnsafeArchiveError("(archive)", "extracted file set differs from the manifest", where);
  await stampTimes(dest, manifest);
}

const Y2000 = 946_684_800;
const TWENTY_YEARS = 20 * 365 * 86_400;

/**
 * Gives each file a modification time derived from its sha256. uv keys its cache of built path
 * dependencies (and Python its .pyc files) on mtimes: the time of extraction would rebuild them on every
 * bootstrap, the archive's fixed epoch would let a changed file look unchanged. A content-derived time is
 * equal exactly when the content is.
 */
async function stampTimes(dest: string, manifest: PublishedManifest): Promise<void> {
  for (const [rel, f] of Object.entries(manifest.files)) {
    const t = Y2000 + (parseInt(f.sha256.slice(0, 8), 16) % TWENTY_YEARS);
    await fs.utimes(join(dest, ...rel.split("/")), t, t);
  }
}
