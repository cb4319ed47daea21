// The library's public API. It never prints and never exits; see src/cli for that.
export * from "./errors.js";
export * from "./render/index.js";
export { parseManifest, checkManifest, checkPolicy, type ParsedManifest, type ManifestIssue, type Policy, type CheckResult } from "./manifest/index.js";
export { lintManifest, lintAppConfig, rules as lintRules, type LintIssue } from "./lint/index.js";
