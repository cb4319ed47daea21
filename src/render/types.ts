// The request and result of the render pipeline, apart from index.ts so that the pipeline can name them
// without importing the folder's entry point that re-exports it.
import type { Issue } from "../errors.js";
import type { PayloadInput } from "../payload/index.js";
import type { ParseReuse, SparkApplication } from "../manifest/index.js";

export type Variant = "standard" | "pre-baked";

export interface RenderRequest {
  /**
   * The trigger payload exactly as given (Airflow `dag_run.conf`): parsed from JSON (parsePayloadText,
   * readPayloadFile, applySets), which renders key order and `2.0` as Airflow does, or a plain object.
   */
  readonly payload: PayloadInput;
  /** A project folder holding `sparklane.yaml`; its templates and `var.value` are used. */
  readonly projectDir?: string;
  /** Airflow template search path; the template is `sparkapps/generic-spark-app{suffix}.yaml` in it. */
  readonly templateDir?: readonly string[];
  /** One template file, bypassing variant selection. */
  readonly template?: string;
  /** Overrides the payload's `sparkapp_suffix`. */
  readonly variant?: Variant;
  readonly dagId?: string;
  readonly taskId?: string;
  /** Logical date, YYYY-MM-DD: the shorthand for `logicalDate` at midnight UTC. */
  readonly ds?: string;
  /** Logical date and time, ISO 8601 with an offset (2026-03-15T06:30:00+00:00); Airflow converts it to UTC. */
  readonly logicalDate?: string;
  readonly runId?: string;
  /** Injected clock for `ts` and the default `ds`. */
  readonly now?: Date;
  /**
   * Parses kept from earlier renders (createParseReuse()), for a caller that renders a template many times:
   * the YAML parse of a render with the same text around its expressions is then reused. Without one, every
   * render is parsed in full.
   */
  readonly parseReuse?: ParseReuse;
}

export interface Rendered {
  /** The rendered text exactly as Jinja2 produced it. */
  readonly text: string;
  /** The parsed manifest, as PyYAML `safe_load` would give it; it passed the CRD schema, hence its type. */
  readonly manifest: SparkApplication;
  /** The template file that was rendered, and the variant it stands for. */
  readonly templateFile: string;
  readonly variant: Variant;
  /** The Airflow context values used (dag id, task id, ds, ts = the logical date's isoformat, run id). */
  readonly context: { dagId: string; taskId: string; ds: string; ts: string; runId: string };
  /** Non-fatal findings (e.g. lint-level notes). Fatal ones throw ValidationError. */
  readonly warnings: readonly Issue[];
}
