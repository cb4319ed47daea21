// What both backends do to a write before touching the database: validate every record against the schema
// (a record the schema refuses is a bug in its producer, and must not reach the ledger half-formed), then
// fold repeated keys in arrival order and sort by key, so that each row is read and written once per
// transaction and concurrent writers lock rows in the same order.
import { InternalError } from "../errors.js";
import { foldBy, mergeApp, mergeNode, mergePod } from "./merge.js";
import { AppRecord, NodeRecord, PodRecord } from "./schema.js";
import type { z } from "zod";

export interface Batch {
  apps?: AppRecord[];
  pods?: PodRecord[];
  nodes?: NodeRecord[];
}

function check<T>(schema: z.ZodType<T>, what: string, records: readonly T[] | undefined): T[] {
  return (records ?? []).map((r) => {
    const res = schema.safeParse(r);
    if (res.success) return res.data;
    const issue = res.error.issues[0];
    const id = (r as { uid?: string; name?: string }).uid ?? (r as { name?: string }).name ?? "?";
    throw new InternalError(
      `ledger: refusing ${what} ${id}: ${issue.path.join(".") || "(record)"}: ${issue.message}`,
    );
  });
}

const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function prepareBatch(b: Batch) {
  return {
    apps: sorted(foldBy(check(AppRecord, "application", b.apps), (a) => a.uid, mergeApp)),
    pods: sorted(foldBy(check(PodRecord, "pod", b.pods), (p) => p.uid, mergePod)),
    nodes: sorted(foldBy(check(NodeRecord, "node", b.nodes), (n) => n.name, mergeNode)),
  };
}
