// Real headless Chromium (Debian's /usr/bin/chromium) driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: JSON messages separated by NUL on fds 3 and 4). A pipe needs no WebSocket client and
// no port, so this adds no npm dependency and cannot collide with another test's port.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

const CANDIDATES = [process.env.SPARKLANE_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium binary, or undefined when none is installed (callers skip with a message). */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p): p is string => !!p && existsSync(p));
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
}

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((m: { method: string; params: unknown; sessionId?: string }) => void)[] = [];
  private sessionId?: string;
  private buf = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => {
      this.buf += chunk;
      for (let i = this.buf.indexOf("\0"); i >= 0; i = this.buf.indexOf("\0")) {
        const msg = JSON.parse(this.buf.slice(0, i)) as {
          id?: number;
          result?: Record<string, unknown>;
          error?: { message: string };
          method?: string;
          params?: unknown;
          sessionId?: string;
        };
        this.buf = this.buf.slice(i + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
          else p?.resolve(msg.result ?? {});
        } else if (msg.method) {
          for (const l of this.listeners)
            l({ method: msg.method, params: msg.params, sessionId: msg.sessionId });
        }
      }
    });
    child.once("error", (e) => {
      for (const p of this.pending.values())
        p.reject(new Error(`chromium failed during ${p.method}: ${e.message}`));
      this.pending.clear();
    });
    child.once("exit", () => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited during ${p.method}`));
      this.pending.clear();
    });
  }

  /** Starts Chromium with a throw-away profile and attaches to its first page. */
  static async launch(opts: { width?: number; height?: number } = {}): Promise<Browser> {
    const bin = chromiumPath();
    if (!bin) throw new Error("chromium is not installed");
    const profile = mkdtempSync(join(tmpdir(), "sparklane-chromium-"));
    const child = spawn(
      bin,
      [
        "--headless",
        "--remote-debugging-pipe",
        // Root in containers has no user namespace sandbox; the pages opened are our own files.
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        `--window-size=${opts.width ?? 1440},${opts.height ?? 900}`,
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    child.stderr?.resume();
    const b = new Browser(child, profile);
    try {
      await b.attach();
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  }

  private async attach(): Promise<void> {
    // The first page appears shortly after the browser answers; on a loaded machine it can lag, so look
    // for it for a bounded time, then open one.
    let targetId: string | undefined;
    for (let i = 0; i < 50 && !targetId; i++) {
      const { targetInfos } = (await this.send("Target.getTargets")) as {
        targetInfos: { targetId: string; type: string }[];
      };
      targetId = targetInfos.find((t) => t.type === "page")?.targetId;
      if (!targetId) await new Promise((r) => setTimeout(r, 100));
    }
    targetId ??= ((await this.send("Target.createTarget", { url: "about:blank" })) as { targetId: string })
      .targetId;
    const { sessionId } = (await this.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    })) as {
      sessionId: string;
    };
    this.sessionId = sessionId;
    await this.send("Page.enable");
    await this.send("Runtime.enable");
  }

  /** One DevTools command, on the page's session once attached; rejects after `timeoutMs`. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    timeoutMs = 60_000,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const out = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from chromium in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      out.write(`${JSON.stringify({ id, method, params, sessionId: this.sessionId })}\0`);
    });
  }

  private waitFor(method: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} in ${timeoutMs} ms`)), timeoutMs);
      const l = (m: { method: string; params: unknown }) => {
        if (m.method !== method) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(m.params);
      };
      this.listeners.push(l);
    });
  }

  /** Navigates and waits for the load event (inline scripts have run by then). */
  async open(url: string, timeoutMs = 60_000): Promise<void> {
    const loaded = this.waitFor("Page.loadEventFired", timeoutMs);
    const r = (await this.send("Page.navigate", { url }, timeoutMs)) as { errorText?: string };
    if (r.errorText) throw new Error(`cannot open ${url}: ${r.errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
  async eval<T>(expression: string, timeoutMs = 60_000): Promise<T> {
    const r = (await this.send(
      "Runtime.evaluate",
      { expression, awaitPromise: true, returnByValue: true },
      timeoutMs,
    )) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails)
      throw new Error(
        `page threw: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text} (in ${expression.slice(0, 80)})`,
      );
    return r.result.value as T;
  }

  /** Emulates prefers-color-scheme. */
  async colorScheme(scheme: "light" | "dark"): Promise<void> {
    await this.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: scheme }],
    });
  }

  /** A PNG of the whole page (not only the viewport), `width` CSS pixels wide. */
  async screenshot(width = 1440): Promise<Buffer> {
    const height = await this.eval<number>("Math.ceil(document.documentElement.scrollHeight)");
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    const { data } = (await this.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
    })) as {
      data: string;
    };
    await this.send("Emulation.clearDeviceMetricsOverride");
    return Buffer.from(data, "base64");
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** `test(..., { skip: chromiumSkip }, ...)`: false when Chromium is installed. */
export const chromiumSkip: string | false = chromiumPath()
  ? false
  : "Debian's chromium is not installed (apt-get install chromium), so the page is not opened in a browser";

/** Waits (in the page, bounded) until the web view's client has drawn its table and charts. */
export const WAIT_READY =
  "new Promise((resolve, reject) => { const t0 = Date.now(); const t = () => window.__ready ? resolve(true) : Date.now() - t0 > 30000 ? reject(new Error('page never became ready')) : setTimeout(t, 10); t(); })";
