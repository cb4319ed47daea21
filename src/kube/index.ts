// Kubernetes: idempotent submit, watch with 410/reset handling, stuck-pod detection, logs, status, list,
// delete. Drives the Spark Operator through the official client; never reimplements it.
export { connect, toKubeError, GROUP, VERSION, PLURAL, type Kube, type KubeOptions } from "./client.js";
export {
  resolveNamespace,
  describeNamespace,
  type ResolvedNamespace,
  type NamespaceSource,
} from "./namespace.js";
export { withRetry, backoffMs, realSleep, type RetryOptions, type Sleep } from "./retry.js";
export * from "./naming.js";
export { prepareApplication, moduleOf, type PrepareInput, type Prepared } from "./prepare.js";
export {
  ensureApplication,
  getApp,
  listApps,
  deleteApp,
  type SparkApp,
  type EnsureOptions,
  type EnsureResult,
  type EnsureAction,
} from "./apps.js";
export { Reflector, type ReflectorOptions, type ChangeType } from "./reflector.js";
export {
  detectStuck,
  describeStuck,
  driverTermination,
  STUCK_REASONS,
  DRIVER_CONTAINER,
  type Pod,
  type Stuck,
} from "./pods.js";
export {
  waitForApplication,
  offsets,
  stateOf,
  PHASES,
  TERMINAL_STATES,
  type WaitOptions,
  type WaitResult,
  type Transition,
  type PhaseTimings,
  type Outcome,
} from "./wait.js";
export { PodLogFollower, logContainers, printLogs, type LogLine, type FollowOptions } from "./logs.js";
export {
  appStatus,
  findApp,
  listApplications,
  selectorFor,
  timingsFrom,
  podsOf,
  type AppStatus,
  type ListQuery,
  type ListRow,
} from "./status.js";
export {
  originOf,
  providerLabelValue,
  baseName,
  PROVIDER_LABELS,
  SPARK_APPLICATION_NAME_ENV,
  type AppOrigin,
  type Origin,
} from "./airflow.js";
export {
  submit,
  manifestYaml,
  type SubmitInput,
  type SubmitOptions,
  type SubmitHooks,
  type SubmitResult,
} from "./submit.js";
export { warningEvents, formatEvent, type WarningEvent } from "./events.js";
