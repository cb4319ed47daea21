// bench/exporter: `sparklane exporter` against the fake API server holding 5,000 SparkApplications while 20
// state changes per second stream in. Reports the exporter's RSS, CPU and event->metric latency (p50/p99),
// and the same figures for a baseline measured in the same run against the same stream: the bare list+watch
// loop with no metrics. Targets: RSS < 150 MB, p99 < 50 ms.
// Run: npm run bench -- exporter   (BENCH_APPS, BENCH_RATE, BENCH_SECONDS override the load)
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { FakeApiServer, type KObj } from "../test/helpers/fake-apiserver/server.js";
import { quantile, median } from "./stats.js";

const APPS = Number(process.env.BENCH_APPS ?? 5000);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
// The child is bundled the way `npm run build` bundles the CLI (dependencies external), so it runs on plain
// node and the figures are the deployed exporter's, not those of the TypeScript loader.
// Inside the repository, so the external dependencies resolve from node_modules.
const root = fileURLToPath(new URL("..", import.meta.url));
mkdirSync(join(root, "node_modules", ".cache"), { recursive: true });
const tmp = mkdtempSync(join(root, "node_modules", ".cache", "sparklane-bench-"));
const child = join(tmp, "exporter-child.mjs");
await build({
  entryPoints: [fileURLToPath(new URL("./exporter-child.ts", import.meta.url))],
  outfile: child,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  absWorkingDir: root,
});
const now = () => performance.timeOrigin + performance.now();

const api = await new FakeApiServer({ bookmarkIntervalMs: 5000 }).start();
const kubeconfig = api.kubeconfig();
const STATES = ["SUBMITTED", "RUNNING", "SUCCEEDING", "COMPLETED"];
const modules = [
  "visits_distinct",
  "sessions",
  "orders",
  "clicks",
  "users",
  "payments",
  "inventory",
  "search",
];
const created = new Date(Date.now() - 3600_000).toISOString();
for (let i = 0; i < APPS; i++) {
  const module = modules[i % modules.length];
  api.store.create("sparkapplications", {
    apiVersion: "sparkoperator.k8s.io/v1beta2",
    kind: "SparkApplication",
    metadata: {
      name: `${module.replace("_", "-")}-20260315-${i.toString(36).padStart(6, "0")}`,
      namespace: "spark",
      labels: {
        "etl-module": module,
        "sparklane-variant": i % 3 ? "pre-baked" : "standard",
        "airflow-dag-id": "bench",
        "airflow-task-id": `t${i}`,
      },
      annotations: { "sparklane.io/payload-hash": "0".repeat(64) },
    },
    spec: {
      type: "Python",
      sparkVersion: "4.0.0",
      mainApplicationFile: "local:///app/etl/x/y.py",
      image: "registry.example/spark:4.0.0",
      driver: { cores: 1, memory: "1g", labels: { "etl-module": module } },
      executor: { instances: 4, cores: 2, memory: "4g" },
    },
    status: {
      applicationState: { state: i % 4 === 3 ? "COMPLETED" : "" },
      lastSubmissionAttemptTime: created,
    },
  } as KObj);
}

interface Report {
  applied: [string, number][];
  cpuMs: number;
  wallMs: number;
  rss: number;
  peakRss: number;
  metricsBytes: number;
}

