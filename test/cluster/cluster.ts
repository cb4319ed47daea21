// The project's test cluster: a real Kubernetes control plane (etcd, kube-apiserver, controller manager,
// scheduler), kwok as the one fake node, and the real Kubeflow Spark Operator (controller and webhook), all as
// processes on 127.0.0.1. Binaries come from test/cluster/build.sh. `up()` writes `cluster.json` and a
// kubeconfig into the state folder; `down()` stops every process it recorded, by process group id.
//
// Facts this wiring rests on are in docs/kubernetes.md ("The test cluster") and the steering repo's
// reference/real-kubernetes.md.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../helpers/ports.js";

export const KUBE_VERSION = "v1.35.4";
export const OPERATOR_VERSION = "v2.5.2";
/** Namespaces with this label are watched by the operator's controller and its webhooks. */
export const WATCH_LABEL = "sparklane.test/spark-jobs";
export const OPERATOR_NAMESPACE = "spark-operator";
export const NODE_NAME = "kwok-node-0";

const here = fileURLToPath(new URL(".", import.meta.url));
export const repoRoot = join(here, "..", "..");

export function cacheDir(): string {
  return (
    process.env.SPARKLANE_CLUSTER_CACHE ??
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sparklane", "test-cluster")
  );
}
export const binDir = () => join(cacheDir(), "bin");
/** Where a running cluster keeps its PKI, data, logs and cluster.json. */
export const stateDir = () => process.env.SPARKLANE_TEST_CLUSTER ?? join(cacheDir(), "run");

export interface ProcessRecord {
  name: string;
  pid: number;
  /** The executable, checked against /proc before signalling so a reused pid is never killed. */
  exe: string;
  log: string;
}

export interface ClusterInfo {
  version: 1;
  stateDir: string;
  server: string;
  apiPort: number;
  kubeconfig: string;
  caFile: string;
  adminCert: string;
  adminKey: string;
  operatorMetrics: string;
  webhookPort: number;
  watchLabel: string;
  operatorNamespace: string;
  startedAt: string;
  startSeconds: number;
  processes: ProcessRecord[];
}

const infoPath = () => join(stateDir(), "cluster.json");
const pidsPath = () => join(stateDir(), "pids.json");

/** The running cluster's description, or undefined when none was started from this state folder. */
export function readInfo(): ClusterInfo | undefined {
  if (!existsSync(infoPath())) return undefined;
  return JSON.parse(readFileSync(infoPath(), "utf8")) as ClusterInfo;
}

// ---------------------------------------------------------------------------------------------- processes

function readPids(): ProcessRecord[] {
  return existsSync(pidsPath()) ? (JSON.parse(readFileSync(pidsPath(), "utf8")) as ProcessRecord[]) : [];
}
function recordPid(p: ProcessRecord) {
  const all = readPids().filter((r) => r.name !== p.name);
  all.push(p);
  writeFileSync(pidsPath(), JSON.stringify(all, null, 2));
}

