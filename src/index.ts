// The library's public API. It never prints and never exits; see src/cli for that.
export * from "./errors.js";
export * from "./render/index.js";
export {
  checkPayload,
  parsePayloadText,
  readPayloadFile,
  applySets,
  payloadValues,
  ParsedPayload,
  type PayloadInput,
  payloadSchema,
  type Payload,
  type Limits,
} from "./payload/index.js";
export {
  loadProject,
  findProject,
  projectConfigSchema,
  type Project,
  type ProjectConfig,
} from "./project/index.js";
export {
  parseManifest,
  parseRendered,
  createParseReuse,
  ParseReuse,
  checkManifest,
  checkPolicy,
  type ParsedManifest,
  type ManifestIssue,
  type Policy,
  type CheckResult,
} from "./manifest/index.js";
export { lintManifest, lintAppConfig, rules as lintRules, type LintIssue } from "./lint/index.js";
export { runLocal, planLocal, type RunReport, type LocalPlan, type LocalRunEvent } from "./local/index.js";
export {
  packageProject,
  publishArtifact,
  resolveVersion,
  openStore,
  dependencyFingerprint,
  type PackageResult,
  type PublishedManifest,
  type ArtifactStore,
} from "./artifact/index.js";
export {
  bootstrap,
  materializeArtifact,
  type BootstrapOptions,
  type BootstrapResult,
  type MaterializeOptions,
  type Materialized,
} from "./bootstrap/index.js";
export {
  Environment as TemplateEnvironment,
  Template,
  TemplateError,
  airflowContext,
  parseJsonPy,
  type RenderResult,
  type TemplateSource,
  type AirflowContextOptions,
} from "./template/index.js";
export {
  planIvySettings,
  createIvyRefresher,
  renderIvySettings,
  IvyRefresher,
  IvyMetrics,
  SettingsWriter as IvySettingsWriter,
  checkOutputFolder as checkIvyOutputFolder,
  startHealthServer as startIvyHealthServer,
  codeArtifactProvider,
  envProvider,
  fileProvider,
  execProvider,
  redactUrl,
  type TokenProvider,
  type Token as IvyToken,
  type IvySettingsSpec,
  type IvySettingsFlags,
  type IvySettingsPlan,
  type Health as IvyHealth,
} from "./ivy/index.js";
export {
  submit,
  prepareApplication,
  ensureApplication,
  waitForApplication,
  appStatus,
  listApplications,
  deleteApp,
  getApp,
  printLogs,
  connect as connectKube,
  Reflector,
  detectStuck,
  applicationName,
  sanitizeLabelValue,
  type SubmitInput,
  type SubmitOptions,
  type SubmitResult,
  type WaitResult,
  type PhaseTimings,
  type Kube,
  type KubeOptions,
  type SparkApp,
} from "./kube/index.js";
export {
  Exporter,
  createMetrics,
  METRIC_NAMES,
  START_LATENCY_BUCKETS,
  type ExporterOptions,
} from "./metrics/index.js";
