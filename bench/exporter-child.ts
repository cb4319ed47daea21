// Child process of bench/exporter.ts: runs either the real exporter or a baseline (the same list+watch loop
// with no metrics) against the fake API server, and records when each event was applied.
// argv: <kubeconfig> <exporter|baseline> [namespace, default spark]
import { connect } from "../src/kube/client.js";
import { listApps, type SparkApp } from "../src/kube/apps.js";
import { Reflector } from "../src/kube/reflector.js";
import { Exporter } from "../src/metrics/exporter.js";

const [kubeconfig, mode, ns = "spark"] = process.argv.slice(2) as [string, "exporter" | "baseline", string?];
if (!process.send || !kubeconfig) {
  // `npm run bench` runs every bench/*.ts; this one only makes sense forked by bench/exporter.ts.
  console.log("helper of bench/exporter.ts (npm run bench -- exporter); nothing to do on its own");
  process.exit(0);
}
const kube = connect({ kubeconfig });
const ctl = new AbortController();
const applied = new Map<string, number>();
const now = () => performance.timeOrigin + performance.now();
const record = (obj: { metadata?: { name?: string; resourceVersion?: string } }) => {
  const rv = obj.metadata?.resourceVersion;
  if (rv) applied.set(rv, now());
};

let ready: Promise<void>;
let port = 0;
let exporter: Exporter | undefined;
// No fetch() in here: undici alone would add ~20 MB that the exporter itself never loads.
if (mode === "exporter") {
  const e = new Exporter({
    kube,
    namespaces: [ns],
    port: 0,
    host: "127.0.0.1",
    signal: ctl.signal,
    onApplied: (_r, _t, o) => record(o),
  });
  exporter = e;
  port = (await e.start()).port;
  ready = (async () => {
    while (!e.healthy) await new Promise((r) => setTimeout(r, 50));
  })();
} else {
  let resolveReady!: () => void;
  ready = new Promise((r) => (resolveReady = r));
  const counts = new Map<string, number>();
  const r = new Reflector<SparkApp>({
    kube,
    what: "sparkapplications",
    signal: ctl.signal,
    list: () => listApps(kube, { namespace: ns }),
    watchPath: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications`,
    onChange: (_type, app) => {
      const s = app.status?.applicationState?.state ?? "";
      counts.set(s, (counts.get(s) ?? 0) + 1);
      record(app);
    },
    onSynced: () => resolveReady(),
  });
  void r.run();
}
await ready;
const cpu0 = process.cpuUsage();
const t0 = now();
process.send({ ready: true, port });
async function report(): Promise<void> {
  const cpu = process.cpuUsage(cpu0);
  const wallMs = now() - t0;
  const status = (await import("node:fs")).readFileSync("/proc/self/status", "utf8");
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const metricsBytes = exporter ? (await exporter.metrics.registry.metrics()).length : 0;
  process.send!(
    {
      applied: [...applied],
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs,
      rss: process.memoryUsage().rss,
      peakRss: hwm,
      metricsBytes,
    },
    () => {
      ctl.abort();
      process.exit(0);
    },
  );
}
process.on("message", (msg: { report?: boolean }) => {
  if (!msg.report) return;
  report().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
