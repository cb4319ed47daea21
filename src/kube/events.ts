// Recent Warning events of an application and its driver pod: the cause of many stuck runs is only there
// (FailedMount of a missing ConfigMap, FailedScheduling, image pull details, webhook denials).
import type { Kube } from "./client.js";
import { isLong, summarizeOperatorError } from "./operator-error.js";

export interface WarningEvent {
  at?: string;
  object: string;
  reason?: string;
  message?: string;
  count?: number;
}

interface RawEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: Date | string;
  eventTime?: Date | string;
  firstTimestamp?: Date | string;
  involvedObject?: { kind?: string; name?: string };
}

const iso = (v: Date | string | undefined) => (v instanceof Date ? v.toISOString() : v);

/**
 * Best effort: events may be forbidden by RBAC or already expired, and a missing explanation must never turn
 * into a failure of its own, so any error gives an empty list.
 */
export async function warningEvents(
  kube: Kube,
  ns: string,
  names: string[],
  limit = 5,
): Promise<WarningEvent[]> {
  const out: WarningEvent[] = [];
  for (const name of names) {
    try {
      const res = await kube.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.name=${name}`,
      });
      for (const e of res.items as RawEvent[]) {
        if (e.type !== "Warning") continue;
        out.push({
          at: iso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp),
          object: `${e.involvedObject?.kind?.toLowerCase() ?? "object"}/${e.involvedObject?.name ?? name}`,
          reason: e.reason,
          message: e.message,
          count: e.count,
        });
      }
    } catch {
      // see above
    }
  }
  out.sort((a, b) => (a.at ?? "").localeCompare(b.at ?? ""));
  const seen = new Set<string>();
  const unique = out.reverse().filter((e) => {
    const k = `${e.object}\0${e.reason}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.slice(0, limit).reverse();
}

export function formatEvent(e: WarningEvent): string {
  // The operator's SparkApplicationSubmissionFailed event carries spark-submit's whole stack trace.
  const message = isLong(e.message)
    ? `${summarizeOperatorError(e.message!).keyLine} [...]`
    : (e.message ?? "");
  return `${e.at ?? "-"}  ${e.object}  ${e.reason ?? ""}: ${message}${e.count && e.count > 1 ? ` (x${e.count})` : ""}`;
}
