// `validate`: every template variant x every sample payload, rendered and checked, results as data.
import { basename } from "node:path";
import { UserError, ValidationError, type Issue } from "../errors.js";
import { readPayloadFile } from "../payload/index.js";
import type { Project } from "../project/index.js";
import { renderAndCheckSync } from "./pipeline.js";
import type { Rendered, Variant } from "./types.js";

export interface MatrixCell {
  readonly payload: string;
  readonly variant: Variant;
  readonly ok: boolean;
  readonly template?: string;
  readonly name?: string;
  readonly issues: readonly Issue[];
  /** Present when ok, for callers (lint) that go on from the manifest. */
  readonly rendered?: Rendered;
}

export interface MatrixRequest {
  readonly project?: Project;
  readonly payloadFiles: readonly string[];
  readonly templateDir?: readonly string[];
  readonly variants?: readonly Variant[];
  readonly dagId?: string;
  readonly taskId?: string;
  readonly ds?: string;
}

export const ALL_VARIANTS: readonly Variant[] = ["standard", "pre-baked"];

/** Renders each payload with each variant. Bad payload files and failed checks become failed cells, not throws. */
export function renderMatrix(req: MatrixRequest): MatrixCell[] {
  const files = req.payloadFiles.length > 0 ? req.payloadFiles : (req.project?.sampleTriggers() ?? []);
  if (files.length === 0) {
    throw new UserError(
      "no payloads to validate",
      req.project
        ? `add sample payloads (*.json) to ${req.project.triggersDir}, or pass --conf FILE`
        : "pass --conf FILE (repeatable), or --project DIR with a triggers folder",
    );
  }
  const cells: MatrixCell[] = [];
  for (const file of files) {
    for (const variant of req.variants ?? ALL_VARIANTS) {
      const payloadName = basename(file);
      try {
        const rendered = renderAndCheckSync({
          payload: readPayloadFile(file),
          project: req.project,
          templateDir: req.templateDir,
          variant,
          dagId: req.dagId,
          taskId: req.taskId,
          ds: req.ds ?? "2026-01-01",
        });
        const meta = rendered.manifest.metadata as { name?: string } | undefined;
        cells.push({
          payload: payloadName,
          variant,
          ok: true,
          template: rendered.templateFile,
          name: meta?.name,
          issues: rendered.warnings,
          rendered,
        });
      } catch (err) {
        if (err instanceof ValidationError)
          cells.push({ payload: payloadName, variant, ok: false, issues: err.issues });
        else if (err instanceof UserError)
          cells.push({
            payload: payloadName,
            variant,
            ok: false,
            issues: [{ where: payloadName, message: err.message, hint: err.hint }],
          });
        else throw err;
      }
    }
  }
  return cells;
}
