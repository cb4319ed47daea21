// Shared by the artifact and bootstrap tests: temp folders, a copy of the fixture project, and raw
// publishing of hand-built (possibly malicious) archives into a file store.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { tarBytes, type TarEntry } from "../../src/artifact/tar.js";
import { manifestJson, type EmbeddedManifest, type PublishedManifest } from "../../src/artifact/manifest.js";

export const fixtureProject = fileURLToPath(new URL("./fixtures/tiny-etl", import.meta.url));

export function tempDir(t: { after: (fn: () => void) => void }, prefix = "sparklane-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A writable copy of the fixture project (tests add junk or edit files in it). */
export function copyFixture(dest: string): string {
  cpSync(fixtureProject, dest, { recursive: true });
  return dest;
}

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/**
 * Writes `entries` as <store>/<project>/<version>/artifact.tar.gz with a published manifest that vouches for
 * the archive's digest and lists every File entry. This is what an attacker with write access to the store
 * could do, so the bootstrap must refuse what is unsafe inside.
 */
export function publishRaw(
  storeDir: string,
  project: string,
  version: string,
  entries: TarEntry[],
  opts: { latest?: boolean } = {},
): PublishedManifest {
  const files: EmbeddedManifest["files"] = {};
  for (const e of entries) {
    if (e.type === "File" && e.body)
      files[e.path] = { sha256: sha(e.body), size: e.body.length, mode: 0o644 };
  }
  const embedded: EmbeddedManifest = {
    schema: 1,
    project,
    version,
    fingerprint: `sha256:${"0".repeat(64)}`,
    modules: ["visits_distinct"],
    files,
  };
  const all: TarEntry[] = [
    ...entries,
    { path: "manifest.json", type: "File", body: Buffer.from(manifestJson(embedded)) },
  ];
  const archive = gzipSync(tarBytes(all));
  const manifest: PublishedManifest = {
    ...embedded,
    archive: { sha256: sha(archive), size: archive.length },
  };
  const dir = join(storeDir, project, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "artifact.tar.gz"), archive);
  writeFileSync(join(dir, "manifest.json"), manifestJson(manifest));
  if (opts.latest) writeFileSync(join(storeDir, project, "latest.json"), JSON.stringify({ version }));
  return manifest;
}

export const PYPROJECT = Buffer.from(
  '[project]\nname = "evil"\nversion = "0"\nrequires-python = ">=3.9"\ndependencies = []\n',
);
export const UVLOCK = Buffer.from(
  'version = 1\nrevision = 5\nrequires-python = ">=3.9"\n\n[[package]]\nname = "evil"\nversion = "0"\nsource = { virtual = "." }\n',
);
