// Feeds the ledger from watch events (the exporter, `submit --wait`): joins pods to their application and node,
// carries the driver's start over to the application (start latency), and writes in batches.
//
// Why a recorder and not one upsert per event: the exporter sees bursts of hundreds of events (a re-list, a
// busy hour); one transaction per burst keeps up where one per event would not. Records are coalesced by key
// while they wait (the newest object is the whole truth about it; the store merges with what it holds), so
// the queue is bounded by the objects that changed, not by the events.
//
// A write that fails is logged and retried with backoff, and never reaches the caller: recording must not kill
// the exporter or fail a run.
import { backoffDelay, type BackoffPolicy } from "../backoff.js";
import type { SparkApp } from "../kube/apps.js";
import { startLatencySeconds } from "../kube/pods.js";
import {
  appRecord,
  nodeInfoOf,
  nodeRecord,
  podOwner,
  podRecord,
  roleOfPod,
  type LedgerNode,
  type LedgerPod,
} from "./record.js";
import { mergeApp, mergeNode, mergePod } from "./merge.js";
import type { AppRecord, LedgerStore, NodeInfo, NodeRecord, PodRecord, RunSource } from "./schema.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface RecorderOptions {
  store: LedgerStore;
  source: RunSource;
  now?: () => number;
  onLog?: (msg: string) => void;
  /** How long records gather before one batch is written (default 1000 ms). */
  flushMs?: number;
  /** Pending records that trigger a write at once (default 500). */
  maxBatch?: number;
  /** Records kept while the store is failing; beyond it the oldest are dropped, with a log line (100,000). */
  maxPending?: number;
  retry?: BackoffPolicy;
  random?: () => number;
}

type Fold = (prev: unknown, next: unknown) => unknown;
const MERGE = { apps: mergeApp, pods: mergePod, nodes: mergeNode } as unknown as Record<string, Fold>;
const DEFAULT_RETRY: BackoffPolicy = { baseMs: 500, capMs: 30_000, floorMs: 100 };
/** Pods whose application is not known yet (the watches are not ordered); they wait for it, bounded. */
const MAX_ORPHANS = 10_000;
/** Deleted applications remembered for their pods' last events. */
const RECENTLY_DELETED = 1_000;

export class LedgerRecorder {
  private readonly now: () => number;
  /** The newest record of each application, by uid, and namespace/name -> uid. */
  private readonly apps = new Map<string, AppRecord>();
  private readonly appByName = new Map<string, string>();
  /** The earliest driver container start per application uid. */
  private readonly driverStart = new Map<string, number>();
  /** Pod uid -> application uid (executors are owned by their driver pod). */
  private readonly podApp = new Map<string, string>();
  /** The newest record of each live pod: a deletion seen without the object (a re-list) still ends it. */
  private readonly lastPods = new Map<string, PodRecord>();
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly nodeFirstSeen = new Map<string, number>();
  private readonly recentlyDeleted = new Set<string>();
  private readonly orphans = new Map<string, { pod: LedgerPod; deleted: boolean }>();
  private pending = {
    apps: new Map<string, AppRecord>(),
    pods: new Map<string, PodRecord>(),
    nodes: new Map<string, NodeRecord>(),
  };
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  /** Records written, and write attempts that failed (for logs, tests and benchmarks). */
  readonly stats = { written: 0, failedWrites: 0, dropped: 0 };

  constructor(private readonly o: RecorderOptions) {
    this.now = o.now ?? Date.now;
  }

  app(type: EventType, app: SparkApp): void {
    const uid = app.metadata.uid;
    if (!uid) return;
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    const rec = appRecord(app, {
      source: this.o.source,
      now: this.now(),
      driverStartedAt: this.driverStart.get(uid),
    });
    if (!rec) return;
    this.queueApp(rec);
    this.apps.set(uid, this.apps.get(uid) ? { ...rec, ...pick(this.apps.get(uid)!) } : rec);
    if (type === "DELETED") return this.appDeleted(uid);
    this.recentlyDeleted.delete(uid);
    this.appByName.set(key, uid);
    for (const [podUid, o] of this.orphans) {
      if (
        o.pod.metadata?.namespace === app.metadata.namespace &&
        podOwner(o.pod).appName === app.metadata.name
      ) {
        this.orphans.delete(podUid);
        this.pod(o.deleted ? "DELETED" : "MODIFIED", o.pod);
      }
    }
  }

  pod(type: EventType, pod: LedgerPod): void {
    const uid = pod.metadata?.uid;
    if (!uid || !roleOfPod(pod)) return;
    const appUid = this.appUidOf(pod);
    if (!appUid) {
      this.orphans.set(uid, { pod, deleted: type === "DELETED" });
      if (this.orphans.size > MAX_ORPHANS) this.orphans.delete(this.orphans.keys().next().value!);
      return;
    }
    this.podOf(type, pod, uid, appUid);
  }

