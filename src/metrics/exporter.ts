// The exporter daemon: watches SparkApplications and their driver pods and turns what it sees into
// startup-latency, outcome, duration and state metrics, served on /metrics with /healthz.
//
// Label cardinality is bounded by construction: metric labels come only from the module and variant labels
// (modules capped, the rest folded into "other"), who submitted the application (airflow, sparklane, unknown:
// the Airflow provider's labels or sparklane's run annotation), the operator's state enum and the outcome;
// never run ids, names, payload values or secrets.
// Objects present at the first list are history, not events: their outcome and start latency are not
// counted, so an exporter restart does not count old runs again. Later re-lists (after 410 Gone) emit
// only differences, and per-application flags keep every run counted once.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InfraError } from "../errors.js";
import { GROUP, PLURAL, VERSION, type Kube } from "../kube/client.js";
import { listApps, type SparkApp } from "../kube/apps.js";
import { ANNOTATION_RUN_ID, LABELS } from "../kube/naming.js";
import { PROVIDER_LABELS, originOf, type Origin } from "../kube/airflow.js";
import { DRIVER_CONTAINER, containerStartedAt, startLatencySeconds, type Pod } from "../kube/pods.js";
import { Reflector, type ChangeType } from "../kube/reflector.js";
import type { Sleep } from "../kube/retry.js";
import { withRetry } from "../kube/retry.js";
import { LedgerRecorder } from "../ledger/recorder.js";
import { slimPod as ledgerSlimPod, type LedgerNode } from "../ledger/record.js";
import type { LedgerStore } from "../ledger/schema.js";
import { createMetrics, STATES, VARIANTS, type ExporterMetrics } from "./metrics.js";

export interface ExporterOptions {
  kube: Kube;
  /** Namespaces to watch; undefined or empty with allNamespaces: the whole cluster. */
  namespaces?: string[];
  allNamespaces?: boolean;
  port?: number;
  host?: string;
  /** Distinct module label values before the rest become "other" (default 200). */
  maxModules?: number;
  signal?: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  processMetrics?: boolean;
  /** Called after an event has been applied to the metrics (benchmarks and tests). */
  onApplied?: (
    resource: "app" | "pod",
    type: ChangeType,
    obj: { metadata?: { name?: string; resourceVersion?: string } },
  ) => void;
  onLog?: (msg: string) => void;
  now?: () => number;
  /**
   * Failed attempts at the first list of each watch before the exporter gives up (default 5, about 6 s of
   * backoff). After the first sync it retries forever: the API server restarting must not kill the exporter.
   */
  startupAttempts?: number;
  /** A watch on which nothing arrives for this long is reopened (default 150 s; see ReflectorOptions). */
  watchIdleMs?: number;
  /**
   * The run ledger: every application, driver and executor pod, and node event is recorded there too, in
   * batches. A failing store is logged and retried; it never stops the exporter.
   */
  ledger?: LedgerStore;
  /** How long ledger records gather before one write (default 1000 ms). */
  ledgerFlushMs?: number;
}

interface Tracked {
  uid: string;
  state: string;
  module: string;
  variant: string;
  origin: Origin;
  created?: number;
  /** When it entered SUBMITTED (last submission attempt), while it is there. */
  submittedAt?: number;
  startCounted: boolean;
  outcomeCounted: boolean;
}