function start(mode: "exporter" | "baseline") {
  const p = fork(child, [kubeconfig, mode], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = new Promise<void>((resolve, reject) => {
    p.once("message", () => resolve());
    p.once("exit", (code) => reject(new Error(`${mode} exited ${code}`)));
  });
  const report = () =>
    new Promise<Report>((resolve) => {
      p.once("message", (m) => resolve(m as Report));
      p.send({ report: true });
    });
  return { p, ready, report };
}

const t0 = now();
const exporter = start("exporter");
const baseline = start("baseline");
await Promise.all([exporter.ready, baseline.ready]);
console.log(`exporter and baseline synced ${APPS} applications in ${((now() - t0) / 1000).toFixed(1)} s`);

// Drive: RATE changes per second, each one application moving one state forward; a driver pod for every
// application that enters RUNNING (the start-latency path).
const emitted = new Map<string, number>();
// 50 applications are active, so each one moves through every state (and starts a driver) during the run.
const names = api.store
  .list("sparkapplications", "spark")
  .map((a) => a.metadata.name)
  .slice(0, 50);
let k = 0;
const total = RATE * SECONDS;
const interval = 1000 / RATE;
const driveStart = now();
for (let n = 0; n < total; n++) {
  const target = driveStart + n * interval;
  const wait = target - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const name = names[k++ % names.length];
  const at = now();
  let next = "";
  const o = api.store.mutate("sparkapplications", "spark", name, (a) => {
    const status = a.status as { applicationState?: { state?: string } } | undefined;
    const cur = status?.applicationState?.state ?? "";
    next = STATES[(STATES.indexOf(cur) + 1) % STATES.length];
    a.status = {
      ...status,
      applicationState: { state: next },
      ...(next === "COMPLETED" ? { terminationTime: new Date().toISOString() } : {}),
    };
  })!;
  emitted.set(o.metadata.resourceVersion!, at);
  if (next === "RUNNING" && !api.store.get("pods", "spark", `${name}-driver`)) {
    const p = api.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${name}-driver`,
        namespace: "spark",
        labels: { "spark-role": "driver", "sparkoperator.k8s.io/app-name": name },
      },
      spec: { containers: [{ name: "spark-kubernetes-driver", image: "x" }] },
      status: {
        phase: "Running",
        containerStatuses: [
          { name: "spark-kubernetes-driver", state: { running: { startedAt: new Date().toISOString() } } },
        ],
      },
    });
    emitted.set(p.metadata.resourceVersion!, now());
  }
}
await new Promise((r) => setTimeout(r, 1000));

function latencies(r: Report): number[] {
  const out: number[] = [];
  for (const [rv, t] of r.applied) {
    const e = emitted.get(rv);
    if (e !== undefined) out.push(t - e);
  }
  return out;
}

const [ex, base] = await Promise.all([exporter.report(), baseline.report()]);
await api.close();
rmSync(tmp, { recursive: true, force: true });
const le = latencies(ex);
const lb = latencies(base);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const cpuPct = (r: Report) => (100 * r.cpuMs) / r.wallMs;
console.log(
  `load: ${APPS} applications, ${RATE} changes/s for ${SECONDS} s (${total} changes, ${emitted.size} events incl. driver pods)`,
);
console.log(`                          exporter    baseline (list+watch, no metrics)   ratio`);
console.log(`  events applied          ${String(le.length).padStart(8)}    ${String(lb.length).padStart(8)}`);
console.log(
  `  event->metric p50 (ms)  ${median(le).toFixed(2).padStart(8)}    ${median(lb).toFixed(2).padStart(8)}   ${(median(le) / median(lb)).toFixed(2)}`,
);
console.log(
  `  event->metric p99 (ms)  ${quantile(le, 0.99).toFixed(2).padStart(8)}    ${quantile(lb, 0.99).toFixed(2).padStart(8)}   ${(quantile(le, 0.99) / quantile(lb, 0.99)).toFixed(2)}   (target < 50 ms)`,
);
console.log(
  `  RSS at end (MB)         ${mb(ex.rss).padStart(8)}    ${mb(base.rss).padStart(8)}   ${(ex.rss / base.rss).toFixed(2)}   (target < 150 MB)`,
);
console.log(
  `  peak RSS (MB)           ${mb(ex.peakRss).padStart(8)}    ${mb(base.peakRss).padStart(8)}   ${(ex.peakRss / base.peakRss).toFixed(2)}`,
);
console.log(
  `  CPU (% of one core)     ${cpuPct(ex).toFixed(1).padStart(8)}    ${cpuPct(base).toFixed(1).padStart(8)}   ${(cpuPct(ex) / cpuPct(base)).toFixed(2)}`,
);
console.log(`  /metrics size           ${(ex.metricsBytes / 1024).toFixed(1)} KiB`);
const ok = quantile(le, 0.99) < 50 && ex.peakRss < 150 * 1024 * 1024 && le.length >= emitted.size * 0.99;
console.log(ok ? "targets met" : "TARGETS MISSED");
process.exit(ok ? 0 : 1);
