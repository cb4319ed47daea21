// bench/exporter: `sparklane exporter` against an API server holding many SparkApplications while 20 state
// changes per second stream in. Reports the exporter's RSS, CPU and event->metric latency (p50/p99), and the
// same figures for a baseline measured in the same run against the same stream: the bare list+watch loop with
// no metrics. Targets: RSS < 150 MB, p99 < 50 ms.
// Run: npm run bench -- exporter   (BENCH_APPS, BENCH_RATE, BENCH_SECONDS override the load)
//
// BENCH_TARGET=fake (default): the fake API server (test/helpers/fake-apiserver), 5,000 applications, plus a
// driver pod for every application entering RUNNING.
// BENCH_TARGET=cluster: the real test cluster of README "Test cluster" (start it first; SPARKLANE_TEST_CLUSTER
// selects its state folder), 500 applications by default, in a fresh namespace without the operator's watch
// label (so no spark-submit starts), state changes as PATCHes of the status subresource, no driver pods (the
// operator would own those); the namespace is deleted at the end.
//   SPARKLANE_TEST_CLUSTER=/tmp/x BENCH_TARGET=cluster BENCH_SECONDS=20 npx tsx bench/exporter.ts
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { FakeApiServer, type KObj } from "../test/helpers/fake-apiserver/server.js";
import { adminApi, readInfo } from "../test/cluster/cluster.js";
import { quantile, median } from "./stats.js";

const CLUSTER = process.env.BENCH_TARGET === "cluster";
const APPS = Number(process.env.BENCH_APPS ?? (CLUSTER ? 500 : 5000));
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
function app(i: number, ns: string): KObj {
  const module = modules[i % modules.length];
  return {
    apiVersion: "sparkoperator.k8s.io/v1beta2",
    kind: "SparkApplication",
    metadata: {
      name: `${module.replace("_", "-")}-20260315-${i.toString(36).padStart(6, "0")}`,
      namespace: ns,
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
  } as KObj;
}

/** Where the applications live and how one of them moves a state forward; the measuring code is shared. */
interface Target {
  kubeconfig: string;
  namespace: string;
  names: string[];
  /** Moves `name` one state forward; returns the resourceVersion of each object it changed, with the time. */
  advance(name: string): Promise<[string, number][]>;
  close(): Promise<void>;
}

async function fakeTarget(): Promise<Target> {
  const api = await new FakeApiServer({ bookmarkIntervalMs: 5000 }).start();
  for (let i = 0; i < APPS; i++) api.store.create("sparkapplications", app(i, "spark"));
  return {
    kubeconfig: api.kubeconfig(),
    namespace: "spark",
    names: api.store.list("sparkapplications", "spark").map((a) => a.metadata.name),
    advance(name) {
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
      const out: [string, number][] = [[o.metadata.resourceVersion!, at]];
      // A driver pod for every application that enters RUNNING (the start-latency path).
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
              {
                name: "spark-kubernetes-driver",
                state: { running: { startedAt: new Date().toISOString() } },
              },
            ],
          },
        });
        out.push([p.metadata.resourceVersion!, now()]);
      }
      return Promise.resolve(out);
    },
    close: () => api.close(),
  };
}

async function clusterTarget(): Promise<Target> {
  const info = readInfo();
  if (!info) {
    console.error(
      "bench/exporter: BENCH_TARGET=cluster needs the test cluster: node --import tsx test/cluster/main.ts up",
    );
    process.exit(3);
  }
  const api = adminApi(info);
  const must = async (method: string, path: string, body?: unknown, type?: string) => {
    const r = await api.call(method, path, body, type);
    if (r.status >= 300) throw new Error(`bench/exporter: ${method} ${path} answered ${r.status}: ${r.body}`);
    return r.json() as KObj;
  };
  // No WATCH_LABEL on this namespace: the operator ignores it, so the applications stay plain objects.
  const ns = `sparklane-bench-${Date.now().toString(36)}`;
  await must("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const appsPath = `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications`;
  const state = new Map<string, string>();
  const close = async () => {
    await api.call("DELETE", `/api/v1/namespaces/${ns}`);
  };
  try {
    const names: string[] = [];
    // Ten at a time: the API server is shared with the rest of the machine.
    for (let i = 0; i < APPS; i += 10) {
      const batch = Array.from({ length: Math.min(10, APPS - i) }, (_, j) => app(i + j, ns));
      for (const a of await Promise.all(batch.map((a) => must("POST", appsPath, a)))) {
        names.push(a.metadata.name);
        state.set(a.metadata.name, "");
      }
    }
    return {
      kubeconfig: info.kubeconfig,
      namespace: ns,
      names,
      async advance(name) {
        const next = STATES[(STATES.indexOf(state.get(name) ?? "") + 1) % STATES.length];
        state.set(name, next);
        const at = now();
        const o = await must(
          "PATCH",
          `${appsPath}/${name}/status`,
          {
            // The CRD's schema requires driverInfo in every status.
            status: {
              driverInfo: {},
              applicationState: { state: next },
              ...(next === "COMPLETED" ? { terminationTime: new Date().toISOString() } : {}),
            },
          },
          "application/merge-patch+json",
        );
        return [[o.metadata.resourceVersion!, at]];
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

const target = CLUSTER ? await clusterTarget() : await fakeTarget();
const kubeconfig = target.kubeconfig;

interface Report {
  applied: [string, number][];
  cpuMs: number;
  wallMs: number;
  rss: number;
  peakRss: number;
  metricsBytes: number;
}

function start(mode: "exporter" | "baseline") {
  const p = fork(child, [kubeconfig, mode, target.namespace], {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
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

const emitted = new Map<string, number>();
const total = RATE * SECONDS;
let ex: Report, base: Report;
// A failed run still removes what it created (the cluster mode's namespace).
try {
  const t0 = now();
  const exporter = start("exporter");
  const baseline = start("baseline");
  await Promise.all([exporter.ready, baseline.ready]);
  console.log(`exporter and baseline synced ${APPS} applications in ${((now() - t0) / 1000).toFixed(1)} s`);

  // Drive: RATE changes per second, each one application moving one state forward.
  // 50 applications are active, so each one moves through every state during the run.
  const names = target.names.slice(0, 50);
  let k = 0;
  const interval = 1000 / RATE;
  const driveStart = now();
  for (let n = 0; n < total; n++) {
    const due = driveStart + n * interval;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const [rv, at] of await target.advance(names[k++ % names.length])) emitted.set(rv, at);
  }
  await new Promise((r) => setTimeout(r, 1000));

  [ex, base] = await Promise.all([exporter.report(), baseline.report()]);
} finally {
  await target.close();
}
function latencies(r: Report): number[] {
  const out: number[] = [];
  for (const [rv, t] of r.applied) {
    const e = emitted.get(rv);
    if (e !== undefined) out.push(t - e);
  }
  return out;
}

rmSync(tmp, { recursive: true, force: true });
const le = latencies(ex);
const lb = latencies(base);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const cpuPct = (r: Report) => (100 * r.cpuMs) / r.wallMs;
console.log(
  `load (${CLUSTER ? "test cluster" : "fake API server"}): ${APPS} applications, ${RATE} changes/s for ${SECONDS} s (${total} changes, ${emitted.size} events${CLUSTER ? "" : " incl. driver pods"})`,
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
