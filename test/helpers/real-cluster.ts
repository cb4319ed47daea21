// Access to the project's test cluster (test/cluster/): a real kube-apiserver, controller manager, scheduler,
// kwok and the real Spark Operator. Tests that need it skip, with `realClusterSkip` as the reason, when it is
// not built or not running; `.ci/run` builds and starts it.
import { execFileSync, spawn } from "node:child_process";
import { after, before } from "node:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  adminApi,
  binDir,
  kubeconfigText,
  readInfo,
  stateDir,
  type Api,
  type ClusterInfo,
  missingPrerequisite,
  repoRoot,
  WATCH_LABEL,
} from "../cluster/cluster.js";
import { input } from "../kube/harness.js";
import { connect } from "../../src/kube/client.js";
import type { SubmitInput } from "../../src/kube/submit.js";
import { Exporter, type ExporterOptions } from "../../src/metrics/exporter.js";
import { TcpProxy } from "./tcp-proxy.js";

function goInstalled(): boolean {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function probe(): Promise<{ info?: ClusterInfo; skip: string | false }> {
  const info = readInfo();
  if (!info) {
    const how = 'start it with `node --import tsx test/cluster/main.ts up` (see README, "Test cluster")';
    if (!goInstalled())
      return {
        skip: `the test cluster is not running and Go is not installed to build it (${binDir()}); install Go, run test/cluster/build.sh, then ${how}`,
      };
    return { skip: `the test cluster is not running (no ${join(stateDir(), "cluster.json")}): ${how}` };
  }
  const r = await adminApi(info)
    .call("GET", "/readyz")
    .catch(() => undefined);
  if (r?.status !== 200)
    return {
      skip: `the test cluster recorded in ${info.stateDir} does not answer at ${info.server}: restart it (test/cluster/main.ts down, then up)`,
    };
  return { info, skip: false };
}

const probed = await probe();
/** `test(..., { skip: realClusterSkip }, ...)`: false when the test cluster answers, else why it is skipped. */
export const realClusterSkip: string | false = probed.skip;

export function cluster(): ClusterInfo {
  if (!probed.info) throw new Error(String(realClusterSkip));
  return probed.info;
}

export function admin(): Api {
  return adminApi(cluster());
}

async function must(method: string, path: string, body?: unknown, contentType?: string) {
  const r = await admin().call(method, path, body, contentType);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 400)}`);
  return r.json() as Record<string, unknown>;
}

/** The kubeconfig with cluster-admin rights (system:masters). */
export const adminKubeconfig = () => cluster().kubeconfig;

export interface TestNamespace {
  name: string;
  /** Deletes the namespace and everything in it (the controller manager finishes it in the background). */
  remove(): Promise<void>;
}

/**
 * A fresh namespace for one test file, set up as a Spark job namespace is: watched by the operator (unless
 * `watched: false`), with the driver's ServiceAccount `spark` and its Role, and the JMX exporter ConfigMap the
 * templates mount.
 */
export async function jobNamespace(
  prefix: string,
  opts: { watched?: boolean; api?: Api } = {},
): Promise<TestNamespace> {
  const api = opts.api ?? admin();
  const must = async (method: string, path: string, body?: unknown) => {
    const r = await api.call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 400)}`);
  };
  const name = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(
    0,
    63,
  );
  const labels = opts.watched === false ? {} : { [WATCH_LABEL]: "true" };
  await must("POST", "/api/v1/namespaces", { metadata: { name, labels } });
  await must("POST", `/api/v1/namespaces/${name}/serviceaccounts`, { metadata: { name: "spark" } });
  await must("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/roles`, {
    metadata: { name: "spark-driver" },
    rules: [
      {
        apiGroups: [""],
        resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
        verbs: ["create", "get", "list", "watch", "delete", "deletecollection", "patch", "update"],
      },
    ],
  });
  await must("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`, {
    metadata: { name: "spark-driver" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "spark-driver" },
    subjects: [{ kind: "ServiceAccount", name: "spark", namespace: name }],
  });
  await must("POST", `/api/v1/namespaces/${name}/configmaps`, {
    metadata: { name: "jmx-exporter-config" },
    data: { "config.yaml": "rules:\n  - pattern: '.*'\n" },
  });
  return {
    name,
    async remove() {
      await api.call("DELETE", `/api/v1/namespaces/${name}`);
    },
  };
}

/**
 * A job namespace made before the calling file's tests and removed after them (nothing when the cluster is
 * absent: those tests skip). `name` is valid inside the tests.
 */
export function fileNamespace(prefix: string): { readonly name: string } {
  let ns: TestNamespace | undefined;
  before(async () => {
    if (!realClusterSkip) ns = await jobNamespace(prefix);
  });
  after(async () => {
    await ns?.remove();
  });
  return {
    get name() {
      if (!ns) throw new Error(`the ${prefix} namespace exists only while the tests run`);
      return ns.name;
    },
  };
}

/**
 * A kubeconfig that authenticates as a ServiceAccount (a token from the TokenRequest API), for RBAC tests:
 * it can do exactly what that ServiceAccount's bindings allow.
 */
