// The library's public API: the pure core (payload, render, checks, lint, template) and local runs. It never
// prints and never exits; see src/cli for that.
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
  Environment as TemplateEnvironment,
  Template,
  TemplateError,
  airflowContext,
  parseJsonPy,
  type RenderResult,
  type TemplateSource,
  type AirflowContextOptions,
} from "./template/index.js";
// The parts that talk to the outside world are subpath exports, so importing the core loads none of their
// clients (Kubernetes, AWS, prom-client, tar): `sparklane/artifact`, `sparklane/bootstrap`, `sparklane/kube`,
// `sparklane/ivy`, `sparklane/metrics`, `sparklane/ledger`, `sparklane/cost`, `sparklane/ui`. Each is its folder's
// index.
