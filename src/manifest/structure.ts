// The "structure cannot be injected" proof. The template engine reports the output ranges whose text comes
// from the payload (tainted); each must fall inside one scalar node (a key or a value, quotes included) of the
// parsed document. A range that reaches a comment, indentation, an indicator or a second node means a payload
// value changed the YAML structure, whatever the schema says about the result. Text the template's author
// wrote (constants, loop counters, indentation built by a macro) is not checked: it may form any structure.
// A payload value printed by `tojson` may also be exactly one node of its own (a flow mapping or sequence,
// a quoted string, a number): JSON cannot reach outside the node it forms, and schema and policy check what
// is inside.
import { isNode, visit } from "yaml";
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

type Range = readonly [number, number];

/** Whether [start, end) is exactly one node of the document: a scalar, or a flow mapping or sequence. */
function isWholeNode(parsed: ParsedManifest, start: number, end: number): boolean {
  const i = scalarBefore(parsed.scalars, start);
  const s = i >= 0 ? parsed.scalars[i] : undefined;
  if (s && s.start === start && s.end === end) return true;
  let found = false;
  visit(parsed.document(), (_key, node) => {
    if (!isNode(node) || !node.range) return undefined;
    const [a, b] = node.range;
    if (b <= start || a > start) return visit.SKIP;
    if (a === start && b === end && "flow" in node && node.flow === true) {
      found = true;
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
}

/**
 * Findings (path + offset) for checkManifest, which positions and orders all steps alike: every range in
 * `open` must lie inside one scalar; every range in `closed` (a tojson output) too, or be one node itself.
 */
export function structureFindings(
  parsed: ParsedManifest,
  open: ReadonlyArray<Range>,
  closed: ReadonlyArray<Range> = [],
): Finding[] {
  const out: Finding[] = [];
  const { scalars, text } = parsed;
  const ranges = [...open.map((r) => [r, false] as const), ...closed.map((r) => [r, true] as const)];
  for (const [[start, end], isClosed] of ranges) {
    if (end <= start) continue;
    const i = scalarBefore(scalars, start);
    const s = i >= 0 ? scalars[i] : undefined;
    if (s && start >= s.contentStart && end <= s.end) continue;
    if (isClosed && isWholeNode(parsed, start, end)) continue;
    // Name the node the value broke out of (or the one it landed after) so the author can find the expression.
    const path = s ? s.path : [];
    const inside = s && start < s.end;
    out.push({
      path,
      offset: start,
      message: inside
        ? `the payload value ${preview(text, start, end)} inserted by a template expression does not stay inside this ${s.isKey ? "key" : "value"}: it changes the YAML structure`
        : isClosed
          ? `the payload value ${preview(text, start, end)} printed by tojson is not one YAML node here: it changes the YAML structure`
          : `the payload value ${preview(text, start, end)} inserted by a template expression is not inside a YAML key or value (it lands in syntax, indentation or a comment)`,
      hint: "quote the expression in the template and refuse newlines, quotes, ': ', '#' and YAML indicators in the payload value",
    });
  }
  return out;
}

/**
 * Every non-empty tainted range must lie inside one scalar node (a closed one may also be one node); one issue
 * per range that does not, with the line and column of the expression and the path of the node it broke out of.
 */
export function checkStructure(
  parsed: ParsedManifest,
  tainted: ReadonlyArray<Range>,
  file: string = parsed.file,
  closed: ReadonlyArray<Range> = [],
): ManifestIssue[] {
  return sortIssues(
    structureFindings(parsed, tainted, closed).map((f) =>
      toIssue("structure", f, file, parsed.lineOf, parsed.positionOf),
    ),
  );
}
