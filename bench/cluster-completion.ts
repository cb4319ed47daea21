// Completion noticed, on the real test cluster (test/cluster/): the time from the operator writing COMPLETED
// to `sparklane submit --wait` returning (the process's exit), median and p99 over N runs. The moment the
// operator wrote COMPLETED is when this process's own watch delivers that update, which arrives at the same
// time as sparklane's (both are watches on the same API server). Baseline for comparison: Airflow's
// SparkKubernetesOperator polls every 10 s, so it notices 5 s late on average.
//
//   npm run bench -- cluster-completion            (needs the test cluster up; RUNS=20 CONCURRENCY=4 by default)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { KubeConfig, Watch } from "@kubernetes/client-node";
import { adminKubeconfig, jobNamespace, realClusterSkip } from "../test/helpers/real-cluster.js";
import { median, quantile } from "./stats.js";

if (realClusterSkip) {
  console.log(`skipped: ${realClusterSkip}`);
  process.exit(0);
}

const runs = Number(process.env.RUNS ?? 20);
const concurrency = Number(process.env.CONCURRENCY ?? 4);
const fixtures = fileURLToPath(new URL("../test/kube/fixtures/", import.meta.url));
const bin = fileURLToPath(new URL("../bin/sparklane.js", import.meta.url));
const ns = await jobNamespace("bench");

const completedAt = new Map<string, number>();
const kc = new KubeConfig();
kc.loadFromFile(adminKubeconfig());
const watch = await new Watch(kc).watch(
  `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns.name}/sparkapplications`,
  {},
  (_type, obj: { metadata: { name: string }; status?: { applicationState?: { state?: string } } }) => {
    if (obj.status?.applicationState?.state === "COMPLETED" && !completedAt.has(obj.metadata.name))
      completedAt.set(obj.metadata.name, performance.now());
  },
  () => {},
);

function one(i: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, "submit", "--conf", `${fixtures}daily.json`, "--template-dir", `${fixtures}cluster-templates`,
        "--ds", "2026-03-15", "--task-id", `ok_bench${i}`, "--kubeconfig", adminKubeconfig(), "-n", ns.name, "--wait",
        "--output", "json"],
      { stdio: ["ignore", "pipe", "ignore"] },
    ); // prettier-ignore
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => {
      const exited = performance.now();
      if (code !== 0) return reject(new Error(`run ${i} exited ${code}`));
      const name = (JSON.parse(out) as { name: string }).name;
      const seen = completedAt.get(name);
      if (seen === undefined) return reject(new Error(`run ${i}: COMPLETED never seen by the bench's watch`));
      resolve(exited - seen);
    });
  });
}

const latencies: number[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < runs) latencies.push(await one(next++));
  }),
);
watch.abort();
await ns.remove();
const f = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
console.log(
  `runs: ${latencies.length} (concurrency ${concurrency}), operator wrote COMPLETED -> submit --wait exited`,
);
console.log(
  `  median ${f(median(latencies))}   p99 ${f(quantile(latencies, 0.99))}   max ${f(Math.max(...latencies))}`,
);
console.log(`  vs Airflow's 10 s poll (mean 5 s late): ratio ${(median(latencies) / 5000).toFixed(3)}`);
console.log(median(latencies) < 1000 ? "target met (median < 1 s)" : "target missed (median >= 1 s)");
