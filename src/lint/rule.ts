// The shape of a lint rule, apart from the rules themselves so a rule in its own file can name it without
// importing the list it is part of.
import type { ManifestPath } from "../manifest/types.js";

export type Severity = "error" | "warning";

export interface RuleFinding {
  readonly path: ManifestPath;
  readonly message: string;
}

interface RuleBase {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly fix: string;
}

export interface ManifestRule extends RuleBase {
  readonly target: "manifest";
  check(manifest: Record<string, unknown>): RuleFinding[];
}

export interface AppConfigRule extends RuleBase {
  readonly target: "app-config";
  check(config: Record<string, unknown>): RuleFinding[];
}

export type LintRule = ManifestRule | AppConfigRule;
