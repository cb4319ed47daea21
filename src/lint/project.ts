// `sparklane lint`: the seed's lessons over a whole project: layout, app configs (config split), and every
// rendered variant x sample payload (sparkConf split, Ivy dir, labels, JMX sidecar).
import { basename, join, relative } from "node:path";
import { ValidationError, type Issue } from "../errors.js";
import { parseManifest } from "../manifest/index.js";
import { lintAppConfig, lintManifest } from "./index.js";
import { payloadValues, readPayloadFile } from "../payload/index.js";
import { renderMatrix, type MatrixCell } from "../render/matrix.js";
import type { Project } from "../project/index.js";
import { checkPayloadTargets, checkProjectFiles, discoverModules, readText } from "../project/layout.js";

export interface LintFinding extends Issue {
  readonly rule: string;
  readonly severity: "error" | "warning";
}

export interface LintReport {
  readonly findings: readonly LintFinding[];
  readonly cells: readonly MatrixCell[];
  readonly errors: number;
  readonly warnings: number;
}

export interface LintRequest {
  readonly project?: Project;
  readonly payloadFiles: readonly string[];
  readonly templateDir?: readonly string[];
}

export function lintProject(req: LintRequest): LintReport {
  const findings: LintFinding[] = [];
  const project = req.project;
  const rel = (p: string) => relative(process.cwd(), p) || p;

  if (project) {
    findings.push(...checkProjectFiles(project));
    for (const mod of discoverModules(project)) {
      for (const cfg of mod.configs) {
        const file = join(mod.dir, cfg);
        // Parsed as PyYAML would (the ETL runtime reads it with PyYAML), with positions for the findings.
        try {
          findings.push(...lintAppConfig(parseManifest(readText(file), rel(file)), rel(file)));
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          for (const i of err.issues)
            findings.push({
              rule: "layout",
              severity: "error",
              where: i.where,
              message: `app config: ${i.message}`,
            });
        }
      }
    }
    const payloads = req.payloadFiles.length > 0 ? req.payloadFiles : project.sampleTriggers();
    for (const file of payloads) {
      try {
        findings.push(...checkPayloadTargets(project, payloadValues(readPayloadFile(file)), basename(file)));
      } catch {
        // The matrix below reports unreadable payloads once, with the reason.
      }
    }
  }

  const cells = renderMatrix({ project, payloadFiles: req.payloadFiles, templateDir: req.templateDir });
  const seen = new Set<string>();
  for (const cell of cells) {
    if (!cell.ok || !cell.rendered) {
      for (const i of cell.issues)
        findings.push({
          rule: "render",
          severity: "error",
          where: `${cell.payload} (${cell.variant}): ${i.where}`,
          message: i.message,
          hint: i.hint,
        });
      continue;
    }
    // The same template line gives the same finding for every payload: report it once per template.
    for (const f of lintManifest(cell.rendered.manifest, rel(cell.rendered.templateFile))) {
      const key = `${f.rule}\0${f.where}\0${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({
        rule: f.rule,
        severity: f.severity === "error" ? "error" : "warning",
        where: f.where,
        message: f.message,
        hint: f.hint,
      });
    }
  }
  return {
    findings,
    cells,
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity !== "error").length,
  };
}
