// `sparklane ui`: a read-only HTTP server for the web view. Every request builds its report afresh from the
// source (the ledger), so the page is never older than the request and nothing it stored is trusted later.
//   GET /                   the page (query: window, and the page's filters dag, module, from, to)
//   GET /api/report.json    the same CostReport as JSON (query: window)
// Anything but GET is 405: the server has no write path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { InfraError, UserError } from "../errors.js";
import type { CostReport } from "../cost/report.js";
import { loadChartAssets, type ChartAssets } from "./assets.js";
import { renderPage, type PageFilters } from "./page.js";

/** Builds the report for one request; throws UserError for a bad window, InfraError when the ledger is down. */
export type ReportSource = (query: { window?: string }) => Promise<CostReport>;

export interface UiServerOptions {
  host: string;
  /** 0 lets the system choose; `start()` resolves with the port bound. */
  port: number;
  source: ReportSource;
  /** The window when the request names none (`?window=`); absent: the source's own default. */
  defaultWindow?: string;
  assets?: ChartAssets;
  /** One line per failed request (the library never prints). */
  onLog?: (line: string) => void;
}

export interface UiServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting, ends open connections and resolves when the server is closed. */
  close(): Promise<void>;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 (also as ::ffff:127.x) and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  return false;
}

/** Refuses a host other machines can reach unless the user asked for it: the page names runs and their cost. */
export function checkHost(host: string, allowRemote: boolean): void {
  if (!isLoopback(host) && !allowRemote)
    throw new UserError(
      `--host ${host} is not a loopback address: the page shows run names and cost to anyone who can reach it`,
      "use --host 127.0.0.1, or add --allow-remote to serve it on this address anyway",
    );
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const FILTER_KEYS = ["dag", "module", "from", "to"] as const;

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}

/** Starts listening; rejects with InfraError when the address cannot be bound (port in use, no such address). */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  // The chart library is the installed package's code, not data: read once, like any other module.
  const assets = o.assets ?? loadChartAssets();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET") {
      send(res, 405, "text/plain; charset=utf-8", "read-only: only GET is served\n", { allow: "GET" });
      return;
    }
    const url = new URL(req.url ?? "/", "http://ui.invalid");
    const window = url.searchParams.get("window") || o.defaultWindow;
    if (url.pathname !== "/" && url.pathname !== "/api/report.json") {
      send(res, 404, "text/plain; charset=utf-8", "not found: the page is / and its data /api/report.json\n");
      return;
    }
    let report: CostReport;
    try {
      report = await o.source({ window });
    } catch (e) {
      const [status, text] =
        e instanceof UserError
          ? [400, `error: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ""}`]
          : e instanceof InfraError
            ? [503, `error: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ""}`]
            : [
                500,
                `error: unexpected internal failure (this is a bug in sparklane, please report it): ${String(e)}`,
              ];
      o.onLog?.(`GET ${url.pathname}?${url.searchParams.toString()}: ${status} ${text.split("\n")[0]}`);
      send(res, status, "text/plain; charset=utf-8", `${text}\n`);
      return;
    }
    if (url.pathname === "/api/report.json") {
      send(res, 200, "application/json; charset=utf-8", `${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const filters: PageFilters = {};
    for (const k of FILTER_KEYS) {
      const v = url.searchParams.get(k);
      if (v) filters[k] = v;
    }
    const json = new URLSearchParams({ window: report.window.label });
    send(
      res,
      200,
      "text/html; charset=utf-8",
      renderPage(report, { assets, filters, jsonHref: `/api/report.json?${json.toString()}` }),
    );
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      o.onLog?.(`unexpected failure serving ${req.url}: ${String(e)}`);
      if (!res.headersSent)
        send(res, 500, "text/plain; charset=utf-8", "error: unexpected internal failure\n");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new InfraError(
          `cannot listen on ${o.host}:${o.port}: ${err.code === "EADDRINUSE" ? "the port is in use" : (err.code ?? err.message)}`,
          err.code === "EADDRINUSE"
            ? "stop what holds it, or pick another --port"
            : "check --host and --port",
          { cause: err },
        ),
      ),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = isIP(o.host) === 6 ? `[${o.host}]` : o.host;
  return {
    port,
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
