// The fake node's kubelet endpoint, as the API server sees it: a TLS proxy in front of kwok's server that
// ends a followed log stream once the container has stopped, as a kubelet does. kwok v0.8 tails its log file
// forever whatever the container's state (it ignores ClusterLogs `follow`), so without this proxy
// `kubectl logs -f` (and `sparklane logs -f`) would never end on the test cluster.
//
// Run by test/cluster/cluster.ts as its own process: log-proxy.ts '<json config>'.
import { readFileSync } from "node:fs";
import { createServer, request as httpsRequest } from "node:https";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";

interface Config {
  listen: number;
  upstream: number;
  cert: string;
  key: string;
  apiPort: number;
  caFile: string;
  adminCert: string;
  adminKey: string;
}

const config = JSON.parse(process.argv[2] ?? "{}") as Config;
const apiTls = {
  ca: readFileSync(config.caFile),
  cert: readFileSync(config.adminCert),
  key: readFileSync(config.adminKey),
};

interface ContainerStatus {
  name: string;
  state?: { terminated?: unknown };
}

/** "stopped" when the container has terminated or the pod is gone, "running" otherwise. */
function containerState(ns: string, pod: string, container: string): Promise<"stopped" | "running"> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port: config.apiPort,
        path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`,
        ...apiTls,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          if (res.statusCode === 404) return resolve("stopped");
          if (res.statusCode !== 200) return resolve("running");
          const p = JSON.parse(body) as {
            status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
          };
          const all = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])];
          const c = all.find((s) => s.name === container);
          resolve(c?.state?.terminated ? "stopped" : "running");
        });
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve("running"));
    req.end();
  });
}

function forward(req: IncomingMessage, res: ServerResponse, path: string): IncomingMessage | void {
  const up = httpRequest(
    { host: "127.0.0.1", port: config.upstream, method: req.method, path, headers: req.headers },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
  res.on("close", () => up.destroy());
}

const logPath = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/?]+)/;

const server = createServer(
  { cert: readFileSync(config.cert), key: readFileSync(config.key) },
  (req, res) => {
    const url = new URL(req.url ?? "/", "https://node");
    const m = logPath.exec(url.pathname);
    if (!m || url.searchParams.get("follow") !== "true") return forward(req, res, req.url ?? "/");
    const [ns, pod, container] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent) as [string, string, string];
    void (async () => {
      if ((await containerState(ns, pod, container)) === "stopped") {
        // Already stopped: what it wrote, then the end, as a kubelet answers.
        url.searchParams.delete("follow");
        return forward(req, res, url.pathname + url.search);
      }
      forward(req, res, req.url ?? "/");
      // Poll while the client listens; end the stream shortly after the container stops, so the last lines
      // already in the file reach the client first.
      let open = true;
      res.on("close", () => (open = false));
      while (open) {
        await new Promise((r) => setTimeout(r, 500));
        if (open && (await containerState(ns, pod, container)) === "stopped") {
          await new Promise((r) => setTimeout(r, 300));
          res.end();
          return;
        }
      }
    })();
  },
);
server.listen(config.listen, "127.0.0.1");
// Followed streams would hold a graceful close open: stop at once.
for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => process.exit(0));
