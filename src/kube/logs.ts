// Streams a pod's init-container logs and then the driver's, through the official client's `Log` with
// follow=true. A stream that ends while its container is still running was cut (reset, API restart): it is
// reopened from the last timestamp seen, and lines already delivered are skipped, so nothing is lost or
// printed twice.
import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import type { Kube } from "./client.js";
import { statusOf } from "./client.js";
import { isSidecar, DRIVER_CONTAINER, type Pod } from "./pods.js";
import { backoffMs, realSleep, type Sleep } from "./retry.js";

export interface LogLine {
  container: string;
  text: string;
  ts?: string;
}

export interface FollowOptions {
  namespace: string;
  signal: AbortSignal;
  onLine: (l: LogLine) => void;
  onNotice?: (msg: string) => void;
  sleep?: Sleep;
  /** Reconnections per container before giving up on its logs (default 20). */
  maxReconnects?: number;
  /** false: print what is there now and stop (default true). */
  follow?: boolean;
}

type ContainerPhase = "waiting" | "running" | "terminated";

function phaseOf(pod: Pod, container: string): ContainerPhase {
  const s = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find(
    (c) => c.name === container,
  );
  if (s?.state?.terminated) return "terminated";
  if (s?.state?.running) return "running";
  return "waiting";
}

/** The containers whose logs a user wants, in the order they run: init containers (not sidecars), then the driver. */
export function logContainers(pod: Pod): string[] {
  const init = (pod.spec?.initContainers ?? []).filter((c) => !isSidecar(pod, c.name)).map((c) => c.name);
  const main = (pod.spec?.containers ?? []).map((c) => c.name);
  return [...init, ...(main.includes(DRIVER_CONTAINER) ? [DRIVER_CONTAINER] : main.slice(0, 1))];
}

/**
 * Follows the logs of one pod's containers in order. Feed it every new version of the pod with update();
 * done resolves once the last container's log is complete, or on abort.
 */
export class PodLogFollower {
  private pod?: Pod;
  private wake?: () => void;
  readonly done: Promise<void>;

  constructor(
    private readonly kube: Kube,
    private readonly podName: string,
    private readonly o: FollowOptions,
  ) {
    this.done = this.run();
  }