  private podOf(type: EventType, pod: LedgerPod, uid: string, appUid: string): void {
    const node = pod.spec?.nodeName;
    const rec = podRecord(pod, {
      appUid,
      now: this.now(),
      nodeInfo: node ? this.nodes.get(node) : undefined,
      deleted: type === "DELETED",
    });
    if (!rec) return;
    this.queue("pods", rec.uid, rec);
    if (type === "DELETED") {
      this.podApp.delete(uid);
      this.lastPods.delete(uid);
    } else {
      this.podApp.set(uid, appUid);
      this.lastPods.set(uid, rec);
    }
    // Executors seen before their driver (a re-list, a replay) are resolved through it now.
    for (const [orphanUid, o] of this.orphans)
      if (podOwner(o.pod).ownerPodUid === uid) {
        this.orphans.delete(orphanUid);
        this.podOf(o.deleted ? "DELETED" : "MODIFIED", o.pod, orphanUid, appUid);
      }
    if (rec.role === "driver" && rec.mainStartedAt !== undefined)
      this.driverStarted(appUid, rec.mainStartedAt);
  }

  /** A pod deleted while nobody watched (found missing by a re-list): it ends now, as far as we know. */
  podDeleted(uid: string): void {
    const last = this.lastPods.get(uid);
    this.lastPods.delete(uid);
    this.podApp.delete(uid);
    this.orphans.delete(uid);
    if (last && last.deletedAt === undefined) {
      const now = this.now();
      this.queue("pods", uid, { ...last, deletedAt: now, observedAt: now });
    }
  }

  /** An application deleted while nobody watched: forget it (the ledger keeps what it had). */
  appDeleted(uid: string): void {
    // Kept a while: the garbage collector deletes the driver pod after its application, and its last events
    // (the container's end, the deletion) still belong to the run.
    this.recentlyDeleted.delete(uid);
    this.recentlyDeleted.add(uid);
    if (this.recentlyDeleted.size <= RECENTLY_DELETED) return;
    const oldest = this.recentlyDeleted.values().next().value!;
    this.recentlyDeleted.delete(oldest);
    const app = this.apps.get(oldest);
    this.apps.delete(oldest);
    this.driverStart.delete(oldest);
    if (app && this.appByName.get(`${app.namespace}/${app.name}`) === oldest)
      this.appByName.delete(`${app.namespace}/${app.name}`);
  }

  node(type: EventType, node: LedgerNode): void {
    const name = node.metadata?.name;
    if (!name) return;
    const firstSeenAt = this.nodeFirstSeen.get(name);
    const rec = nodeRecord(node, { now: this.now(), deleted: type === "DELETED", firstSeenAt });
    if (!rec) return;
    if (type === "DELETED") {
      this.nodes.delete(name);
      this.nodeFirstSeen.delete(name);
    } else {
      const info = nodeInfoOf(node.metadata?.labels);
      const known = this.nodes.get(name);
      this.nodes.set(name, info);
      this.nodeFirstSeen.set(name, rec.firstSeenAt);
      // Pods seen before their node (the watches start together) get its labels now: a finished pod may
      // never have another event.
      if (JSON.stringify(known) !== JSON.stringify(info))
        for (const p of this.lastPods.values())
          if (p.node === name) this.queue("pods", p.uid, { ...p, nodeInfo: info, observedAt: this.now() });
    }
    this.queue("nodes", name, rec);
  }

  /** A record made elsewhere (a local run): queued like the others. */
  record(batch: { apps?: AppRecord[]; pods?: PodRecord[]; nodes?: NodeRecord[] }): void {
    for (const a of batch.apps ?? []) this.queueApp(a);
    for (const p of batch.pods ?? []) this.queue("pods", p.uid, p);
    for (const n of batch.nodes ?? []) this.queue("nodes", n.name, n);
  }

  /** Writes what is pending now; resolves when it is written or the attempt failed (it is then retried). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    if (this.size() === 0) return;
    this.writing = this.writeOnce().finally(() => (this.writing = undefined));
    await this.writing;
  }

  /**
   * Stops the timers and writes what is left, trying `attempts` times (default 3) before giving up with a log
   * line. Never throws; the store is the caller's to close.
   */
  async close(attempts = 3): Promise<void> {
    this.closed = true;
    for (let i = 0; i < attempts && this.size() > 0; i++) {
      if (i > 0)
        await new Promise((r) =>
          setTimeout(r, backoffDelay(i - 1, this.o.retry ?? DEFAULT_RETRY, this.o.random)),
        );
      await this.flush();
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.size() > 0) {
      this.stats.dropped += this.size();
      this.o.onLog?.(`ledger: ${this.size()} record(s) could not be written and are lost`);
    }
  }

  /** Records waiting to be written. */
  size(): number {
    return this.pending.apps.size + this.pending.pods.size + this.pending.nodes.size;
  }