export async function serviceAccountKubeconfig(namespace: string, sa: string): Promise<string> {
  const r = await must("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  const token = (r.status as { token: string }).token;
  const c = cluster();
  const text = kubeconfigText(c.server, c.caFile, c.adminCert, c.adminKey)
    .replace(/ {4}client-certificate-data: .*\n {4}client-key-data: .*\n/, `    token: ${token}\n`)
    .replace(/name: admin|user: admin/g, (m) => m.replace("admin", sa));
  const dir = mkdtempSync(join(tmpdir(), "sparklane-sa-"));
  const file = join(dir, "kubeconfig");
  writeFileSync(file, text);
  return file;
}

export interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
    uid?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { applicationState?: { state?: string; errorMessage?: string } };
}

export async function get(path: string): Promise<Obj | undefined> {
  const r = await admin().call("GET", path);
  if (r.status === 404) return undefined;
  if (r.status >= 300) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.json() as Obj;
}

export async function list(path: string): Promise<Obj[]> {
  return ((await must("GET", path)) as { items: Obj[] }).items;
}

export const appPath = (ns: string, name = "") =>
  `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications${name ? `/${name}` : ""}`;

/** Polls `fn` until it returns a value; fails with `what` after `ms`. Bounded, for cluster-side effects. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The operator's /metrics text. */
export async function operatorMetrics(): Promise<string> {
  return (await fetch(cluster().operatorMetrics)).text();
}

export type ClusterManifest = {
  spec: Record<string, unknown> & { driver: Record<string, unknown> };
  metadata: Record<string, unknown>;
};

/**
 * The kube tests' application (test/kube/fixtures/app.json) for one run on the test cluster: the driver's fate
 * is chosen through its labels and annotations, which kwok's stages read (test/cluster/kwok/pod-stages.yaml).
 */
export function clusterInput(
  tag: string,
  outcome: string,
  change: (m: ClusterManifest) => void = () => {},
): SubmitInput {
  const i = input({
    context: { dagId: "generic_spark_etl", taskId: tag, ds: "2026-03-15", runId: `manual__${tag}` },
  });
  const m = i.manifest as unknown as ClusterManifest;
  m.spec.driver.labels = { ...(m.spec.driver.labels as object), "sparklane.test/outcome": outcome };
  m.spec.driver.annotations = { "sparklane.test/exit-code": "3" };
  m.spec.driver.serviceAccount = "spark";
  change(m);
  return i;
}

export interface ClusterExporter {
  /** The text of its /metrics. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The exporter (src/metrics/exporter.ts) in this process, watching one namespace of the test cluster with the
 * admin kubeconfig, on 127.0.0.1 and a port the OS chooses. Resolves once /healthz says it has synced: the
 * exporter takes what its first list sees as history, so only runs submitted after this are counted.
 */
export async function clusterExporter(
  namespace: string,
  opts: Omit<ExporterOptions, "kube" | "namespaces" | "port" | "host"> = {},
): Promise<ClusterExporter> {
  const exporter = new Exporter({
    ...opts,
    kube: connect({ kubeconfig: adminKubeconfig() }),
    namespaces: [namespace],
    port: 0,
    host: "127.0.0.1",
  });
  const { port } = await exporter.start();
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually("the exporter to sync", async () => (await fetch(`${url}/healthz`)).status === 200);
  } catch (e) {
    await exporter.stop();
    throw e;
  }
  return {
    scrape: async () => (await fetch(`${url}/metrics`)).text(),
    stop: () => exporter.stop(),
  };
}

/**
 * A TCP proxy in front of the test cluster's API server (test/helpers/tcp-proxy.ts) and an admin kubeconfig
 * that goes through it, for connection faults on demand. `close()` stops the proxy and removes the file.
 */
export async function proxiedCluster(): Promise<{
  proxy: TcpProxy;
  kubeconfig: string;
  close(): Promise<void>;
}> {
  const c = cluster();
  const proxy = await TcpProxy.start(c.apiPort);
  const dir = mkdtempSync(join(tmpdir(), "sparklane-proxy-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, proxy.rewriteKubeconfig(readFileSync(c.kubeconfig, "utf8")));
  return {
    proxy,
    kubeconfig,
    async close() {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `{ skip: privateClusterSkip }` for tests that start a cluster of their own: why they cannot, or false. */
export const privateClusterSkip: string | false = (() => {
  const m = missingPrerequisite(false);
  return m ? `a private test cluster cannot be started: ${m}` : false;
})();

export interface PrivateCluster {
  info: ClusterInfo;
  api: Api;
  /** Seconds from the command to a ready API server. */
  startSeconds: number;
  stop(): Promise<void>;
}

/**
 * A cluster of the test's own, beside the shared one, for faults that would break the tests sharing it (no CRD,
 * no webhook): test/cluster/main.ts with its own --state-dir, so its own ports, PKI and processes. `args` are
 * `up`'s flags (e.g. --control-plane-only). A watchdog stops it if this test process dies without stop().
 */
export async function startPrivateCluster(args: string[]): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-private-cluster-"));
  const main = (cmd: string[], timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "test/cluster/main.ts", "--state-dir", dir, ...cmd],
        { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] },
      );
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const t = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
      child.on("close", (code) => {
        clearTimeout(t);
        if (code === 0) resolve();
        else reject(new Error(`test/cluster/main.ts ${cmd[0]} exited ${code}: ${err}`));
      });
    });
  const t0 = Date.now();
  try {
    await main(["up", ...args, "--until-pid", String(process.pid)], 180_000);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const startSeconds = (Date.now() - t0) / 1000;
  const info = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as ClusterInfo;
  return {
    info,
    api: adminApi(info),
    startSeconds,
    async stop() {
      await main(["down"], 60_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
