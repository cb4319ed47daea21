import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The refresher's metrics, in a registry of its own so several refreshers (tests) never collide.
 * Labels are a closed set (`stage`); nothing derived from the token or the URL is ever a label.
 */
export class IvyMetrics {
  readonly registry = new Registry();
  readonly tokenExpiry = new Gauge({
    name: "sparklane_ivy_token_expiry_timestamp_seconds",
    help: "Expiry of the token in the current ivysettings.xml (unix seconds; 0 when unknown or none)",
    registers: [this.registry],
  });
  readonly healthy = new Gauge({
    name: "sparklane_ivy_token_valid",
    help: "1 while the file holds a token valid for longer than the margin, else 0 (same as /healthz)",
    registers: [this.registry],
  });
  readonly successes = new Counter({
    name: "sparklane_ivy_refresh_success_total",
    help: "Refreshes that fetched a token and left a current file",
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: "sparklane_ivy_refresh_failure_total",
    help: "Failed refreshes, by stage: endpoint, realm, token, write",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: "sparklane_ivy_settings_writes_total",
    help: "Times ivysettings.xml was replaced (an unchanged token writes nothing)",
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: "sparklane_ivy_last_refresh_success_timestamp_seconds",
    help: "When the last refresh succeeded (unix seconds)",
    registers: [this.registry],
  });
  readonly lastAttempt = new Gauge({
    name: "sparklane_ivy_last_refresh_attempt_timestamp_seconds",
    help: "When the last refresh attempt ended, successful or not (unix seconds)",
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "sparklane_ivy_refresh_duration_seconds",
    help: "Time for one refresh attempt: fetch, render and write",
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    for (const stage of ["endpoint", "realm", "token", "write"]) this.failures.inc({ stage }, 0);
  }
}