function ours(p: ProcessRecord): boolean {
  try {
    const cmd = readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0");
    return cmd.some((part) => part === p.exe || part.endsWith(p.exe));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Stops every process the state folder records, newest first: SIGTERM to its process group, then SIGKILL
 * after `graceMs`. Only pids whose command line still names the recorded executable are signalled.
 */
export async function down(graceMs = 10_000): Promise<string[]> {
  const stopped: string[] = [];
  const procs = readPids().reverse();
  for (const p of procs) {
    if (!ours(p)) continue;
    try {
      process.kill(-p.pid, "SIGTERM");
    } catch {
      continue;
    }
    stopped.push(p.name);
    const deadline = Date.now() + graceMs;
    while (ours(p) && Date.now() < deadline) await sleep(50);
    if (ours(p)) {
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
  rmSync(pidsPath(), { force: true });
  rmSync(infoPath(), { force: true });
  return stopped;
}

function start(
  name: string,
  exe: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = stateDir(),
): ChildProcess {
  const log = join(stateDir(), "logs", `${name}.log`);
  const fd = openSync(log, "a");
  // Own process group (detached), so down() can stop it with everything it forked (spark-submit JVMs).
  const child = spawn(exe, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`test cluster: could not start ${name} (${exe})`);
  recordPid({ name, pid: child.pid, exe, log });
  child.unref();
  return child;
}

/** Polls `probe` until it returns true; fails naming the component and the end of its log. */
async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
  log?: string,
) {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child?.once("exit", (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) break;
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  const tail = log && existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "";
  throw new Error(
    `test cluster: ${what} ${exited !== null ? `exited (${exited})` : `not ready after ${timeoutMs / 1000} s`}` +
      (tail ? `; end of ${log}:\n${tail}` : ""),
  );
}

// ---------------------------------------------------------------------------------------------- API access

export interface Api {
  call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: string; json: () => unknown }>;
}

/** A minimal admin client over the API server's TLS, used before any kubeconfig-based client can work. */
export function adminApi(info: Pick<ClusterInfo, "apiPort" | "caFile" | "adminCert" | "adminKey">): Api {
  const tls: RequestOptions = {
    host: "127.0.0.1",
    port: info.apiPort,
    ca: readFileSync(info.caFile),
    cert: readFileSync(info.adminCert),
    key: readFileSync(info.adminKey),
  };
  return {
    call(method, path, body, contentType = "application/json") {
      return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        const req = httpsRequest(
          {
            ...tls,
            method,
            path,
            timeout: 30_000,
            headers: data ? { "content-type": contentType, "content-length": Buffer.byteLength(data) } : {},
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => (text += d));
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as unknown }),
            );
          },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
        req.on("error", reject);
        req.end(data);
      });
    },
  };
}

