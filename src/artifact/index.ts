// Versioned code artifacts: package, publish, resolve and fetch, over file:// and s3:// stores.
export { packageProject, collectProjectFiles, type PackageOptions, type PackageResult } from "./package.js";
export { publishArtifact, resolveVersion, fetchArchive, listVersions, type PublishResult } from "./remote.js";
export { openStore } from "./open.js";
export { storeFromEnv, type ArtifactStore, type StoreOptions, type RetryPolicy } from "./store.js";
export { dependencyFingerprint, type ArtifactFingerprintInputs } from "./fingerprint.js";
export {
  ARCHIVE_FILE,
  MANIFEST_FILE,
  checkVersion,
  manifestJson,
  type EmbeddedManifest,
  type PublishedManifest,
} from "./manifest.js";
