// A fake Kubernetes API server for tests: a real HTTP server on 127.0.0.1 that speaks the REST and watch
// protocol the official client uses (lists with resourceVersion, newline-delimited JSON watch streams with
// BOOKMARK events, 410 Gone both as an HTTP status and as an ERROR event inside a 200 stream, pod logs with
// follow=true), plus fault injection. Only the two resources sparklane touches are served:
// sparkoperator.k8s.io/v1beta2 sparkapplications and core/v1 pods.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Kind = "sparkapplications" | "pods" | "events";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObj = Record<string, any> & {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

export interface StoreEvent {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  kind: Kind;
  obj: KObj;
}

export interface Fault {
  method?: string;
  path?: RegExp;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Answer with this status and a Status body. */
  status?: number;
  retryAfter?: number;
  /** Destroy the connection without an answer. */
  reset?: boolean;
  /** Handle the request, then hold the answer back this long (a client-side timeout). */
  delayMs?: number;
}

const clone = <T>(v: T): T => structuredClone(v);
const key = (kind: Kind, ns: string, name: string) => `${kind}/${ns}/${name}`;

function status(code: number, reason: string, message: string): object {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const t = term.trim();
    if (!t) return true;
    const ne = t.split("!=");
    if (ne.length === 2) return labels?.[ne[0]!] !== ne[1];
    const eq = t.split(/==?/);
    if (eq.length === 2) return labels?.[eq[0]!] === eq[1];
    if (t.startsWith("!")) return labels?.[t.slice(1)] === undefined;
    return labels?.[t] !== undefined;
  });
}

function matchesFields(obj: KObj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    if (k === "metadata.name") return obj.metadata.name === v;
    if (k === "metadata.namespace") return obj.metadata.namespace === v;
    if (k === "involvedObject.name") return obj.involvedObject?.name === v;
    return true;
  });
}

/** The object store with a global resourceVersion and a compactable event history, as etcd gives. */
export class Store extends EventEmitter {
  rv = 100;
  readonly objects = new Map<string, KObj>();
  readonly history: StoreEvent[] = [];
  /** Watches from a resourceVersion older than this get 410 Gone. */
  compactedRv = 0;
  maxHistory = 100_000;

  constructor() {
    super();
    this.setMaxListeners(0); // one listener per open watch
  }

  private record(type: StoreEvent["type"], kind: Kind, obj: KObj): void {
    const ev: StoreEvent = { rv: this.rv, type, kind, obj: clone(obj) };
    this.history.push(ev);
    if (this.history.length > this.maxHistory) {
      const dropped = this.history.splice(0, this.history.length - this.maxHistory);
      this.compactedRv = dropped[dropped.length - 1]!.rv;
    }
    this.emit("event", ev);
  }

  get(kind: Kind, ns: string, name: string): KObj | undefined {
    const o = this.objects.get(key(kind, ns, name));
    return o ? clone(o) : undefined;
  }

