// Local mode: a checked SparkApplication run with spark-submit on this machine.
export {
  runLocal,
  type LocalRunEvent,
  type LocalRunRequest,
  type RunReport,
  type RuntimeCacheState,
} from "./run.js";
export {
  planLocal,
  memoryMiB,
  driverMemoryCapMiB,
  type LocalPlan,
  type PlanInput,
  type PlanRuntime,
} from "./plan.js";
export { applicationFiles, checkApplicationFiles, mapAppPath, type AppFiles } from "./paths.js";
export { parseEventLog, readTimeline, phasesFrom, type Phases, type SparkTimeline } from "./events.js";
export { summariseFailure, isConsoleWorthy, type FailureSummary } from "./failure.js";