  update(pod: Pod): void {
    if (pod.metadata?.name !== this.podName) return;
    this.pod = pod;
    this.wake?.();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.o.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  private async run(): Promise<void> {
    while (!this.pod && !this.o.signal.aborted) await this.changed();
    const containers = logContainers(this.pod!);
    for (const c of containers) {
      if (this.o.signal.aborted) return;
      await this.follow(c);
    }
  }

  private async follow(container: string): Promise<void> {
    const sleep = this.o.sleep ?? realSleep;
    let lastTs: string | undefined;
    const seenAtLastTs = new Set<string>();
    let reconnects = 0;
    for (;;) {
      if (this.o.signal.aborted || !this.pod) return;
      const phase = phaseOf(this.pod, container);
      if (phase === "waiting" && this.o.follow === false) return;
      if (phase === "waiting") {
        await this.changed();
        continue;
      }
      const wasTerminated = phase === "terminated";
      try {
        await this.stream(container, lastTs, (ts, text) => {
          // Resuming from sinceTime repeats the lines stamped with that very time: skip those already shown.
          if (lastTs && ts < lastTs) return;
          if (ts === lastTs && seenAtLastTs.has(text)) return;
          if (ts !== lastTs) {
            lastTs = ts;
            seenAtLastTs.clear();
          }
          seenAtLastTs.add(text);
          this.o.onLine({ container, text, ts });
        });
      } catch (err) {
        if (this.o.signal.aborted) return;
        const code = statusOf(err);
        if (code === 404) return; // the pod is gone
        if (code === 400) {
          // "waiting to start": the container has not started yet in the API server's view.
          await Promise.race([this.changed(), sleep(500, this.o.signal).catch(() => {})]);
          continue;
        }
        this.o.onNotice?.(
          `log stream of ${container} interrupted: ${(err as Error).message?.split("\n")[0] ?? err}`,
        );
      }
      if (this.o.follow === false) return;
      if (wasTerminated || phaseOf(this.pod, container) === "terminated") {
        if (wasTerminated) return;
        continue; // one more pass to collect lines written just before it ended
      }
      if (++reconnects > (this.o.maxReconnects ?? 20)) {
        this.o.onNotice?.(`giving up on the logs of ${container} after ${reconnects - 1} reconnections`);
        return;
      }
      try {
        await sleep(backoffMs(Math.min(reconnects, 6), 100, 5_000, Math.random), this.o.signal);
      } catch {
        return;
      }
    }
  }

  /** One follow request; resolves when the server ends the stream or the connection drops. */
  private async stream(
    container: string,
    sinceTime: string | undefined,
    onLine: (ts: string, text: string) => void,
  ): Promise<void> {
    const out = new PassThrough();
    let source: NodeJS.ReadableStream | undefined;
    const ended = new Promise<void>((resolve) => {
      out.on("pipe", (src: NodeJS.ReadableStream) => {
        source = src;
        // The client pipes the response body into our stream and does not forward its errors: a reset would
        // leave the stream open forever without this.
        src.on("error", () => {
          out.end();
        });
        src.on("close", () => out.end());
      });
      const rl = createInterface({ input: out });
      rl.on("line", (line) => {
        const sp = line.indexOf(" ");
        if (sp > 0 && /^\d{4}-\d\d-\d\dT/.test(line)) onLine(line.slice(0, sp), line.slice(sp + 1));
        else onLine("", line);
      });
      rl.on("close", () => resolve());
    });
    const controller = await this.kube.log.log(this.o.namespace, this.podName, container, out, {
      follow: this.o.follow !== false,
      timestamps: true,
      ...(sinceTime ? { sinceTime } : {}),
    });
    const onAbort = () => {
      controller.abort();
      out.end();
    };
    this.o.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await ended;
    } finally {
      this.o.signal.removeEventListener("abort", onAbort);
      void source;
    }
  }
}

export interface PrintLogsOptions {
  follow: boolean;
  signal: AbortSignal;
  onLine: (l: LogLine) => void;
  onNotice?: (msg: string) => void;
}

/** `sparklane logs`: the driver pod's logs now, or followed until the application ends. */
export async function printLogs(kube: Kube, ns: string, name: string, o: PrintLogsOptions): Promise<void> {
  const { waitForApplication } = await import("./wait.js");
  if (!o.follow) return printLogsOnce(kube, ns, name, o);
  const logCtl = new AbortController();
  o.signal.addEventListener("abort", () => logCtl.abort(), { once: true });
  let follower: PodLogFollower | undefined;
  await waitForApplication(kube, {
    namespace: ns,
    name,
    signal: o.signal,
    onConnection: o.onNotice,
    onDriverPod: (pod) => {
      follower ??= new PodLogFollower(kube, pod.metadata?.name ?? "", {
        namespace: ns,
        signal: logCtl.signal,
        onLine: o.onLine,
        onNotice: o.onNotice,
      });
      follower.update(pod);
    },
  });
  if (follower) {
    const t = setTimeout(() => logCtl.abort(), 5_000);
    await follower.done;
    clearTimeout(t);
  } else if (!o.signal.aborted) {
    // It had already ended before its driver pod was seen: print what is there.
    await printLogsOnce(kube, ns, name, o);
  }
  logCtl.abort();
}

/** What the driver pod's containers have written so far, without following. */
export async function printLogsOnce(
  kube: Kube,
  ns: string,
  name: string,
  o: Omit<PrintLogsOptions, "follow">,
): Promise<void> {
  const { podsOf } = await import("./status.js");
  const driver = (await podsOf(kube, ns, name)).find((p) => p.metadata?.labels?.["spark-role"] === "driver");
  if (!driver) {
    o.onNotice?.(`sparkapplication ${ns}/${name} has no driver pod (yet, or any more)`);
    return;
  }
  const f = new PodLogFollower(kube, driver.metadata?.name ?? "", {
    namespace: ns,
    signal: o.signal,
    onLine: o.onLine,
    onNotice: o.onNotice,
    follow: false,
  });
  f.update(driver);
  await f.done;
}
