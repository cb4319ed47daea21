// The "structure cannot be injected" proof. The template engine reports the output range of every `{{ }}`
// expression; each must fall inside one scalar node (a key or a value, quotes included) of the parsed
// document. A span that reaches a comment, indentation, an indicator or a second node means a value
// changed the YAML structure, whatever the schema says about the result.
import { sortIssues, toIssue, type Finding } from "./findings.js";
import type { ManifestIssue, ParsedManifest, ScalarSpan } from "./types.js";

/** Index of the last scalar starting at or before `offset` (scalars are in source order). */
export function scalarBefore(scalars: readonly ScalarSpan[], offset: number): number {
  let lo = 0;
  let hi = scalars.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (scalars[mid].start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function preview(text: string, start: number, end: number): string {
  const s = text.slice(start, end);
  return JSON.stringify(s.length > 50 ? `${s.slice(0, 50)}…` : s);
}

/** Findings (path + offset) for checkManifest, which positions and orders all steps alike. */
export function structureFindings(
  parsed: ParsedManifest,
  spans: ReadonlyArray<readonly [number, number]>,
): Finding[] {
  const out: Finding[] = [];
  const { scalars, text } = parsed;
  for (const [start, end] of spans) {
    if (end <= start) continue;
    const i = scalarBefore(scalars, start);
    const s = i >= 0 ? scalars[i] : undefined;
    if (s && start >= s.contentStart && end <= s.end) continue;
    // Name the node the value broke out of (or the one it landed after) so the author can find the expression.
    const path = s ? s.path : [];
    const inside = s && start < s.end;
    out.push({
      path,
      offset: start,
      message: inside
        ? `the value ${preview(text, start, end)} inserted by a template expression does not stay inside this ${s.isKey ? "key" : "value"}: it changes the YAML structure`
        : `the value ${preview(text, start, end)} inserted by a template expression is not inside a YAML key or value (it lands in syntax, indentation or a comment)`,
      hint: "quote the expression in the template and refuse newlines, quotes, ': ', '#' and YAML indicators in the payload value",
    });
  }
  return out;
}

/**
 * Every non-empty expression span must lie inside one scalar node; one issue per span that does not, with the
 * line and column of the expression and the path of the node it broke out of.
 */
export function checkStructure(
  parsed: ParsedManifest,
  spans: ReadonlyArray<readonly [number, number]>,
  file: string = parsed.file,
): ManifestIssue[] {
  return sortIssues(
    structureFindings(parsed, spans).map((f) =>
      toIssue("structure", f, file, parsed.lineOf, parsed.positionOf),
    ),
  );
}