  create(kind: Kind, obj: KObj): KObj {
    const o = clone(obj);
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key(kind, o.metadata.namespace, o.metadata.name), o);
    this.record("ADDED", kind, o);
    return clone(o);
  }

  /** Replaces an object (the operator's status updates, pod changes). */
  update(kind: Kind, obj: KObj): KObj {
    const k = key(kind, obj.metadata.namespace, obj.metadata.name);
    if (!this.objects.has(k)) throw new Error(`update of missing ${k}`);
    const o = clone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, o);
    this.record("MODIFIED", kind, o);
    return clone(o);
  }

  /** Read-modify-write helper for the simulated operator. */
  mutate(kind: Kind, ns: string, name: string, fn: (o: KObj) => void): KObj | undefined {
    const o = this.get(kind, ns, name);
    if (!o) return undefined;
    fn(o);
    return this.update(kind, o);
  }

  delete(kind: Kind, ns: string, name: string): KObj | undefined {
    const k = key(kind, ns, name);
    const o = this.objects.get(k);
    if (!o) return undefined;
    this.objects.delete(k);
    o.metadata.resourceVersion = String(++this.rv);
    this.record("DELETED", kind, o);
    if (kind === "sparkapplications") {
      // Owner-reference garbage collection of the driver and executors.
      for (const p of this.list("pods", ns, `sparkoperator.k8s.io/app-name=${name}`))
        this.delete("pods", ns, p.metadata.name);
    }
    return clone(o);
  }

  list(
    kind: Kind,
    ns: string | undefined,
    labelSelector: string | null = null,
    fieldSelector: string | null = null,
  ): KObj[] {
    const out: KObj[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(`${kind}/`)) continue;
      if (ns && o.metadata.namespace !== ns) continue;
      if (!matchesSelector(o.metadata.labels, labelSelector) || !matchesFields(o, fieldSelector)) continue;
      out.push(clone(o));
    }
    return out;
  }

  /** Forgets history so every watch from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }
}

interface LogBuf {
  lines: { ts: string; text: string }[];
  ended: boolean;
  emitter: EventEmitter;
}

interface OpenWatch {
  res: ServerResponse;
  kind: Kind;
  ns?: string;
  labelSelector: string | null;
  fieldSelector: string | null;
  close(): void;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status?: number;
}

export interface FakeApiServerOptions {
  /** How a watch from an expired resourceVersion is refused: HTTP 410, or an ERROR event in a 200 stream. */
  goneAs?: "http" | "event";
  bookmarkIntervalMs?: number;
}

export class FakeApiServer {
  readonly store = new Store();
  readonly requests: RequestRecord[] = [];
  readonly faults: Fault[] = [];
  goneAs: "http" | "event";
  bookmarkIntervalMs: number;
  private server?: Server;
  private sockets = new Set<Socket>();
  private watches = new Set<OpenWatch>();
  private logs = new Map<string, LogBuf>();
  private held = new Set<NodeJS.Timeout>();
  port = 0;
  private tmp?: string;

  constructor(opts: FakeApiServerOptions = {}) {
    this.goneAs = opts.goneAs ?? "http";
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 200;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** Stops serving and drops every connection (an API server restart when followed by start()). */
  async stop(): Promise<void> {
    for (const t of this.held) clearTimeout(t);
    this.held.clear();
    for (const w of this.watches) w.close();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stop();
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Writes a kubeconfig pointing at this server; returns its path. */
  kubeconfig(namespace = "spark"): string {
    this.tmp ??= mkdtempSync(join(tmpdir(), "fake-kube-"));
    const file = join(this.tmp, "kubeconfig.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: fake",
        "  cluster:",
        `    server: ${this.url}`,
        "    insecure-skip-tls-verify: true",
        "users:",
        "- name: tester",
        "  user:",
        "    token: fake-token",
        "contexts:",
        "- name: fake",
        "  context:",
        "    cluster: fake",
        "    user: tester",
        `    namespace: ${namespace}`,
        "current-context: fake",
        "",
      ].join("\n"),
    );
    return file;
  }

  inject(f: Fault): void {
    this.faults.push({ times: 1, ...f });
  }

  /** Drops every open watch and log connection (a connection reset mid-stream). */
  resetStreams(): void {
    for (const w of this.watches) {
      w.res.socket?.destroy();
      w.close();
    }
    for (const buf of this.logs.values()) buf.emitter.emit("reset");
  }

  /** Sends a 410 ERROR event into every open watch stream and ends them, as an API server does after compaction. */
  expireWatches(): void {
    this.store.compact();
    for (const w of [...this.watches]) {
      w.res.write(
        JSON.stringify({ type: "ERROR", object: status(410, "Expired", "too old resource version") }) + "\n",
      );
      w.res.end();
      w.close();
    }
  }

  openWatchCount(): number {
    return this.watches.size;
  }

  count(method: string, pathRe: RegExp): number {
    return this.requests.filter((r) => r.method === method && pathRe.test(r.path)).length;
  }

  /** A core/v1 Event about an object, as the kubelet or the operator records them. */
  recordEvent(
    ns: string,
    involved: { kind: string; name: string },
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): void {
    const now = new Date().toISOString();
    this.store.create("events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${involved.name}.${(this.eventSeq++).toString(16)}`, namespace: ns },
      involvedObject: { ...involved, namespace: ns },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    });
  }