async function must(api: Api, method: string, path: string, body?: unknown, contentType?: string) {
  const r = await api.call(method, path, body, contentType);
  if (r.status >= 300 && !(method === "POST" && r.status === 409))
    throw new Error(`test cluster: ${method} ${path} answered ${r.status}: ${r.body.slice(0, 500)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------- PKI

function openssl(args: string[]) {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

export function makePki(dir: string) {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  // RSA, not EC: spark-submit's Kubernetes client (fabric8) reads the admin key from the kubeconfig.
  const ca = (name: string, cn: string) =>
    openssl([
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p(`${name}.key`), "-out", p(`${name}.crt`),
      "-days", "3650", "-subj", `/CN=${cn}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]); // prettier-ignore
  const leaf = (name: string, caName: string, subj: string, exts: string[]) =>
    openssl([
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p(`${name}.key`), "-out", p(`${name}.crt`),
      "-days", "3650", "-subj", subj, "-CA", p(`${caName}.crt`), "-CAkey", p(`${caName}.key`),
      ...exts.flatMap((e) => ["-addext", e]),
    ]); // prettier-ignore
  const server = "extendedKeyUsage=serverAuth";
  const client = "extendedKeyUsage=clientAuth";
  const noCa = "basicConstraints=critical,CA:FALSE";
  ca("ca", "sparklane-test-cluster-ca");
  ca("front-proxy-ca", "sparklane-test-cluster-front-proxy-ca");
  leaf("apiserver", "ca", "/CN=kube-apiserver", [
    noCa,
    server,
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
  ]);
  leaf("admin", "ca", "/O=system:masters/CN=sparklane-test-admin", [noCa, client]);
  leaf("apiserver-kubelet-client", "ca", "/O=system:masters/CN=kube-apiserver-kubelet-client", [
    noCa,
    client,
  ]);
  leaf("front-proxy-client", "front-proxy-ca", "/CN=front-proxy-client", [noCa, client]);
  leaf("kubelet", "ca", `/CN=${NODE_NAME}`, [noCa, server, "subjectAltName=IP:127.0.0.1,DNS:localhost"]);
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", p("sa.key")]);
  openssl(["pkey", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub")]);
}

function kubeconfigText(server: string, ca: string, cert: string, key: string, user = "admin"): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: sparklane-test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(ca)}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate-data: ${b64(cert)}`,
    `    client-key-data: ${b64(key)}`,
    "contexts:",
    "- name: sparklane-test",
    "  context:",
    "    cluster: sparklane-test",
    `    user: ${user}`,
    "current-context: sparklane-test",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------- up

export interface UpOptions {
  /** Start the operator's webhook (default true): without it env, volumes, sidecars... are silently dropped. */
  webhook?: boolean;
  /** Without the Spark Operator and its CRDs (for debugging kwok and its stages). */
  operator?: boolean;
  /** Only etcd, the API server, controller manager and scheduler (for debugging the control plane). */
  controlPlaneOnly?: boolean;
  /** Print progress lines. */
  log?: (line: string) => void;
}

function sparkHome(): string {
  if (process.env.SPARK_HOME && existsSync(join(process.env.SPARK_HOME, "bin", "spark-submit")))
    return process.env.SPARK_HOME;
  try {
    const dir = execFileSync(
      "python3",
      ["-c", "import pyspark, os; print(os.path.dirname(pyspark.__file__))"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      },
    ).trim();
    if (existsSync(join(dir, "bin", "spark-submit"))) return dir;
  } catch {
    /* reported below */
  }
  throw new Error(
    "test cluster: no spark-submit for the operator: install the pyspark wheel (pip install pyspark==4.0.1) or set SPARK_HOME",
  );
}

/** Why the cluster cannot be started here, or undefined when it can. */
export function missingPrerequisite(operator = true): string | undefined {
  const bins = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"];
  for (const b of operator ? [...bins, "spark-operator"] : bins)
    if (!existsSync(join(binDir(), b)))
      return `${join(binDir(), b)} is not built (run test/cluster/build.sh; it needs Go)`;
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch {
    return "openssl is not installed (the test cluster makes its PKI with it)";
  }
  return undefined;
}

/** The components take their ports as flags, so each port is found free first and bound a moment later by
 * another process; another program can take it in between. A start that failed with "address already in use"
 * (the component's log tail is in the error) is stopped and tried again with new ports. */
export async function up(opts: UpOptions = {}): Promise<ClusterInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await upOnce(opts);
    } catch (e) {
      const portTaken = /address already in use|EADDRINUSE/.test(String(e));
      if (!portTaken || attempt >= 3) throw e;
      // upOnce has stopped what it started.
      opts.log?.(`a port was taken while starting (attempt ${attempt}); starting again with new ports`);
    }
  }
}

async function upOnce(opts: UpOptions): Promise<ClusterInfo> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const missing = opts.controlPlaneOnly ? undefined : missingPrerequisite(opts.operator !== false);
  if (missing) throw new Error(`test cluster: ${missing}`);
  // Only the operator runs spark-submit; a control plane alone does not need Spark.
  const spark = opts.controlPlaneOnly || opts.operator === false ? "" : sparkHome();
  const state = stateDir();
  if (readPids().some(ours)) throw new Error(`test cluster: already running from ${state} (run down first)`);
  rmSync(state, { recursive: true, force: true });
  for (const d of ["logs", "pki", "etcd", "webhook-certs", "kwok"])
    mkdirSync(join(state, d), { recursive: true });
  const bin = (b: string) => join(binDir(), b);
  const pki = (f: string) => join(state, "pki", f);

  try {
    makePki(join(state, "pki"));
    log(`pki ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // etcd
    const etcdPort = await freePort();
    const peerPort = await freePort();
    const etcd = start("etcd", bin("etcd"), [
      "--name=test",
      `--data-dir=${join(state, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=test=http://127.0.0.1:${peerPort}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    await waitFor(
      "etcd",
      async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok,
      30_000,
      etcd,
      join(state, "logs", "etcd.log"),
    );
    log(`etcd ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // kube-apiserver
    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = start("kube-apiserver", bin("kube-apiserver"), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki("apiserver.crt")}`,
      `--tls-private-key-file=${pki("apiserver.key")}`,
      `--client-ca-file=${pki("ca.crt")}`,
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${pki("sa.pub")}`,
      `--service-account-signing-key-file=${pki("sa.key")}`,
      // Virtual IPs are only stored, never routed; the reconciler would publish a loopback endpoint, which
      // endpoint validation refuses.
      "--service-cluster-ip-range=10.0.0.0/24",
      "--endpoint-reconciler-type=none",
      `--requestheader-client-ca-file=${pki("front-proxy-ca.crt")}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki("front-proxy-client.crt")}`,
      `--proxy-client-key-file=${pki("front-proxy-client.key")}`,
      `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
      `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
      "--kubelet-preferred-address-types=InternalIP",
      "--allow-privileged=true",
      "--profiling=false",
      "--v=1",
    ]);
    const info: ClusterInfo = {
      version: 1,
      stateDir: state,
      server,
      apiPort,
      kubeconfig: join(state, "kubeconfig"),
      caFile: pki("ca.crt"),
      adminCert: pki("admin.crt"),
      adminKey: pki("admin.key"),
      operatorMetrics: "",
      webhookPort: 0,
      watchLabel: WATCH_LABEL,
      operatorNamespace: OPERATOR_NAMESPACE,
      startedAt: new Date(t0).toISOString(),
      startSeconds: 0,
      processes: [],
    };
    const api = adminApi(info);
    await waitFor(
      "kube-apiserver",
      async () => (await api.call("GET", "/readyz")).status === 200,
      90_000,
      apiserver,
      join(state, "logs", "kube-apiserver.log"),
    );
    writeFileSync(info.kubeconfig, kubeconfigText(server, info.caFile, info.adminCert, info.adminKey));
    log(`kube-apiserver ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // controller manager: ServiceAccounts and kube-root-ca.crt per namespace, garbage collection, namespace
    // deletion. scheduler: kwok does not schedule.
    start("kube-controller-manager", bin("kube-controller-manager"), [
      `--kubeconfig=${info.kubeconfig}`,
      "--leader-elect=false",
      "--use-service-account-credentials=false",
      `--service-account-private-key-file=${pki("sa.key")}`,
      `--root-ca-file=${pki("ca.crt")}`,
      `--cluster-signing-cert-file=${pki("ca.crt")}`,
      `--cluster-signing-key-file=${pki("ca.key")}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
      `--authentication-kubeconfig=${info.kubeconfig}`,
      `--authorization-kubeconfig=${info.kubeconfig}`,
      "--v=1",
    ]);
    start("kube-scheduler", bin("kube-scheduler"), [
      `--kubeconfig=${info.kubeconfig}`,
      `--authentication-kubeconfig=${info.kubeconfig}`,
      `--authorization-kubeconfig=${info.kubeconfig}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
      "--v=1",
    ]);

    if (opts.controlPlaneOnly) {
      info.startSeconds = (Date.now() - t0) / 1000;
      info.processes = readPids();
      writeFileSync(infoPath(), JSON.stringify(info, null, 2));
      return info;
    }

    // kwok and its node. The node advertises the log proxy's port; the proxy forwards to kwok.
    const kwokPort = await freePort();
    const proxyPort = await freePort();
    const kwokConfig = join(state, "kwok", "kwok.yaml");
    const logs = join(here, "kwok", "logs");
    writeFileSync(
      kwokConfig,
      [
        readFileSync(join(here, "kwok", "node-stages.yaml"), "utf8"),
        readFileSync(join(here, "kwok", "pod-stages.yaml"), "utf8"),
        [
          "apiVersion: kwok.x-k8s.io/v1alpha1",
          "kind: ClusterLogs",
          "metadata:",
          "  name: sparklane-test-logs",
          "spec:",
          "  logs:",
          "  - containers: [spark-kubernetes-driver]",
          `    logsFile: ${join(logs, "driver.log")}`,
          "  - containers: [setup-etl]",
          `    logsFile: ${join(logs, "init.log")}`,
          `  - logsFile: ${join(logs, "other.log")}`,
          "",
        ].join("\n"),
      ].join("\n---\n"),
    );
    await must(api, "POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: NODE_NAME,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: {
          "kubernetes.io/hostname": NODE_NAME,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          type: "kwok",
        },
      },
      spec: {},
      status: {
        capacity: { cpu: "32", memory: "256Gi", pods: "110" },
        allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
      },
    });
    const kwok = start("kwok", bin("kwok"), [
      `--kubeconfig=${info.kubeconfig}`,
      `--config=${kwokConfig}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      "--node-ip=127.0.0.1",
      `--node-port=${proxyPort}`,
      `--server-address=127.0.0.1:${kwokPort}`,
      `--tls-cert-file=${pki("kubelet.crt")}`,
      `--tls-private-key-file=${pki("kubelet.key")}`,
    ]);
    start(
      "log-proxy",
      process.execPath,
      [
        "--import",
        "tsx",
        join(here, "log-proxy.ts"),
        JSON.stringify({
          listen: proxyPort,
          upstream: kwokPort,
          cert: pki("kubelet.crt"),
          key: pki("kubelet.key"),
          apiPort,
          caFile: info.caFile,
          adminCert: info.adminCert,
          adminKey: info.adminKey,
        }),
      ],
      {},
      repoRoot,
    );
    await waitFor(
      "kwok node",
      async () => {
        const r = await api.call("GET", `/api/v1/nodes/${NODE_NAME}`);
        const node = r.json() as { status?: { conditions?: { type: string; status: string }[] } };
        return (
          r.status === 200 &&
          !!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        );
      },
      60_000,
      kwok,
      join(state, "logs", "kwok.log"),
    );
    log(`kwok node ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    if (opts.operator === false) {
      info.startSeconds = (Date.now() - t0) / 1000;
      info.processes = readPids();
      writeFileSync(infoPath(), JSON.stringify(info, null, 2));
      return info;
    }

    await applyOperatorCrds(api);

    await must(api, "POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: OPERATOR_NAMESPACE },
    });

    const operatorEnv = {
      KUBECONFIG: info.kubeconfig,
      SPARK_HOME: spark,
      // The operator builds spark-submit's --master from these two.
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: String(apiPort),
      // Short-lived submission JVMs start faster without the optimising compiler.
      SPARK_SUBMIT_OPTS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    };
    const selector = `${WATCH_LABEL}=true`;

    if (opts.webhook !== false) {
      const webhookPort = await freePort();
      info.webhookPort = webhookPort;
      await createWebhookConfigurations(api, webhookPort);
      const webhook = start(
        "spark-operator-webhook",
        bin("spark-operator"),
        [
          "webhook",
          "start",
          `--webhook-port=${webhookPort}`,
          `--webhook-cert-dir=${join(state, "webhook-certs")}`,
          `--webhook-secret-namespace=${OPERATOR_NAMESPACE}`,
          `--webhook-svc-namespace=${OPERATOR_NAMESPACE}`,
          "--webhook-svc-name=spark-operator-webhook-svc",
          "--mutating-webhook-name=spark-operator-webhook",
          "--validating-webhook-name=spark-operator-webhook",
          "--leader-election=false",
          `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
          "--metrics-bind-address=0",
        ],
        operatorEnv,
      );
      // Ready when the API server can call it: a server-side dry run passes the webhooks only then.
      await waitFor(
        "spark-operator webhook",
        async () => {
          const r = await api.call(
            "POST",
            `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${OPERATOR_NAMESPACE}/sparkapplications?dryRun=All`,
            probeApp(),
          );
          return r.status === 201;
        },
        60_000,
        webhook,
        join(state, "logs", "spark-operator-webhook.log"),
      );
      log(`spark-operator webhook ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }

    const metricsPort = await freePort();
    const healthPort = await freePort();
    info.operatorMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    const controller = start(
      "spark-operator-controller",
      bin("spark-operator"),
      [
        "controller",
        "start",
        "--leader-election=false",
        `--namespace-selector=${selector}`,
        "--controller-threads=4",
        "--enable-metrics",
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        "--metrics-labels=etl-module,sparklane-variant",
        "--metrics-job-start-latency-buckets=1,2,5,10,15,20,30,45,60,90,120,180,240,300",
        `--health-probe-bind-address=127.0.0.1:${healthPort}`,
        "--driver-pod-creation-grace-period=10s",
      ],
      operatorEnv,
    );
    await waitFor(
      "spark-operator controller",
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok,
      60_000,
      controller,
      join(state, "logs", "spark-operator-controller.log"),
    );
    log(`spark-operator controller ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    info.startSeconds = (Date.now() - t0) / 1000;
    info.processes = readPids();
    writeFileSync(infoPath(), JSON.stringify(info, null, 2));
    return info;
  } catch (e) {
    await down(3_000);
    throw e;
  }
}

