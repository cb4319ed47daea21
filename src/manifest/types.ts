import type { Document } from "yaml";
import type { Issue } from "../errors.js";

/** A manifest path: map keys and sequence indexes, e.g. ["spec", "driver", "initContainers", 0, "image"]. */
export type ManifestPath = ReadonlyArray<string | number>;

/** Which step of `checkManifest` found the problem. */
export type CheckStep = "yaml" | "structure" | "schema" | "rules" | "policy";

/** An Issue that also carries the manifest path and position as data, for `--output json` and tests. */
export interface ManifestIssue extends Issue {
  readonly step: CheckStep;
  /** Dotted manifest path, e.g. `spec.sparkConf["spark.master"]`; empty for the document itself. */
  readonly path: string;
  readonly line?: number;
  readonly col?: number;
}

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** One scalar node of the document (a key or a value) with its source range. */
export interface ScalarSpan {
  /** Offset of the first character that belongs to the scalar (the opening quote of a quoted one). */
  readonly start: number;
  /** Offset just past the scalar (past the closing quote). */
  readonly end: number;
  /** For block scalars (`|`, `>`): where the content begins; the header is an indicator. Else `start`. */
  readonly contentStart: number;
  readonly path: ManifestPath;
  readonly isKey: boolean;
}

export interface ParsedManifest {
  readonly file: string;
  readonly text: string;
  /** The document as plain JS, as PyYAML `safe_load` gives it to Airflow (timestamps as isoformat strings). */
  readonly doc: Record<string, unknown>;
  /** Every scalar node (keys and values) in source order. */
  readonly scalars: readonly ScalarSpan[];
  /**
   * Expression spans already shown to stay inside their scalars while parsing (parseRendered does so when it
   * reuses an earlier parse); checkManifest skips the structure step for exactly these spans.
   */
  readonly structureProven?: ReadonlyArray<readonly [number, number]>;
  // The methods below are where a reused parse (parseRendered with a ParseReuse) runs its full parse, on the
  // first call: positions are only needed for messages, and nodes for a structure check the reuse proved.
  /** The `yaml` Document, with node ranges (the structure check looks up flow collections in it). */
  document(): Document.Parsed;
  /** Line and column (1-based) of the node at `path`, or of its nearest ancestor present in the source. */
  readonly lineOf: (path: ManifestPath) => Position | undefined;
  /** Line and column (1-based) of a text offset. */
  readonly positionOf: (offset: number) => Position;
  /** `file:line:col` for a path, or just `file` when the path is not in the source. */
  readonly at: (path: ManifestPath) => string;
}

/** Security policy for `checkPolicy`. Everything is refused by default; these only widen or narrow it. */
export interface Policy {
  /**
   * When set, every image must match one entry: `prefix/*` matches by prefix (the part before `*`,
   * including its trailing `/` or `:`), anything else must match exactly.
   */
  readonly allowedImages?: readonly string[];
  /** Capabilities a container may add. Default: the Pod Security Standards baseline set. */
  readonly allowedCapabilities?: readonly string[];
}

export interface CheckOptions {
  /**
   * Output ranges produced by each `{{ }}` expression, as reported by the template engine. Without `tainted`,
   * every one of them is held to the structure check.
   */
  readonly spans?: ReadonlyArray<readonly [number, number]>;
  /** The ranges among `spans` whose text comes from the payload: the structure check applies to these. */
  readonly tainted?: ReadonlyArray<readonly [number, number]>;
  /** Tainted ranges printed by `tojson`: each must stay inside one scalar or be one node of its own. */
  readonly closed?: ReadonlyArray<readonly [number, number]>;
  readonly policy?: Policy;
  readonly file?: string;
}

export interface CheckResult {
  readonly manifest: Record<string, unknown>;
  readonly issues: readonly ManifestIssue[];
  readonly warnings: readonly ManifestIssue[];
}
