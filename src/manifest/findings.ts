import { formatPath } from "./paths.js";
import type { CheckStep, ManifestIssue, ManifestPath, Position } from "./types.js";

/** What a check reports before positions are known: the manifest path, what is wrong, how to fix it. */
export interface Finding {
  readonly path: ManifestPath;
  readonly message: string;
  readonly hint?: string;
  /** Where in the text the problem is, when that is more precise than the path's node. */
  readonly offset?: number;
}

export type Locator = (path: ManifestPath) => Position | undefined;

export function toIssue(
  step: CheckStep,
  f: Finding,
  file: string,
  locate?: Locator,
  position?: (offset: number) => Position,
): ManifestIssue {
  const path = formatPath(f.path);
  const pos = f.offset !== undefined && position ? position(f.offset) : locate?.(f.path);
  const at = pos ? `${file}:${pos.line}:${pos.col}` : file;
  return {
    step,
    where: path ? `${at} ${path}` : at,
    path,
    message: f.message,
    ...(f.hint ? { hint: f.hint } : {}),
    ...(pos ? { line: pos.line, col: pos.col } : {}),
  };
}

/** Deterministic order within a step: by position, then path, then message; exact repeats dropped. */
export function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  issues.sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  return issues.filter(
    (x, i) => i === 0 || x.where !== issues[i - 1].where || x.message !== issues[i - 1].message,
  );
}

/** A short, safe rendering of a found value for messages. */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return "a mapping";
}
