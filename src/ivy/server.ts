import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../errors.js";
import type { IvyMetrics } from "./metrics.js";
import type { IvyRefresher } from "./refresher.js";

export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * /healthz and /metrics only: the port exposes state, never the file or the token (the same
 * "metrics only" stance as Vault Agent's listeners). 503 on /healthz means no valid token remains
 * past the margin; a startupProbe on it also holds the controller back until the first write.
 */
export async function startHealthServer(
  listen: { host: string; port: number },
  refresher: IvyRefresher,
  metrics: IvyMetrics,
): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      const h = refresher.health();
      metrics.healthy.set(h.healthy ? 1 : 0);
      res
        .writeHead(h.healthy ? 200 : 503, { "content-type": "application/json" })
        .end(`${JSON.stringify(h)}\n`);
      return;
    }
    if (path === "/metrics") {
      metrics.healthy.set(refresher.health().healthy ? 1 : 0);
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /healthz or /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new UserError(
          `cannot listen on ${listen.host}:${listen.port} (${err.code ?? err.message})`,
          "pick another --listen address",
        ),
      ),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
