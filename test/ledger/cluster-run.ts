// One Spark run on the real test cluster, as the ledger sees it: `submit --wait` through the library, the real
// operator creating the driver pod, kwok running it, and two executor pods created as Spark's driver creates
// them (kwok runs no JVM, so nothing else would): labelled spark-role=executor and with the operator's app-name
// label, owned by the driver pod, with an init container larger than the main one (the effective-request
// rule), deleted while the driver still runs, as Spark deletes its executors when the SparkContext stops.
import { submit, type SubmitResult } from "../../src/kube/submit.js";
import type { ObjectHook } from "../../src/kube/wait.js";
import { input } from "../kube/harness.js";
import { admin, adminKubeconfig, eventually, get } from "../helpers/real-cluster.js";

export const EXECUTORS = 2;
/** Executor requests: main 1 core / 1408Mi, init 2 cores / 512Mi -> effective 2 cores, 1408Mi. */
export const EXECUTOR_SPEC = {
  initContainers: [
    {
      name: "setup-etl",
      image: "busybox",
      resources: { requests: { cpu: "2", memory: "512Mi" } },
    },
  ],
  containers: [
    {
      name: "spark-kubernetes-executor",
      image: "spark:3.5.3",
      resources: { requests: { cpu: "1", memory: "1408Mi" } },
    },
  ],
};

async function must(method: string, path: string, body?: unknown) {
  const r = await admin().call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.json() as Record<string, unknown>;
}

export async function clusterRun(
  ns: string,
  opts: { tag: string; outcome: "ok" | "fail"; onObject?: ObjectHook },
): Promise<{ result: SubmitResult; executors: string[] }> {
  const i = input({
    context: { dagId: "ledger_dag", taskId: opts.tag, ds: "2026-03-15", runId: `manual__${opts.tag}` },
    payload: {
      etl_module: "visits_distinct",
      etl_script: "visits_distinct_daily.py",
      config_file: "config/dev-daily.yaml",
      process_date: "2026-03-15",
    },
  });
  const m = i.manifest as unknown as {
    spec: { driver: Record<string, unknown> & { labels?: Record<string, string> } };
  };
  m.spec.driver.labels = { ...(m.spec.driver.labels ?? {}), "sparklane.test/outcome": opts.outcome };
  // Long enough for the executors to start and finish while the driver runs.
  m.spec.driver.annotations = { "sparklane.test/run-for": "8s", "sparklane.test/exit-code": "3" };
  m.spec.driver.serviceAccount = "spark";
  const executors: string[] = [];
  let spawned: Promise<void> | undefined;
  const spawn = async (driver: { name: string; uid: string; appName: string }) => {
    for (let n = 1; n <= EXECUTORS; n++) {
      const name = `${driver.appName}-exec-${n}`;
      await must("POST", `/api/v1/namespaces/${ns}/pods`, {
        metadata: {
          name,
          labels: {
            "spark-role": "executor",
            "sparkoperator.k8s.io/app-name": driver.appName,
            "spark-exec-id": `${n}`,
          },
          ownerReferences: [
            { apiVersion: "v1", kind: "Pod", name: driver.name, uid: driver.uid, controller: true },
          ],
        },
        spec: { restartPolicy: "Never", ...EXECUTOR_SPEC },
      });
      executors.push(name);
    }
    for (const name of executors)
      await eventually(
        `executor ${name} to run`,
        async () => {
          const p = (await get(`/api/v1/namespaces/${ns}/pods/${name}`)) as
            { status?: { phase?: string } } | undefined;
          return p?.status?.phase === "Running";
        },
        30_000,
      );
    // kwok ends only drivers: the executors run until deleted, as Spark's are when the SparkContext stops.
    await new Promise((r) => setTimeout(r, 2000));
    for (const name of executors) await must("DELETE", `/api/v1/namespaces/${ns}/pods/${name}`);
  };
  const result = await submit(
    i,
    { kubeconfig: adminKubeconfig(), namespace: ns, wait: true, terminationGraceMs: 30_000 },
    {
      onObject: (kind, type, obj) => {
        opts.onObject?.(kind, type, obj);
        const pod = obj as {
          metadata?: { name?: string; uid?: string; labels?: Record<string, string> };
          status?: { phase?: string };
        };
        if (
          kind === "pod" &&
          !spawned &&
          pod.metadata?.labels?.["spark-role"] === "driver" &&
          pod.status?.phase === "Running"
        )
          spawned = spawn({
            name: pod.metadata.name!,
            uid: pod.metadata.uid!,
            appName: pod.metadata.labels["sparkoperator.k8s.io/app-name"],
          });
      },
    },
  );
  await spawned;
  return { result, executors };
}
