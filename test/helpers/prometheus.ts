// Debian's real Prometheus on loopback for the metrics tests, its HTTP query API, and the PromQL shipped in
// deploy/ (the Grafana dashboard's targets and the PrometheusRule's rules).
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "./cli.js";
import { freePort } from "./ports.js";

export const PROMETHEUS = "/usr/bin/prometheus";
export const PROMTOOL = "/usr/bin/promtool";
/** `test(..., { skip: prometheusSkip }, ...)`: false when Debian's prometheus is installed. */
export const prometheusSkip: string | false = existsSync(PROMETHEUS)
  ? false
  : "Debian's prometheus is not installed (apt-get install prometheus)";

const deploy = (...p: string[]) => join(repoRoot, "deploy", ...p);

/** Polls `fn` (errors count as "not yet") every 250 ms, `tries` times, then fails naming `what`. */
export async function until<T>(fn: () => Promise<T | undefined>, what: string, tries = 240): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  port: number;
  /** An instant query through /api/v1/query; fails the test unless Prometheus answers "success". */
  query(q: string): Promise<Sample[]>;
  /** The raw answer to an instant query, for expressions that are only checked to parse. */
  queryRaw(q: string): Promise<{ status: string; error?: string; data?: { result: Sample[] } }>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** `--query.lookback-delta` (Prometheus's default is 5m). */
  lookbackDelta?: string;
  /** Data directory, default `<dir>/data` (a backfilled one: see `backfill`). */
  dataDir?: string;
}

/**
 * Starts Prometheus on loopback, its data in `dir`, scraping `targetPort` every second, or nothing at all when
 * it is undefined (an empty scrape config, for backfilled history; retention is long so that history stays).
 * Prometheus cannot report a port it chose itself, so a free port is picked and may be taken before
 * Prometheus binds it: then it exits with "address already in use" and is started again on another.
 */
export async function startPrometheus(
  targetPort: number | undefined,
  dir: string,
  opts: PrometheusOptions = {},
): Promise<Prometheus> {
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      ...(targetPort === undefined
        ? ["scrape_configs: []"]
        : [
            "scrape_configs:",
            "  - job_name: sparklane",
            "    static_configs:",
            `      - targets: ["127.0.0.1:${targetPort}"]`,
          ]),
      "",
    ].join("\n"),
  );
  const check = spawnSync(PROMTOOL, ["check", "config", config], { encoding: "utf8" });
  assert.equal(check.status ?? 0, 0, check.stdout + check.stderr);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${opts.dataDir ?? join(dir, "data")}`,
        "--storage.tsdb.retention.time=100y",
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
        ...(opts.lookbackDelta ? [`--query.lookback-delta=${opts.lookbackDelta}`] : []),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let promErr = "";
    child.stderr!.on("data", (d: Buffer) => (promErr += d.toString()));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    };
    const exited = new Promise<"exited">((r) => child.once("exit", () => r("exited")));
    const ready = until(
      async () =>
        child.exitCode !== null
          ? false
          : (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok
            ? true
            : undefined,
      `prometheus ready (${promErr})`,
    ).catch(async (e: unknown) => {
      await stop();
      throw e;
    });
    const outcome = await Promise.race([ready, exited]);
    if (outcome === true) {
      const queryRaw = async (q: string) =>
        (await (
          await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`)
        ).json()) as { status: string; error?: string; data?: { result: Sample[] } };
      return {
        port,
        queryRaw,
        async query(q) {
          const body = await queryRaw(q);
          assert.equal(body.status, "success", `${q}: ${body.error}`);
          return body.data!.result;
        },
        stop,
      };
    }
    if (!/address already in use/.test(promErr) || attempt >= 5) assert.fail(`prometheus exited: ${promErr}`);
  }
}

/**
 * Loads OpenMetrics history into `dataDir` with `promtool tsdb create-blocks-from openmetrics` (one block per
 * 2 h, as Prometheus would have written them).
 */
export function backfill(openMetricsFile: string, dataDir: string): void {
  const r = spawnSync(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", openMetricsFile, dataDir], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `promtool create-blocks-from: ${r.stdout}${r.stderr}`);
}

/** Every target expression of the shipped Grafana dashboard, with its panel title. */
export function dashboardTargets(): { title: string; expr: string }[] {
  const d = JSON.parse(readFileSync(deploy("grafana", "sparklane-startup.json"), "utf8")) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
}

export function dashboardExprs(): string[] {
  return dashboardTargets().map((t) => t.expr);
}

/** The rule groups of the shipped PrometheusRule. */
export function ruleGroups(): {
  name: string;
  rules: { alert?: string; record?: string; expr: string }[];
}[] {
  const r = parse(readFileSync(deploy("prometheus", "sparklane-alerts.yaml"), "utf8"));
  assert.equal(r.kind, "PrometheusRule");
  assert.equal(r.apiVersion, "monitoring.coreos.com/v1");
  return r.spec.groups;
}