/**
 * The operator's three CRDs (its controller refuses to start without all of them), applied server-side: the
 * SparkApplication CRD is too large for the client-side last-applied annotation. Resolves once established.
 */
export async function applyOperatorCrds(api: Api): Promise<void> {
  const crdDir = join(binDir(), "spark-operator-crds");
  const crds = ["sparkapplications", "scheduledsparkapplications", "sparkconnects"];
  for (const c of crds) {
    const file = join(crdDir, `sparkoperator.k8s.io_${c}.yaml`);
    await must(
      api,
      "PATCH",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c}.sparkoperator.k8s.io?fieldManager=sparklane-test-cluster&force=true`,
      readFileSync(file, "utf8"),
      "application/apply-patch+yaml",
    );
  }
  await waitFor(
    "operator CRDs",
    async () => {
      for (const c of crds) {
        const r = await api.call(
          "GET",
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c}.sparkoperator.k8s.io`,
        );
        const crd = r.json() as { status?: { conditions?: { type: string; status: string }[] } };
        if (!crd.status?.conditions?.some((x) => x.type === "Established" && x.status === "True"))
          return false;
      }
      return true;
    },
    30_000,
  );
}

function probeApp() {
  return {
    apiVersion: "sparkoperator.k8s.io/v1beta2",
    kind: "SparkApplication",
    metadata: { name: "webhook-probe", namespace: OPERATOR_NAMESPACE },
    spec: {
      type: "Python",
      sparkVersion: "4.0.1",
      mode: "cluster",
      mainApplicationFile: "local:///probe.py",
      driver: {},
      executor: {},
    },
  };
}

