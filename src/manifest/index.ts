// Manifest checks: parse as Airflow does, then structure, schema, Kubernetes/operator rules and policy.
// Pure functions: no I/O, nothing printed, typed errors only.
import { structureFindings } from "./structure.js";
import { checkSchema } from "./schema.js";
import { checkRules, checkWarnings } from "./rules.js";
import { checkPolicy } from "./policy.js";
import { sortIssues, toIssue, type Finding } from "./findings.js";
import type { CheckOptions, CheckResult, CheckStep, ManifestIssue, ParsedManifest } from "./types.js";

export { parseManifest, MAX_ALIAS_COUNT } from "./parse.js";
export { parseRendered, createParseReuse, ParseReuse } from "./reuse.js";
export { checkStructure } from "./structure.js";
export { checkSchema } from "./schema.js";
export { checkRules } from "./rules.js";
export { checkPolicy, BASELINE_CAPABILITIES } from "./policy.js";
export { formatPath } from "./paths.js";
export * as k8s from "./k8s.js";
export type { Finding } from "./findings.js";
export type * from "./types.js";
export type * from "./generated/sparkapplication.js";

/**
 * Runs structure (when spans are given), schema, rules and policy, in that order, and collects every issue
 * rather than stopping at the first. Issues are ordered by step, then by position in the text.
 */
export function checkManifest(parsed: ParsedManifest, options: CheckOptions = {}): CheckResult {
  const file = options.file ?? parsed.file;
  const issues: ManifestIssue[] = [];
  const add = (step: CheckStep, findings: readonly Finding[]): void => {
    if (findings.length === 0) return;
    issues.push(...sortIssues(findings.map((f) => toIssue(step, f, file, parsed.lineOf, parsed.positionOf))));
  };
  // A reused parse proved every expression span stays in its scalar; the tainted ranges lie within those spans.
  const proven = options.spans !== undefined && options.spans === parsed.structureProven;
  if (!proven && (options.tainted || options.closed)) {
    add("structure", structureFindings(parsed, options.tainted ?? [], options.closed ?? []));
  } else if (!proven && options.spans) {
    add("structure", structureFindings(parsed, options.spans));
  }
  add("schema", checkSchema(parsed.doc));
  add("rules", checkRules(parsed.doc));
  add("policy", checkPolicy(parsed.doc, options.policy));
  const warnings = checkWarnings(parsed.doc).map((f) =>
    toIssue("rules", f, file, parsed.lineOf, parsed.positionOf),
  );
  return { manifest: parsed.doc, issues, warnings };
}
