// Versioned code artifacts: package, publish, resolve and fetch, over file:// and s3:// stores.
export { packageProject, collectProjectFiles, type PackageOptions, type PackageResult } from "./package.js";
export { publishArtifact, resolveVersion, fetchArchive, listVersions, type PublishResult } from "./remote.js";
export { openStore, storeFromEnv, type ArtifactStore, type StoreOptions, type RetryPolicy } from "./store.js";
export { dependencyFingerprint, type FingerprintInputs } from "./fingerprint.js";
export {
  ARCHIVE_FILE,
  MANIFEST_FILE,
  checkVersion,
  manifestJson,
  type EmbeddedManifest,
  type PublishedManifest,
} from "./manifest.js";
