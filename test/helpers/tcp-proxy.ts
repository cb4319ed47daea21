// A loopback TCP proxy in front of a real server (the test cluster's kube-apiserver), for the connection
// faults a real server never makes on demand: every open connection cut with a TCP RST, every open connection
// stalled (bytes held, nothing closed), new connections refused. TLS passes through untouched, so a kubeconfig
// keeps its CA and credentials and only its `server:` changes to the proxy's address (the API server's
// certificate names IP:127.0.0.1, which is where the proxy listens too).
import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * Closes with an RST. Node 20's resetAndDestroy() on a socket with a write or a shutdown still queued leaves a
 * request that never completes, and the process then spins forever in its exit clean-up (seen here: the test
 * file never exits). Such a socket is destroyed plainly (FIN) instead: its peer still loses the connection.
 */
function rst(s: Socket) {
  if (s.writableLength === 0 && !s.writableEnded && !s.connecting) s.resetAndDestroy();
  else s.destroy();
}

export type ProxyMode = "forward" | "refuse";

interface Conn {
  id: number;
  client: Socket;
  upstream: Socket;
  stalled: boolean;
  /** Bytes read and not forwarded since the stall. */
  held: number;
  /** Set when the client side closed or reset the connection (as opposed to the proxy cutting it). */
  closedByClient: boolean;
  closed: boolean;
}

export class TcpProxy {
  private server: Server | undefined;
  private readonly conns = new Set<Conn>();
  private nextId = 1;
  private _port = 0;
  /** Connections accepted since the start, for assertions. */
  accepted = 0;

  private constructor(
    private readonly upstreamPort: number,
    private readonly upstreamHost: string,
  ) {}

  /** Listens on 127.0.0.1 on a port the OS chooses and forwards to `host:port`. */
  static async start(upstreamPort: number, upstreamHost = "127.0.0.1"): Promise<TcpProxy> {
    const p = new TcpProxy(upstreamPort, upstreamHost);
    await p.listen(0);
    return p;
  }

  get port(): number {
    return this._port;
  }

  /** The proxy's https URL, to put in a kubeconfig's `server:`. */
  get url(): string {
    return `https://127.0.0.1:${this._port}`;
  }

  /** A copy of `kubeconfigText` whose every `server:` is this proxy. */
  rewriteKubeconfig(text: string): string {
    return text.replace(/server: https:\/\/[^\s]+/g, `server: ${this.url}`);
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        this._port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket) {
    this.accepted++;
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    const c: Conn = {
      id: this.nextId++,
      client,
      upstream,
      stalled: false,
      held: 0,
      closedByClient: false,
      closed: false,
    };
    this.conns.add(c);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Forwarding by hand (not pipe) so a stall can hold bytes. A stalled connection keeps reading (and holds
    // what it reads, never forwarding it): a paused socket would not notice its peer closing, and whether the
    // client abandons a stalled connection is what the tests look at.
    client.on("data", (d: Buffer) => {
      if (c.stalled) c.held += d.length;
      else upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      if (c.stalled) c.held += d.length;
      else client.write(d);
    });
    const end = (byClient: boolean) => {
      if (c.closed) return;
      c.closed = true;
      c.closedByClient = byClient;
      this.conns.delete(c);
      if (byClient) upstream.destroy();
      else client.destroy();
    };
    client.on("error", () => end(true));
    client.on("close", () => end(true));
    client.on("end", () => {
      if (!c.stalled) upstream.end();
    });
    upstream.on("error", () => end(false));
    upstream.on("close", () => end(false));
    upstream.on("end", () => {
      if (!c.stalled) client.end();
    });
  }

  /** Open connections now. */
  open(): number {
    return this.conns.size;
  }

  /** Cuts every open connection with a TCP RST on both sides, as a dying load balancer or NAT does. */
  cut(): number {
    const n = this.conns.size;
    for (const c of [...this.conns]) {
      c.closed = true;
      this.conns.delete(c);
      rst(c.client);
      rst(c.upstream);
    }
    return n;
  }

  /**
   * Stalls every open connection: nothing more is forwarded either way and nothing is closed, as when a
   * network path dies silently. New connections are forwarded as usual. Returns a probe that tells whether the
   * client has abandoned (closed) every one of the stalled connections.
   */
  stall(): { count: number; abandoned: () => boolean } {
    const stalled = [...this.conns];
    for (const c of stalled) c.stalled = true;
    return { count: stalled.length, abandoned: () => stalled.every((c) => c.closed && c.closedByClient) };
  }

  /**
   * "refuse": stop listening, so new connections get ECONNREFUSED (open ones are left alone; cut() them too
   * for an API server that went away). "forward": listen again on the same port.
   */
  async setMode(mode: ProxyMode): Promise<void> {
    if (mode === "refuse") {
      // close() stops accepting at once; its callback would wait for the open connections, so it is not awaited.
      this.server?.close();
      this.server = undefined;
      return;
    }
    if (!this.server) await this.listen(this._port);
  }

  /** Stops listening and cuts everything. */
  async close(): Promise<void> {
    await this.setMode("refuse");
    this.cut();
  }
}
