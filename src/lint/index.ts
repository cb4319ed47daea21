// Lint: advice from the seed's lessons, over a parsed manifest or an app config. Pure; never throws for
// findings (they are returned), so a caller can print them all and choose the exit code by severity.
import { formatPath } from "../manifest/paths.js";
import type { Issue } from "../errors.js";
import type { ManifestPath, ParsedManifest, Position } from "../manifest/types.js";
import type { SparkApplication } from "../manifest/generated/sparkapplication.js";
import { rules, type LintRule, type RuleFinding, type Severity } from "./rules.js";

export { rules, LAUNCH_ONLY_KEYS, COST_LABELS } from "./rules.js";
export type { LintRule, Severity } from "./rules.js";

export interface LintIssue extends Issue {
  readonly rule: string;
  readonly severity: Severity;
  readonly path: string;
  readonly line?: number;
  readonly col?: number;
}

/** A parsed manifest (with positions), a checked one (render's result), or any data to advise on. */
type Input = ParsedManifest | SparkApplication | Record<string, unknown>;

function isParsed(v: Input): v is ParsedManifest {
  return typeof (v as ParsedManifest).lineOf === "function" && typeof (v as ParsedManifest).doc === "object";
}

function run(target: LintRule["target"], input: Input, file: string | undefined): LintIssue[] {
  const parsed = isParsed(input) ? input : undefined;
  const doc = parsed ? parsed.doc : (input as Record<string, unknown>);
  const name = file ?? parsed?.file ?? "<manifest>";
  const locate = (p: ManifestPath): Position | undefined => parsed?.lineOf(p);
  const out: LintIssue[] = [];
  for (const rule of rules) {
    if (rule.target !== target) continue;
    const findings: RuleFinding[] = rule.check(doc);
    for (const f of findings) {
      const path = formatPath(f.path);
      const pos = locate(f.path);
      const at = pos ? `${name}:${pos.line}:${pos.col}` : name;
      out.push({
        rule: rule.id,
        severity: rule.severity,
        where: path ? `${at} ${path}` : at,
        path,
        message: `${f.message} [${rule.id}]`,
        hint: rule.fix,
        ...(pos ? { line: pos.line, col: pos.col } : {}),
      });
    }
  }
  // Source order reads best next to the file; rule id breaks ties so the order never depends on Map order.
  return out.sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
}

/** Manifest rules (app-conf-in-sparkconf, ivy-cache-not-writable, cost-labels, jmx-exporter-native-sidecar). */
export function lintManifest(manifest: Input, file?: string): LintIssue[] {
  return run("manifest", manifest, file);
}

/** App-config rules (launch-only-in-app-config) over a module's config file (`spark_config.config`). */
export function lintAppConfig(config: Input, file?: string): LintIssue[] {
  return run("app-config", config, file);
}
