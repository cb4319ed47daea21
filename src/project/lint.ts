// `sparklane lint`: the seed's lessons over a whole project: layout, app configs (config split), and every
// rendered variant x sample payload (sparkConf split, Ivy dir, labels, JMX sidecar).
import { basename, join, relative } from "node:path";
import { parse } from "yaml";
import type { Issue } from "../errors.js";
import { lintAppConfig, lintManifest } from "../lint/index.js";
import { readPayloadFile } from "../payload/index.js";
import { renderMatrix, type MatrixCell } from "../render/matrix.js";
import type { Project } from "./index.js";
import { checkPayloadTargets, checkProjectFiles, discoverModules, readText } from "./layout.js";

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
        let config: unknown;
        try {
          config = parse(readText(file), { version: "1.1" });
        } catch (err) {
          findings.push({ rule: "layout", severity: "error", where: rel(file), message: `app config is not valid YAML: ${(err as Error).message.split("\n")[0]}` });
          continue;
        }
        if (config && typeof config === "object" && !Array.isArray(config)) {
          findings.push(...lintAppConfig(config as Record<string, unknown>, rel(file)));
        }
      }
    }
    const payloads = req.payloadFiles.length > 0 ? req.payloadFiles : project.sampleTriggers();
    for (const file of payloads) {
      try {
        findings.push(...checkPayloadTargets(project, readPayloadFile(file), basename(file)));
      } catch {
        // The matrix below reports unreadable payloads once, with the reason.
      }
    }
  }

  const cells = renderMatrix({ project, payloadFiles: req.payloadFiles, templateDir: req.templateDir });
  const seen = new Set<string>();
  for (const cell of cells) {
    if (!cell.ok || !cell.rendered) {
      for (const i of cell.issues) findings.push({ rule: "render", severity: "error", where: `${cell.payload} (${cell.variant}): ${i.where}`, message: i.message, hint: i.hint });
      continue;
    }
    // The same template line gives the same finding for every payload: report it once per template.
    for (const f of lintManifest(cell.rendered.manifest, rel(cell.rendered.templateFile))) {
      const key = `${f.rule}\0${f.where}\0${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ rule: f.rule, severity: f.severity === "error" ? "error" : "warning", where: f.where, message: f.message, hint: f.hint });
    }
  }
  return {
    findings,
    cells,
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity !== "error").length,
  };
}
