// Prometheus metrics and the exporter daemon.
export { Exporter, type ExporterOptions } from "./exporter.js";
export {
  createMetrics,
  METRIC_NAMES,
  START_LATENCY_BUCKETS,
  DURATION_BUCKETS,
  STATES,
  type ExporterMetrics,
} from "./metrics.js";
