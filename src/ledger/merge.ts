// The one merge rule of the ledger, as pure functions that both backends call inside their write transaction
// (read the stored record, merge, write the result). Watch events repeat and arrive out of order, and a later
// event may know less than an earlier one (a DELETED event without container statuses, a poll that has not seen
// the node yet), so a record is folded from its events by field rules rather than replaced:
//   min     earliest wins (start times): a repeated or late event cannot move a start later
//   max     latest wins (end times, observedAt)
//   newest  the value of the most recently observed event that carries one; an absent value never erases one
//   fields  a nested object merged field by field with `newest` (node info, attribution)
//   map     a label map merged key by key with `newest`
//   state   state and outcome travel together, from the newest event that carries a state, so an application the
//           operator re-runs after a failure is RUNNING without a stale `failed` outcome
//   source  who recorded the run; the command that launched it (local, submit) says more than the exporter
//   key     the identity; both sides must agree
// "Most recently observed" compares observedAt (lastSeenAt for nodes). At equal times the incoming event wins,
// except that an application with an outcome is not demoted by an equally old event without one.
// Each record type lists a rule for every one of its fields, so a field added to the schema does not compile
// until it is given one.
import type { AppRecord, NodeRecord, PodRecord, RunSource } from "./schema.js";

type Rule = "key" | "min" | "max" | "newest" | "fields" | "map" | "state" | "source";
type Rules<T> = { readonly [K in keyof Required<T>]: Rule };

export const appRules: Rules<AppRecord> = {
  uid: "key",
  namespace: "newest",
  name: "newest",
  source: "source",
  labels: "map",
  attribution: "fields",
  createdAt: "min",
  submittedAt: "min",
  runningAt: "min",
  terminatedAt: "max",
  state: "state",
  outcome: "state",
  startLatencySeconds: "newest",
  observedAt: "max",
};

export const podRules: Rules<PodRecord> = {
  uid: "key",
  appUid: "newest",
  namespace: "newest",
  name: "newest",
  role: "newest",
  node: "newest",
  nodeInfo: "fields",
  cpuCores: "newest",
  memoryBytes: "newest",
  createdAt: "min",
  scheduledAt: "min",
  mainStartedAt: "min",
  mainFinishedAt: "max",
  deletedAt: "max",
  observedAt: "max",
};

export const nodeRules: Rules<NodeRecord> = {
  name: "key",
  info: "fields",
  cpuCores: "newest",
  memoryBytes: "newest",
  firstSeenAt: "min",
  lastSeenAt: "max",
  deletedAt: "max",
};

const SOURCE_RANK: Record<RunSource, number> = { exporter: 0, submit: 1, local: 2 };

type Obj = Record<string, unknown>;

/** Drops undefined values, so spreading cannot erase a known field. */
function defined(o: Obj | undefined): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

function mergeBy<T extends object>(rules: Rules<T>, prev: T, next: T, nextIsNewer: boolean): T {
  const p = prev as Obj;
  const n = next as Obj;
  const [older, newer] = nextIsNewer ? [p, n] : [n, p];
  // Without a state on either side, state and outcome fall back to `newest` like any other field.
  const stateSide = newer.state !== undefined ? newer : older.state !== undefined ? older : undefined;
  const out: Obj = {};
  for (const [k, rule] of Object.entries<Rule>(rules)) {
    const a = p[k];
    const b = n[k];
    let v: unknown;
    switch (rule) {
      case "key":
        if (a !== b)
          throw new Error(`ledger merge: records with different keys (${String(a)}, ${String(b)})`);
        v = a;
        break;
      case "min":
        v = a === undefined ? b : b === undefined ? a : Math.min(a as number, b as number);
        break;
      case "max":
        v = a === undefined ? b : b === undefined ? a : Math.max(a as number, b as number);
        break;
      case "newest":
        v = newer[k] ?? older[k];
        break;
      case "fields":
      case "map":
        v = { ...defined(older[k] as Obj), ...defined(newer[k] as Obj) };
        break;
      case "state":
        v = stateSide ? stateSide[k] : (newer[k] ?? older[k]);
        break;
      case "source":
        v = SOURCE_RANK[b as RunSource] > SOURCE_RANK[a as RunSource] ? b : a;
        break;
    }
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

export function mergeApp(prev: AppRecord | undefined, next: AppRecord): AppRecord {
  if (!prev) return next;
  const newer =
    next.observedAt > prev.observedAt ||
    (next.observedAt === prev.observedAt && !(prev.outcome !== undefined && next.outcome === undefined));
  return mergeBy(appRules, prev, next, newer);
}

export function mergePod(prev: PodRecord | undefined, next: PodRecord): PodRecord {
  if (!prev) return next;
  return mergeBy(podRules, prev, next, next.observedAt >= prev.observedAt);
}

export function mergeNode(prev: NodeRecord | undefined, next: NodeRecord): NodeRecord {
  if (!prev) return next;
  return mergeBy(nodeRules, prev, next, next.lastSeenAt >= prev.lastSeenAt);
}

/**
 * Where a pod holds its node's resources: from scheduling (or creation, when scheduling was not seen) to the
 * end of its main container (or its deletion); `end` is undefined while it is still open.
 */
export function podSpan(pod: Pick<PodRecord, "scheduledAt" | "createdAt" | "mainFinishedAt" | "deletedAt">): {
  start: number;
  end: number | undefined;
} {
  return { start: pod.scheduledAt ?? pod.createdAt, end: pod.mainFinishedAt ?? pod.deletedAt };
}

/** Folds several records of one key (in arrival order) into one, as writing them one by one would. */
export function foldBy<T>(
  records: readonly T[],
  key: (r: T) => string,
  merge: (p: T | undefined, n: T) => T,
) {
  const out = new Map<string, T>();
  for (const r of records) out.set(key(r), merge(out.get(key(r)), r));
  return out;
}