  private eventSeq = 1;

  // ---- pod logs (written by the simulated operator) ----
  private logBuf(ns: string, pod: string, container: string): LogBuf {
    const k = `${ns}/${pod}/${container}`;
    let b = this.logs.get(k);
    if (!b) {
      b = { lines: [], ended: false, emitter: new EventEmitter() };
      b.emitter.setMaxListeners(0);
      this.logs.set(k, b);
    }
    return b;
  }

  appendLog(ns: string, pod: string, container: string, text: string): void {
    const b = this.logBuf(ns, pod, container);
    // Strictly increasing timestamps so sinceTime-based resumption is exact.
    let t = Date.now();
    const last = b.lines[b.lines.length - 1];
    if (last && Date.parse(last.ts) >= t) t = Date.parse(last.ts) + 1;
    const line = { ts: new Date(t).toISOString(), text };
    b.lines.push(line);
    b.emitter.emit("line", line);
  }

  endLog(ns: string, pod: string, container: string): void {
    const b = this.logBuf(ns, pod, container);
    b.ended = true;
    b.emitter.emit("end");
  }

  // ---- HTTP ----
  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? "/", "http://x");
    const query = Object.fromEntries(u.searchParams);
    const rec: RequestRecord = { method: req.method ?? "GET", path: u.pathname, query };
    this.requests.push(rec);
    const fault = this.faults.find(
      (f) =>
        (f.times ?? 1) > 0 && (!f.method || f.method === req.method) && (!f.path || f.path.test(u.pathname)),
    );
    if (fault) fault.times = (fault.times ?? 1) - 1;
    if (fault?.reset) {
      rec.status = 0;
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      rec.status = fault.status;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      const reason =
        fault.status === 409 ? "AlreadyExists" : fault.status === 429 ? "TooManyRequests" : "InternalError";
      res
        .writeHead(fault.status, headers)
        .end(JSON.stringify(status(fault.status, reason, `injected ${fault.status}`)));
      return;
    }
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const send = (code: number, obj: unknown) => {
        rec.status = code;
        const write = () => {
          if (!res.destroyed)
            res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(obj));
        };
        if (fault?.delayMs) {
          const t = setTimeout(() => {
            this.held.delete(t);
            write();
          }, fault.delayMs);
          this.held.add(t);
        } else write();
      };
      try {
        this.route(req.method ?? "GET", u, body, res, send, rec);
      } catch (err) {
        send(500, status(500, "InternalError", String(err)));
      }
    });
  }

  private route(
    method: string,
    u: URL,
    body: string,
    res: ServerResponse,
    send: (c: number, o: unknown) => void,
    rec: RequestRecord,
  ): void {
    const p = u.pathname;
    const q = u.searchParams;
    let m = p.match(
      /^\/apis\/sparkoperator\.k8s\.io\/v1beta2(?:\/namespaces\/([^/]+))?\/sparkapplications(?:\/([^/]+))?$/,
    );
    let kind: Kind = "sparkapplications";
    if (!m) {
      const lm = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/);
      if (lm) return this.podLog(lm[1]!, lm[2]!, q, res, send, rec);
      m = p.match(/^\/api\/v1(?:\/namespaces\/([^/]+))?\/(pods|events)(?:\/([^/]+))?$/);
      if (m) {
        kind = m[2] as Kind;
        m = [m[0], m[1], m[3]] as unknown as RegExpMatchArray;
      }
    }
    if (!m) return send(404, status(404, "NotFound", `no route for ${p}`));
    const ns = m[1];
    const name = m[2];
    const listKind = kind === "pods" ? "PodList" : kind === "events" ? "EventList" : "SparkApplicationList";
    if (method === "GET" && !name && q.get("watch") === "true") return this.watch(kind, ns, q, res, rec);
    if (method === "GET" && !name) {
      let items = this.store.list(kind, ns, q.get("labelSelector"), q.get("fieldSelector"));
      // Pagination: the continue token carries the offset and the resourceVersion of the first page.
      const limit = Number(q.get("limit") ?? 0);
      let rv = this.store.rv;
      let meta: Record<string, string> = {};
      if (limit > 0) {
        items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
        let offset = 0;
        if (q.get("continue")) {
          const tok = JSON.parse(Buffer.from(q.get("continue")!, "base64").toString()) as {
            offset: number;
            rv: number;
          };
          if (tok.rv < this.store.compactedRv)
            return send(410, status(410, "Expired", "continue token expired"));
          offset = tok.offset;
          rv = tok.rv;
        }
        const page = items.slice(offset, offset + limit);
        if (offset + limit < items.length)
          meta = { continue: Buffer.from(JSON.stringify({ offset: offset + limit, rv })).toString("base64") };
        items = page;
      }
      return send(200, {
        kind: listKind,
        apiVersion: kind === "sparkapplications" ? "sparkoperator.k8s.io/v1beta2" : "v1",
        metadata: { resourceVersion: String(rv), ...meta },
        items,
      });
    }
    if (method === "GET" && ns && name) {
      const o = this.store.get(kind, ns, name);
      return o
        ? send(200, o)
        : send(404, status(404, "NotFound", `${kind}.sparkoperator.k8s.io "${name}" not found`));
    }
    if (method === "POST" && ns && !name) {
      const obj = JSON.parse(body) as KObj;
      obj.metadata ??= { name: "", namespace: ns };
      obj.metadata.namespace ??= ns;
      if (!obj.metadata.name) return send(422, status(422, "Invalid", "metadata.name: Required value"));
      if (obj.metadata.namespace !== ns)
        return send(
          400,
          status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
          ),
        );
      if (this.store.get(kind, ns, obj.metadata.name)) {
        return send(
          409,
          status(409, "AlreadyExists", `${kind}.sparkoperator.k8s.io "${obj.metadata.name}" already exists`),
        );
      }
      if (q.get("fieldValidation") === "Strict") {
        const unknown = Object.keys(obj).filter(
          (k) => !["apiVersion", "kind", "metadata", "spec", "status"].includes(k),
        );
        if (unknown.length)
          return send(400, status(400, "BadRequest", `strict decoding error: unknown field "${unknown[0]}"`));
      }
      if (q.get("dryRun") === "All") {
        return send(201, {
          ...obj,
          metadata: { ...obj.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() },
        });
      }
      return send(201, this.store.create(kind, obj));
    }
    if (method === "DELETE" && ns && name) {
      const o = this.store.delete(kind, ns, name);
      return o
        ? send(200, o)
        : send(404, status(404, "NotFound", `${kind}.sparkoperator.k8s.io "${name}" not found`));
    }
    send(405, status(405, "MethodNotAllowed", `${method} ${p}`));
  }

  private watch(
    kind: Kind,
    ns: string | undefined,
    q: URLSearchParams,
    res: ServerResponse,
    rec: RequestRecord,
  ): void {
    const labelSelector = q.get("labelSelector");
    const fieldSelector = q.get("fieldSelector");
    const rvParam = q.get("resourceVersion");
    const from = rvParam ? Number(rvParam) : 0;
    const match = (o: KObj) =>
      (!ns || o.metadata.namespace === ns) &&
      matchesSelector(o.metadata.labels, labelSelector) &&
      matchesFields(o, fieldSelector);
    if (from && from < this.store.compactedRv && this.goneAs === "http") {
      res
        .writeHead(410, { "content-type": "application/json" })
        .end(JSON.stringify(status(410, "Expired", "too old resource version")));
      return;
    }
    rec.status = 200;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    const write = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + "\n");
    if (from && from < this.store.compactedRv) {
      write("ERROR", status(410, "Expired", `too old resource version: ${from} (${this.store.compactedRv})`));
      res.end();
      return;
    }
    if (!from) {
      for (const o of this.store.list(kind, ns, labelSelector, fieldSelector)) write("ADDED", o);
    } else {
      for (const ev of this.store.history)
        if (ev.rv > from && ev.kind === kind && match(ev.obj)) write(ev.type, ev.obj);
    }
    const onEvent = (ev: StoreEvent) => {
      if (ev.kind === kind && match(ev.obj)) write(ev.type, ev.obj);
    };
    this.store.on("event", onEvent);
    const bookmarks =
      q.get("allowWatchBookmarks") === "true"
        ? setInterval(
            () =>
              write("BOOKMARK", {
                kind: kind === "pods" ? "Pod" : "SparkApplication",
                apiVersion: "v1",
                metadata: { resourceVersion: String(this.store.rv) },
              }),
            this.bookmarkIntervalMs,
          )
        : undefined;
    const timeout = q.get("timeoutSeconds")
      ? setTimeout(() => w.close(true), Number(q.get("timeoutSeconds")) * 1000)
      : undefined;
    const w: OpenWatch & { close(end?: boolean): void } = {
      res,
      kind,
      ns,
      labelSelector,
      fieldSelector,
      close: (end?: boolean) => {
        this.store.off("event", onEvent);
        if (bookmarks) clearInterval(bookmarks);
        if (timeout) clearTimeout(timeout);
        this.watches.delete(w);
        if (end && !res.writableEnded) res.end();
      },
    };
    this.watches.add(w);
    res.on("close", () => w.close());
  }

  private podLog(
    ns: string,
    pod: string,
    q: URLSearchParams,
    res: ServerResponse,
    send: (c: number, o: unknown) => void,
    rec: RequestRecord,
  ): void {
    const p = this.store.get("pods", ns, pod);
    if (!p) return send(404, status(404, "NotFound", `pods "${pod}" not found`));
    const container = q.get("container") ?? p.spec?.containers?.[0]?.name;
    const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
    const st = statuses.find((s: { name: string }) => s.name === container);
    if (!st || (!st.state?.running && !st.state?.terminated)) {
      return send(
        400,
        status(
          400,
          "BadRequest",
          `container "${container}" in pod "${pod}" is waiting to start: PodInitializing`,
        ),
      );
    }
    const b = this.logBuf(ns, pod, container);
    const since = q.get("sinceTime") ? Date.parse(q.get("sinceTime")!) : -Infinity;
    const stamps = q.get("timestamps") === "true";
    const fmt = (l: { ts: string; text: string }) => (stamps ? `${l.ts} ${l.text}\n` : `${l.text}\n`);
    rec.status = 200;
    res.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
    for (const l of b.lines) if (Date.parse(l.ts) >= since) res.write(fmt(l));
    if (q.get("follow") !== "true" || b.ended) {
      res.end();
      return;
    }
    const onLine = (l: { ts: string; text: string }) => res.write(fmt(l));
    const onEnd = () => {
      cleanup();
      res.end();
    };
    const onReset = () => {
      cleanup();
      res.socket?.destroy();
    };
    const cleanup = () => {
      b.emitter.off("line", onLine);
      b.emitter.off("end", onEnd);
      b.emitter.off("reset", onReset);
    };
    b.emitter.on("line", onLine);
    b.emitter.on("end", onEnd);
    b.emitter.on("reset", onReset);
    res.on("close", cleanup);
  }
}