  private appUidOf(pod: LedgerPod): string | undefined {
    const ref = podOwner(pod);
    if (ref.appUid) return ref.appUid;
    if (ref.ownerPodUid && this.podApp.has(ref.ownerPodUid)) return this.podApp.get(ref.ownerPodUid);
    const ns = pod.metadata?.namespace;
    if (ref.appName) return this.appByName.get(`${ns}/${ref.appName}`);
    return undefined;
  }

  /** The first execution attempt's driver start is the run's: the earliest wins, as in the exporter. */
  private driverStarted(appUid: string, at: number): void {
    const prev = this.driverStart.get(appUid);
    if (prev !== undefined && prev <= at) return;
    this.driverStart.set(appUid, at);
    const app = this.apps.get(appUid);
    if (!app) return;
    this.queueApp({
      ...app,
      runningAt: at,
      startLatencySeconds: startLatencySeconds(app.createdAt, at),
      observedAt: this.now(),
    });
  }

  private queueApp(rec: AppRecord): void {
    // The newest object carries no driver start: keep what the driver pod told us.
    const prev = this.pending.apps.get(rec.uid) ?? this.apps.get(rec.uid);
    const merged: AppRecord = {
      ...rec,
      runningAt: rec.runningAt ?? prev?.runningAt,
      startLatencySeconds: rec.startLatencySeconds ?? prev?.startLatencySeconds,
    };
    if (merged.runningAt === undefined) delete merged.runningAt;
    if (merged.startLatencySeconds === undefined) delete merged.startLatencySeconds;
    if (this.apps.has(rec.uid)) this.apps.set(rec.uid, merged);
    this.queue("apps", rec.uid, merged);
  }

  private queue<K extends "apps" | "pods" | "nodes">(
    kind: K,
    key: string,
    rec: K extends "apps" ? AppRecord : K extends "pods" ? PodRecord : NodeRecord,
  ): void {
    const m = this.pending[kind] as Map<string, typeof rec>;
    const prev = m.get(key);
    m.delete(key); // re-inserted last: the map's order is the age order the cap drops by
    // Folded by the store's own rule, so waiting in the queue loses nothing a write per event would keep.
    m.set(key, prev ? (MERGE[kind](prev, rec) as typeof rec) : rec);
    this.trim();
    if (this.closed && !this.writing) return;
    if (this.size() >= (this.o.maxBatch ?? 500) && !this.writing && this.failures === 0) void this.flush();
    else this.schedule(this.o.flushMs ?? 1000);
  }

  private trim(): void {
    const max = this.o.maxPending ?? 100_000;
    let over = this.size() - max;
    if (over <= 0) return;
    this.stats.dropped += over;
    this.o.onLog?.(`ledger: the store has been failing; dropping the ${over} oldest pending record(s)`);
    for (const m of [this.pending.pods, this.pending.apps, this.pending.nodes] as Map<string, unknown>[]) {
      for (const k of m.keys()) {
        if (over-- <= 0) return;
        m.delete(k);
      }
    }
  }

  private schedule(delay: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    this.timer.unref?.();
  }

  private async writeOnce(): Promise<void> {
    const batch = this.pending;
    this.pending = { apps: new Map(), pods: new Map(), nodes: new Map() };
    const n = batch.apps.size + batch.pods.size + batch.nodes.size;
    try {
      await this.o.store.write({
        apps: [...batch.apps.values()],
        pods: [...batch.pods.values()],
        nodes: [...batch.nodes.values()],
      });
      this.stats.written += n;
      if (this.failures > 0) this.o.onLog?.(`ledger: writing again after ${this.failures} failed attempt(s)`);
      this.failures = 0;
      if (this.size() > 0) this.schedule(0);
    } catch (err) {
      this.stats.failedWrites += 1;
      // Back in the queue, behind nothing: a newer record of the same object that arrived meanwhile wins.
      for (const kind of ["apps", "pods", "nodes"] as const) {
        const fresh = this.pending[kind] as Map<string, unknown>;
        const merged = new Map<string, unknown>(batch[kind] as Map<string, unknown>);
        const fold = MERGE[kind];
        for (const [k, v] of fresh) {
          const p = merged.get(k);
          merged.delete(k);
          merged.set(k, p ? fold(p, v) : v);
        }
        (this.pending as unknown as Record<string, Map<string, unknown>>)[kind] = merged;
      }
      this.trim();
      const wait = backoffDelay(this.failures, this.o.retry ?? DEFAULT_RETRY, this.o.random);
      this.failures += 1;
      this.o.onLog?.(
        `ledger: writing ${n} record(s) failed (${(err as Error)?.message ?? String(err)}); retrying in ${wait} ms`,
      );
      this.schedule(wait);
    }
  }
}

/** The driver-derived fields an application's own events never carry. */
function pick(a: AppRecord): Partial<AppRecord> {
  const out: Partial<AppRecord> = {};
  if (a.runningAt !== undefined) out.runningAt = a.runningAt;
  if (a.startLatencySeconds !== undefined) out.startLatencySeconds = a.startLatencySeconds;
  return out;
}