/** The chart's webhook rules, reached by URL instead of a Service; the webhook patches in its CA itself. */
async function createWebhookConfigurations(api: Api, port: number) {
  const base = `https://localhost:${port}`;
  // The operator namespace is selected too, so the readiness probe's dry run passes through the webhooks.
  const namespaceSelector = {
    matchExpressions: [{ key: WATCH_LABEL, operator: "In", values: ["true"] }],
  };
  await must(
    api,
    "PATCH",
    `/api/v1/namespaces/${OPERATOR_NAMESPACE}`,
    { metadata: { labels: { [WATCH_LABEL]: "true" } } },
    "application/merge-patch+json",
  );
  const hook = (name: string, path: string, group: string, version: string, resource: string, ops: string[], extra = {}) => ({
    name,
    admissionReviewVersions: ["v1"],
    clientConfig: { url: `${base}${path}` },
    sideEffects: "None",
    failurePolicy: "Fail",
    timeoutSeconds: 10,
    namespaceSelector,
    rules: [{ apiGroups: [group], apiVersions: [version], resources: [resource], operations: ops }],
    ...extra,
  }); // prettier-ignore
  await must(api, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: "spark-operator-webhook" },
    webhooks: [
      hook("mutate--v1-pod.sparkoperator.k8s.io", "/mutate--v1-pod", "", "v1", "pods", ["CREATE"], {
        objectSelector: { matchLabels: { "sparkoperator.k8s.io/launched-by-spark-operator": "true" } },
      }),
      hook("mutate-sparkoperator-k8s-io-v1beta2-sparkapplication.sparkoperator.k8s.io", "/mutate-sparkoperator-k8s-io-v1beta2-sparkapplication", "sparkoperator.k8s.io", "v1beta2", "sparkapplications", ["CREATE", "UPDATE"]),
      hook("mutate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication.sparkoperator.k8s.io", "/mutate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication", "sparkoperator.k8s.io", "v1beta2", "scheduledsparkapplications", ["CREATE", "UPDATE"]),
    ],
  }); // prettier-ignore
  await must(api, "POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "spark-operator-webhook" },
    webhooks: [
      hook("validate-sparkoperator-k8s-io-v1beta2-sparkapplication.sparkoperator.k8s.io", "/validate-sparkoperator-k8s-io-v1beta2-sparkapplication", "sparkoperator.k8s.io", "v1beta2", "sparkapplications", ["CREATE", "UPDATE"]),
      hook("validate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication.sparkoperator.k8s.io", "/validate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication", "sparkoperator.k8s.io", "v1beta2", "scheduledsparkapplications", ["CREATE", "UPDATE"]),
    ],
  }); // prettier-ignore
}

export { kubeconfigText };
