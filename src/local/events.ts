// Phase timings from Spark's event log (one JSON object per line, wall-clock milliseconds).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface SparkTimeline {
  readonly appId?: string;
  /** SparkContext construction began (SparkListenerApplicationStart's timestamp). */
  readonly appStart?: number;
  /** The driver's block manager and executor are registered: SparkContext is usable. */
  readonly contextReady?: number;
  readonly firstJobStart?: number;
  readonly lastJobEnd?: number;
  readonly appEnd?: number;
  readonly jobs: number;
  readonly failedJobs: number;
}

type Event = Record<string, unknown> & { Event?: string };

export function parseEventLog(text: string): SparkTimeline {
  let appId: string | undefined;
  let appStart: number | undefined;
  let contextReady: number | undefined;
  let firstJobStart: number | undefined;
  let lastJobEnd: number | undefined;
  let appEnd: number | undefined;
  let jobs = 0;
  let failedJobs = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let e: Event;
    try {
      e = JSON.parse(line) as Event;
    } catch {
      continue; // the last line of a log whose JVM was killed can be cut short
    }
    switch (e.Event) {
      case "SparkListenerApplicationStart":
        appStart = e.Timestamp as number;
        appId = e["App ID"] as string | undefined;
        break;
      case "SparkListenerExecutorAdded":
      case "SparkListenerBlockManagerAdded": {
        const t = e.Timestamp as number;
        contextReady = contextReady === undefined ? t : Math.max(contextReady, t);
        break;
      }
      case "SparkListenerJobStart": {
        jobs += 1;
        const t = e["Submission Time"] as number;
        firstJobStart = firstJobStart === undefined ? t : Math.min(firstJobStart, t);
        break;
      }
      case "SparkListenerJobEnd": {
        const t = e["Completion Time"] as number;
        lastJobEnd = lastJobEnd === undefined ? t : Math.max(lastJobEnd, t);
        const result = (e["Job Result"] as { Result?: string } | undefined)?.Result;
        if (result !== "JobSucceeded") failedJobs += 1;
        break;
      }
      case "SparkListenerApplicationEnd":
        appEnd = e.Timestamp as number;
        break;
    }
  }
  return {
    appId,
    appStart,
    contextReady: contextReady ?? appStart,
    firstJobStart,
    lastJobEnd,
    appEnd,
    jobs,
    failedJobs,
  };
}

/** The event log Spark wrote in `dir` (one file, or a rolling `eventlog_v2_*` folder), or undefined. */
export function findEventLog(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      for (const f of readdirSync(path).sort()) if (f.startsWith("events_")) out.push(join(path, f));
    } else if (!name.startsWith(".")) {
      out.push(path);
    }
  }
  return out;
}

export function readTimeline(dir: string): { files: string[]; timeline?: SparkTimeline } {
  const files = findEventLog(dir);
  if (files.length === 0) return { files };
  return { files, timeline: parseEventLog(files.map((f) => readFileSync(f, "utf8")).join("\n")) };
}

export interface Phases {
  /** Payload -> rendered, checked manifest -> plan (ms). */
  readonly renderChecks: number;
  /** Runtime lookup or build (uv sync, JAR resolution) (ms). */
  readonly runtime: number;
  /** spark-submit started -> SparkContext usable (ms). */
  readonly jvmAndContext?: number;
  /** sparklane started -> first Spark job submitted (ms). */
  readonly timeToFirstJob?: number;
  /** First job submitted -> application end (ms). */
  readonly job?: number;
  /** sparklane started -> done (ms). */
  readonly total: number;
}

export function phasesFrom(t: {
  started: number;
  rendered: number;
  runtimeReady: number;
  submitted: number;
  ended: number;
  timeline?: SparkTimeline;
}): Phases {
  const tl = t.timeline;
  const end = tl?.appEnd ?? tl?.lastJobEnd;
  return {
    renderChecks: t.rendered - t.started,
    runtime: t.runtimeReady - t.rendered,
    jvmAndContext: tl?.contextReady !== undefined ? tl.contextReady - t.submitted : undefined,
    timeToFirstJob: tl?.firstJobStart !== undefined ? tl.firstJobStart - t.started : undefined,
    job: tl?.firstJobStart !== undefined && end !== undefined ? end - tl.firstJobStart : undefined,
    total: t.ended - t.started,
  };
}
