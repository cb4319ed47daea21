// Metric names, buckets and labels: the contract the dashboards and alerts in deploy/ are written against.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Fine enough to see 10-second warm starts, which the operator's default 30-300 s buckets cannot show. */
export const START_LATENCY_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600];
export const DURATION_BUCKETS = [
  30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600,
];

/** Every application state the operator uses; anything else is reported as OTHER, so the label stays bounded. */
export const STATES = [
  "NEW",
  "SUBMITTED",
  "RUNNING",
  "SUCCEEDING",
  "FAILING",
  "COMPLETED",
  "FAILED",
  "SUBMISSION_FAILED",
  "PENDING_RERUN",
  "INVALIDATING",
  "UNKNOWN",
  "SUSPENDING",
  "SUSPENDED",
  "RESUMING",
  "OTHER",
] as const;

export const VARIANTS = ["standard", "pre-baked", "unknown"] as const;

export const METRIC_NAMES = {
  startLatency: "sparklane_job_start_latency_seconds",
  runs: "sparklane_runs_total",
  duration: "sparklane_run_duration_seconds",
  applications: "sparklane_applications",
  oldestSubmitted: "sparklane_submitted_oldest_age_seconds",
  events: "sparklane_exporter_events_total",
  watchRestarts: "sparklane_exporter_watch_restarts_total",
  synced: "sparklane_exporter_synced",
} as const;

export interface ExporterMetrics {
  registry: Registry;
  startLatency: Histogram<"module" | "variant" | "origin">;
  runs: Counter<"module" | "variant" | "outcome" | "origin">;
  duration: Histogram<"module" | "variant" | "outcome" | "origin">;
  applications: Gauge<"state">;
  oldestSubmitted: Gauge;
  events: Counter<"resource">;
  watchRestarts: Counter<"resource" | "reason">;
  synced: Gauge;
}

export function createMetrics(
  opts: { processMetrics?: boolean; oldestSubmittedAge?: () => number } = {},
): ExporterMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: "sparklane_exporter_" });
  const m: ExporterMetrics = {
    registry,
    startLatency: new Histogram({
      name: METRIC_NAMES.startLatency,
      help: "Seconds from SparkApplication creation to its driver container running (first execution attempt).",
      labelNames: ["module", "variant", "origin"],
      buckets: START_LATENCY_BUCKETS,
      registers: [registry],
    }),
    runs: new Counter({
      name: METRIC_NAMES.runs,
      help: "SparkApplications that reached a terminal state, by outcome (completed, failed).",
      labelNames: ["module", "variant", "outcome", "origin"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: METRIC_NAMES.duration,
      help: "Seconds from the last submission attempt to termination, for applications that reached a terminal state.",
      labelNames: ["module", "variant", "outcome", "origin"],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    applications: new Gauge({
      name: METRIC_NAMES.applications,
      help: "SparkApplications currently present, by application state.",
      labelNames: ["state"],
      registers: [registry],
    }),
    oldestSubmitted: new Gauge({
      name: METRIC_NAMES.oldestSubmitted,
      help: "Age in seconds of the oldest SparkApplication waiting in SUBMITTED (0 when none): the operator keeps an application SUBMITTED forever when its driver cannot start.",
      registers: [registry],
      collect() {
        this.set(opts.oldestSubmittedAge?.() ?? 0);
      },
    }),
    events: new Counter({
      name: METRIC_NAMES.events,
      help: "Watch events processed.",
      labelNames: ["resource"],
      registers: [registry],
    }),
    watchRestarts: new Counter({
      name: METRIC_NAMES.watchRestarts,
      help: "Watch streams restarted, by reason (gone: 410 re-list; error: reset or API unreachable).",
      labelNames: ["resource", "reason"],
      registers: [registry],
    }),
    synced: new Gauge({
      name: METRIC_NAMES.synced,
      help: "1 once every watch has listed at least once.",
      registers: [registry],
    }),
  };
  for (const s of STATES) m.applications.set({ state: s }, 0);
  // Series exist from the first scrape, so rate() and increase() see the first restart.
  for (const resource of ["app", "pod"])
    for (const reason of ["gone", "error"]) m.watchRestarts.inc({ resource, reason }, 0);
  return m;
}
