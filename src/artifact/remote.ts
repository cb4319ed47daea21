// Publishing to and reading from a store. Layout under the store's base:
//   <project>/<version>/artifact.tar.gz
//   <project>/<version>/manifest.json    written last: a version exists once its manifest does
//   <project>/latest.json                {"version": ...}, moved only after the version is complete
import { createHash } from "node:crypto";
import { distance } from "fastest-levenshtein";
import { InfraError, UserError } from "../errors.js";
import {
  ARCHIVE_FILE,
  MANIFEST_FILE,
  VERSION_PATTERN,
  manifestJson,
  parsePublishedManifest,
  type PublishedManifest,
} from "./manifest.js";
import type { ArtifactStore } from "./store.js";

export const LATEST_FILE = "latest.json";

export const archiveKey = (project: string, version: string): string =>
  `${project}/${version}/${ARCHIVE_FILE}`;
export const manifestKey = (project: string, version: string): string =>
  `${project}/${version}/${MANIFEST_FILE}`;
export const latestKey = (project: string): string => `${project}/${LATEST_FILE}`;

export interface PublishResult {
  readonly location: string;
  /** True when the same content was already there: nothing was uploaded. */
  readonly alreadyPublished: boolean;
  readonly latestMoved: boolean;
}

function sameContent(a: PublishedManifest, b: PublishedManifest): boolean {
  return a.archive.sha256 === b.archive.sha256;
}

function refuseOverwrite(
  store: ArtifactStore,
  existing: PublishedManifest,
  incoming: PublishedManifest,
): never {
  throw new UserError(
    `version ${incoming.version} of ${incoming.project} is already published in ${store.uri} with different content ` +
      `(published archive sha256 ${existing.archive.sha256.slice(0, 12)}…, this one ${incoming.archive.sha256.slice(0, 12)}…)`,
    "published versions are immutable: bump --version",
  );
}

export async function publishArtifact(
  store: ArtifactStore,
  archive: Buffer,
  manifest: PublishedManifest,
  opts: { latest?: boolean } = {},
): Promise<PublishResult> {
  const { project, version } = manifest;
  const location = `${store.uri}/${project}/${version}/`;
  const mKey = manifestKey(project, version);
  await store.prepareWrite?.();
  const existingText = await store.get(mKey);
  let alreadyPublished = false;
  if (existingText !== undefined) {
    const existing = parsePublishedManifest(existingText.toString("utf8"), `${store.uri}/${mKey}`);
    if (!sameContent(existing, manifest)) refuseOverwrite(store, existing, manifest);
    alreadyPublished = true;
  } else {
    // An archive without a manifest is the remains of an interrupted publish: replacing it is safe.
    await store.put(archiveKey(project, version), archive);
    const created = await store.put(mKey, Buffer.from(manifestJson(manifest)), { ifAbsent: true });
    if (!created) {
      // Another publisher won the race: accept only if it published the same bytes.
      const raced = parsePublishedManifest((await store.get(mKey))!.toString("utf8"), `${store.uri}/${mKey}`);
      if (!sameContent(raced, manifest)) refuseOverwrite(store, raced, manifest);
      alreadyPublished = true;
    }
  }
  if (opts.latest) {
    await store.put(
      latestKey(project),
      Buffer.from(`${JSON.stringify({ version, sha256: manifest.archive.sha256 })}\n`),
    );
  }
  return { location, alreadyPublished, latestMoved: Boolean(opts.latest) };
}

/** The published versions of `project`, sorted. */
export async function listVersions(store: ArtifactStore, project: string): Promise<string[]> {
  return (await store.listDirs(project)).filter((v) => VERSION_PATTERN.test(v));
}

export function nearest(wanted: string, candidates: readonly string[], n = 5): string[] {
  return [...candidates]
    .map((c) => ({ c, d: distance(wanted, c) }))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, n)
    .map((x) => x.c);
}

/** Resolves `latest` or a version name to its published manifest; unknown versions are exit 2 with the nearest. */
export async function resolveVersion(
  store: ArtifactStore,
  project: string,
  version: string,
): Promise<PublishedManifest> {
  let name = version;
  if (version === "latest") {
    const pointer = await store.get(latestKey(project));
    if (pointer === undefined) {
      const versions = await listVersions(store, project);
      throw new UserError(
        `no 'latest' pointer for project ${project} in ${store.uri}` +
          (versions.length
            ? `; published versions: ${versions.slice(-10).join(", ")}`
            : "; nothing is published for it"),
        "publish with --latest, or ask for a version by name (ETL_VERSION / --version)",
      );
    }
    try {
      const version = (JSON.parse(pointer.toString("utf8")) as { version?: unknown }).version;
      name = typeof version === "string" ? version : "";
    } catch {
      name = "";
    }
    if (!VERSION_PATTERN.test(name))
      throw new InfraError(`${store.uri}/${latestKey(project)}: malformed latest pointer`);
  } else if (!VERSION_PATTERN.test(version)) {
    throw new UserError(`version: expected letters, digits, '.', '_', '+', '-', found '${version}'`);
  }
  const key = manifestKey(project, name);
  const text = await store.get(key);
  if (text === undefined) {
    const versions = await listVersions(store, project);
    if (versions.length === 0) {
      throw new UserError(
        `project ${project} has no published versions in ${store.uri}`,
        "check ETL_PROJECT_NAME / --project-name and the store, or run `sparklane publish`",
      );
    }
    throw new UserError(
      `version ${name} of ${project} is not published in ${store.uri}; nearest: ${nearest(name, versions).join(", ")}`,
      "check ETL_VERSION / --version",
    );
  }
  const manifest = parsePublishedManifest(text.toString("utf8"), `${store.uri}/${key}`);
  if (manifest.project !== project || manifest.version !== name) {
    throw new InfraError(
      `${store.uri}/${key}: manifest names ${manifest.project} ${manifest.version}, expected ${project} ${name}`,
    );
  }
  return manifest;
}

/** Downloads the archive and checks its size and sha256 against the published manifest before anything reads it. */
export async function fetchArchive(store: ArtifactStore, manifest: PublishedManifest): Promise<Buffer> {
  const key = archiveKey(manifest.project, manifest.version);
  const bytes = await store.get(key);
  if (bytes === undefined) {
    throw new InfraError(`${store.uri}/${key}: archive missing although its manifest is published`);
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== manifest.archive.sha256 || bytes.length !== manifest.archive.size) {
    throw new InfraError(
      `checksum mismatch for ${store.uri}/${key}: expected sha256 ${manifest.archive.sha256} (${manifest.archive.size} bytes), ` +
        `found ${actual} (${bytes.length} bytes); nothing was extracted`,
      "the archive was altered or corrupted after publishing; republish under a new version",
    );
  }
  return bytes;
}