/** Only what the metrics need: 5,000 cached applications stay small. */
function slimApp(a: SparkApp): SparkApp {
  const md = a.metadata;
  const st = a.status;
  // Enough for originOf: the provider's labels on the driver, and sparklane's run annotation.
  const driverLabels = (a.spec?.driver as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  const provider = Object.fromEntries(
    Object.entries(driverLabels).filter(([k]) => (Object.values(PROVIDER_LABELS) as string[]).includes(k)),
  );
  const runId = md.annotations?.[ANNOTATION_RUN_ID];
  return {
    metadata: {
      name: md.name,
      namespace: md.namespace,
      uid: md.uid,
      resourceVersion: md.resourceVersion,
      creationTimestamp: md.creationTimestamp,
      labels: md.labels,
      annotations: runId === undefined ? undefined : { [ANNOTATION_RUN_ID]: runId },
    },
    spec: Object.keys(provider).length ? { driver: { labels: provider } } : undefined,
    status: st
      ? {
          applicationState: st.applicationState ? { state: st.applicationState.state } : undefined,
          lastSubmissionAttemptTime: st.lastSubmissionAttemptTime,
          terminationTime: st.terminationTime,
        }
      : undefined,
  };
}

function slimPod(p: Pod): Pod {
  const driver = p.status?.containerStatuses?.find((c) => c.name === DRIVER_CONTAINER);
  return {
    metadata: {
      name: p.metadata?.name,
      namespace: p.metadata?.namespace,
      uid: p.metadata?.uid,
      resourceVersion: p.metadata?.resourceVersion,
      labels: p.metadata?.labels,
    },
    status: { containerStatuses: driver ? [{ name: driver.name, state: driver.state }] : [] },
  };
}

const TERMINAL: Record<string, "completed" | "failed"> = { COMPLETED: "completed", FAILED: "failed" };

export class Exporter {
  readonly metrics: ExporterMetrics;
  private readonly apps = new Map<string, Tracked>();
  /** module/variant/origin combinations whose series exist; bounded like those labels. */
  private readonly seriesCreated = new Set<string>();
  /** Driver start times seen before their application (the two watches are not ordered). */
  private readonly pendingStarts = new Map<string, number>();
  private readonly modules = new Set<string>();
  private readonly stateCounts = new Map<string, number>();
  private server?: Server;
  private ctl?: AbortController;
  private runs: Promise<void>[] = [];
  private unsynced = new Set<string>();
  private initialSync = new Set<string>();
  private fatal?: unknown;
  /** Set with a ledger: records every event before the watches slim the objects down. */
  readonly recorder?: LedgerRecorder;
  private lastWrite?: Promise<void>;

  constructor(private readonly o: ExporterOptions) {
    if (o.ledger)
      this.recorder = new LedgerRecorder({
        store: o.ledger,
        source: "exporter",
        now: o.now,
        onLog: o.onLog,
        flushMs: o.ledgerFlushMs,
        random: o.random,
      });
    this.metrics = createMetrics({
      processMetrics: o.processMetrics,
      oldestSubmittedAge: () => this.oldestSubmittedAge(),
    });
  }

  get healthy(): boolean {
    return this.unsynced.size === 0 && !this.fatal;
  }

  /** Starts the watches and the HTTP server; resolves with the bound port once listening. */
  async start(): Promise<{ port: number }> {
    if (this.ctl) throw new Error("exporter already started");
    this.ctl = new AbortController();
    const ctl = this.ctl;
    this.o.signal?.addEventListener("abort", () => void this.stop(), { once: true });
    const server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/metrics") {
        this.metrics.registry
          .metrics()
          .then((text) => res.writeHead(200, { "content-type": this.metrics.registry.contentType }).end(text))
          .catch((err: unknown) => res.writeHead(500).end(String(err)));
      } else if (path === "/healthz") {
        const ok = this.healthy;
        res
          .writeHead(ok ? 200 : 503, { "content-type": "text/plain" })
          .end(ok ? "ok\n" : `not synced: ${[...this.unsynced].join(", ") || String(this.fatal)}\n`);
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("see /metrics and /healthz\n");
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          new InfraError(
            `cannot listen on ${this.o.host ?? "0.0.0.0"}:${this.o.port ?? 9464}: ${err.code ?? err.message}`,
            "pick another --port",
          ),
        ),
      );
      server.listen(this.o.port ?? 9464, this.o.host ?? "0.0.0.0", () => resolve());
    });
    this.server = server;
    const scopes: (string | undefined)[] =
      this.o.allNamespaces || !this.o.namespaces?.length ? [undefined] : this.o.namespaces;
    for (const ns of scopes) {
      this.runs.push(this.watchApps(ns, ctl.signal), this.watchPods(ns, ctl.signal));
    }
    // Nodes only feed the ledger; without RBAC for them the exporter goes on, without node labels.
    if (this.recorder)
      this.watchNodes(ctl.signal).catch((err: unknown) =>
        this.o.onLog?.(
          `nodes: cannot watch (${(err as Error)?.message ?? err}): the ledger records pods without node labels`,
        ),
      );
    return { port: (server.address() as AddressInfo).port };
  }

  async stop(): Promise<void> {
    if (!this.ctl) return;
    this.ctl.abort();
    await Promise.allSettled(this.runs);
    // Whoever awaits done() may close the ledger's store next: the last records are written first.
    this.lastWrite ??= this.recorder?.close();
    await this.lastWrite;
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /**
   * Resolves when stopped; rejects if a watch failed for good (e.g. 403 Forbidden, or the API never answered at
   * start), after stopping the other watches and the HTTP server, so the process can exit.
   */
  async done(): Promise<void> {
    try {
      await Promise.all(this.runs);
    } catch (err) {
      await this.stop();
      throw err;
    }
    await this.stop();
  }

  private reflectorCommon(id: string, resource: "app" | "pod", signal: AbortSignal) {
    this.unsynced.add(id);
    this.initialSync.add(id);
    return {
      kube: this.o.kube,
      signal,
      sleep: this.o.sleep,
      random: this.o.random,
      capMs: 30_000,
      idleTimeoutMs: this.o.watchIdleMs,
      maxFailuresBeforeSync: this.o.startupAttempts ?? 5,
      onSynced: () => {
        this.unsynced.delete(id);
        this.initialSync.delete(id);
        this.metrics.synced.set(this.unsynced.size === 0 ? 1 : 0);
      },
      onConnection: (e: { event: string; error?: unknown; delayMs?: number }) => {
        if (e.event === "gone" || e.event === "error") {
          this.metrics.watchRestarts.inc({ resource, reason: e.event });
          this.o.onLog?.(
            `${id}: ${e.event === "gone" ? "410 Gone, listing again" : `watch failed (${(e.error as Error)?.message ?? e.error}), retrying in ${e.delayMs} ms`}`,
          );
        }
      },
    };
  }

  private watchApps(ns: string | undefined, signal: AbortSignal): Promise<void> {
    const id = `sparkapplications${ns ? ` in ${ns}` : ""}`;
    const r = new Reflector<SparkApp>({
      ...this.reflectorCommon(id, "app", signal),
      what: id,
      list: () => listApps(this.o.kube, { namespace: ns }, { attempts: 1 }, { map: (a) => this.slimApp(a) }),
      transform: (a) => this.slimApp(a),
      watchPath: ns
        ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`
        : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      onChange: (type, app) => {
        this.recorder?.app(type, app);
        this.onApp(type, app, this.initialSync.has(id));
        this.metrics.events.inc({ resource: "sparkapplication" });
        this.o.onApplied?.("app", type, app);
      },
    });
    return r.run().catch((err: unknown) => {
      this.fatal = err;
      throw err;
    });
  }

  private watchPods(ns: string | undefined, signal: AbortSignal): Promise<void> {
    const id = `driver pods${ns ? ` in ${ns}` : ""}`;
    // The ledger records executors too; the metrics read drivers only.
    const selector = this.recorder
      ? "spark-role in (driver,executor),sparkoperator.k8s.io/app-name"
      : "spark-role=driver,sparkoperator.k8s.io/app-name";
    const r = new Reflector<Pod>({
      ...this.reflectorCommon(id, "pod", signal),
      what: id,
      list: async () => {
        const res = await withRetry(
          `list ${id}`,
          () =>
            ns
              ? this.o.kube.core.listNamespacedPod({ namespace: ns, labelSelector: selector })
              : this.o.kube.core.listPodForAllNamespaces({ labelSelector: selector }),
          { attempts: 1 },
          this.o.kube.server,
        );
        return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? "" };
      },
      watchPath: ns ? `/api/v1/namespaces/${ns}/pods` : "/api/v1/pods",
      query: { labelSelector: selector },
      transform: (p) => this.slimPod(p),
      onChange: (type, pod) => {
        this.recorder?.pod(type, pod);
        if (type !== "DELETED" && pod.metadata?.labels?.["spark-role"] === "driver")
          this.onDriverPod(pod, this.initialSync.has(id));
        this.metrics.events.inc({ resource: "pod" });
        this.o.onApplied?.("pod", type, pod);
      },
    });
    return r.run().catch((err: unknown) => {
      this.fatal = err;
      throw err;
    });
  }

  private watchNodes(signal: AbortSignal): Promise<void> {
    const recorder = this.recorder!;
    const r = new Reflector<LedgerNode & { metadata?: { name?: string; resourceVersion?: string } }>({
      kube: this.o.kube,
      what: "nodes",
      signal,
      sleep: this.o.sleep,
      random: this.o.random,
      capMs: 30_000,
      idleTimeoutMs: this.o.watchIdleMs,
      maxFailuresBeforeSync: this.o.startupAttempts ?? 5,
      list: async () => {
        const res = await withRetry(
          "list nodes",
          () => this.o.kube.core.listNode({}),
          { attempts: 1 },
          this.o.kube.server,
        );
        return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? "" };
      },
      watchPath: "/api/v1/nodes",
      // Only what NodeRecords read: a node's images and conditions are most of its size.
      transform: (n) => ({
        metadata: {
          name: n.metadata?.name,
          resourceVersion: n.metadata?.resourceVersion,
          labels: n.metadata?.labels,
          creationTimestamp: n.metadata?.creationTimestamp,
          deletionTimestamp: n.metadata?.deletionTimestamp,
        },
        status: { allocatable: n.status?.allocatable, capacity: n.status?.capacity },
      }),
      onChange: (type, node) => recorder.node(type, node),
    });
    return r.run();
  }

  /**
   * The cached objects are slimmed to what the metrics read, and with a ledger to what the ledger reads too,
   * so every event (a deletion found by a re-list included, which comes from the cache) can be recorded.
   */
  private slimApp(a: SparkApp): SparkApp {
    const slim = slimApp(a);
    const driverLabels = (a.spec?.driver as { labels?: Record<string, string> } | undefined)?.labels;
    return this.recorder && driverLabels ? { ...slim, spec: { driver: { labels: driverLabels } } } : slim;
  }

  private slimPod(p: Pod): Pod {
    if (!this.recorder) return slimPod(p);
    // The ledger's slim pod holds everything the metrics read (labels, the driver container's state).
    const l = ledgerSlimPod(p);
    return { ...l, metadata: { ...l.metadata, resourceVersion: p.metadata?.resourceVersion } } as Pod;
  }

  private oldestSubmittedAge(): number {
    const now = this.o.now?.() ?? Date.now();
    let oldest = now;
    for (const t of this.apps.values())
      if (t.state === "SUBMITTED" && t.submittedAt !== undefined && t.submittedAt < oldest)
        oldest = t.submittedAt;
    return Math.max(0, (now - oldest) / 1000);
  }

  private moduleLabel(raw: string | undefined): string {
    const m = raw || "unknown";
    if (this.modules.has(m)) return m;
    if (this.modules.size >= (this.o.maxModules ?? 200)) return "other";
    this.modules.add(m);
    return m;
  }

  private setState(from: string | undefined, to: string | undefined): void {
    if (from === to) return;
    for (const [s, d] of [
      [from, -1],
      [to, 1],
    ] as const) {
      if (s === undefined) continue;
      const n = (this.stateCounts.get(s) ?? 0) + d;
      this.stateCounts.set(s, n);
      this.metrics.applications.set({ state: s }, n);
    }
  }

  private onApp(type: ChangeType, app: SparkApp, history: boolean): void {
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    let t = this.apps.get(key);
    if (type === "DELETED") {
      if (t && t.uid === app.metadata.uid) {
        this.setState(t.state, undefined);
        this.apps.delete(key);
      }
      return;
    }
    const rawState = app.status?.applicationState?.state || "NEW";
    const state = (STATES as readonly string[]).includes(rawState) ? rawState : "OTHER";
    if (t && t.uid !== app.metadata.uid) {
      // Same name, new object (deleted and recreated while the watch was down).
      this.setState(t.state, undefined);
      t = undefined;
    }
    if (!t) {
      const labels = app.metadata.labels ?? {};
      // Applications Airflow submits straight from the built-in templates carry the same key.
      const rawVariant = labels[LABELS.variant] ?? "";
      const variant = (VARIANTS as readonly string[]).includes(rawVariant) ? rawVariant : "unknown";
      t = {
        uid: app.metadata.uid ?? key,
        state: "",
        module: this.moduleLabel(labels[LABELS.module]),
        variant,
        origin: originOf(app).origin,
        created: app.metadata.creationTimestamp ? Date.parse(app.metadata.creationTimestamp) : undefined,
        // A run found waiting for its driver at start-up is still counted when the driver starts.
        startCounted: history && !["NEW", "SUBMITTED", "PENDING_RERUN"].includes(state),
        outcomeCounted: history && state in TERMINAL,
      };
      this.apps.set(key, t);
      this.createSeries(t);
      this.setState(undefined, state);
      t.state = state;
      const pending = this.pendingStarts.get(key);
      if (pending !== undefined) {
        this.pendingStarts.delete(key);
        this.observeStart(t, pending);
      }
    } else if (t.state !== state) {
      this.setState(t.state, state);
      t.state = state;
    }
    if (state === "SUBMITTED") {
      const at = app.status?.lastSubmissionAttemptTime
        ? Date.parse(app.status.lastSubmissionAttemptTime)
        : NaN;
      t.submittedAt = Number.isFinite(at) ? at : (t.submittedAt ?? this.o.now?.() ?? Date.now());
    } else t.submittedAt = undefined;
    const outcome = TERMINAL[state];
    if (outcome && !t.outcomeCounted) {
      t.outcomeCounted = true;
      const labels = { module: t.module, variant: t.variant, outcome, origin: t.origin };
      this.metrics.runs.inc(labels);
      const end = app.status?.terminationTime ? Date.parse(app.status.terminationTime) : Date.now();
      const begin = app.status?.lastSubmissionAttemptTime
        ? Date.parse(app.status.lastSubmissionAttemptTime)
        : t.created;
      if (begin !== undefined && Number.isFinite(begin) && end >= begin)
        this.metrics.duration.observe(labels, (end - begin) / 1000);
    }
  }

  /**
   * Creates a new module/variant/origin's series at 0 when its first application appears, long before that
   * run's start or outcome is observed. Prometheus sees no increase in a series whose first sample is already
   * 1, so without this rate() and increase() (the dashboard, the alerts) miss the first run of each
   * combination after every exporter restart.
   */
  private createSeries(t: Tracked): void {
    const key = `${t.module}\0${t.variant}\0${t.origin}`;
    if (this.seriesCreated.has(key)) return;
    this.seriesCreated.add(key);
    const labels = { module: t.module, variant: t.variant, origin: t.origin };
    // zero() would reset an existing histogram series: only the first application of a combination gets here.
    this.metrics.startLatency.zero(labels);
    for (const outcome of Object.values(TERMINAL)) {
      // In the order the increments use: prom-client prints labels in the order a series was created with.
      const withOutcome = { module: t.module, variant: t.variant, outcome, origin: t.origin };
      this.metrics.runs.inc(withOutcome, 0);
      this.metrics.duration.zero(withOutcome);
    }
  }

  private onDriverPod(pod: Pod, history: boolean): void {
    const started = containerStartedAt(pod, DRIVER_CONTAINER);
    if (!started) return;
    const key = `${pod.metadata?.namespace}/${pod.metadata?.labels?.["sparkoperator.k8s.io/app-name"]}`;
    const t = this.apps.get(key);
    const at = Date.parse(started);
    if (!t) {
      if (!history) this.pendingStarts.set(key, at);
      // Bounded: entries only live until their application shows up.
      if (this.pendingStarts.size > 10_000)
        this.pendingStarts.delete(this.pendingStarts.keys().next().value!);
      return;
    }
    if (history) {
      t.startCounted = true;
      return;
    }
    this.observeStart(t, at);
  }

  private observeStart(t: Tracked, at: number): void {
    const seconds = startLatencySeconds(t.created, at);
    if (t.startCounted || seconds === undefined) return;
    t.startCounted = true;
    this.metrics.startLatency.observe({ module: t.module, variant: t.variant, origin: t.origin }, seconds);
  }
}
