// Cluster flags shared by submit, status, logs, delete, list and exporter, and their text formatting.
import { Option, type Command } from "commander";
import type { Kube, ResolvedNamespace } from "../kube/index.js";
import type { PhaseTimings } from "../kube/wait.js";

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  project?: string;
  output: "text" | "json";
}

export function addKubeFlags(cmd: Command, opts: { namespace?: boolean; project?: boolean } = {}): Command {
  cmd
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current-context)");
  if (opts.namespace ?? true)
    cmd.option(
      "-n, --namespace <ns>",
      "namespace (default: the template's, else the kubeconfig context's, else default)",
    );
  if (opts.project)
    cmd.option(
      "--project <dir>",
      "project whose template gives the namespace (default: the current folder if it has sparklane.yaml)",
    );
  return cmd.addOption(
    new Option("--output <format>", "text for people, json for scripts")
      .choices(["text", "json"])
      .default("text"),
  );
}

/**
 * The namespace for commands that take no payload (status, logs, delete, list), by the same rule as submit
 * (src/kube/namespace.ts); the template is only rendered when --namespace is absent.
 */
export async function namespaceFor(flags: KubeFlags, kube: Kube): Promise<ResolvedNamespace> {
  const { resolveNamespace } = await import("../kube/index.js");
  if (flags.namespace) return resolveNamespace({ flag: flags.namespace });
  const { findProject } = await import("../project/index.js");
  const { templateNamespace } = await import("../render/namespace.js");
  const template = templateNamespace(findProject(flags.project, process.cwd()));
  return resolveNamespace({ template, context: kube.contextNamespace });
}

/** "not found" naming where sparklane looked and why, with the way to look elsewhere. */
export async function notFound(
  names: readonly string[],
  ns: ResolvedNamespace,
  extraHint = "",
): Promise<Error> {
  const { describeNamespace } = await import("../kube/index.js");
  const { UserError } = await import("../errors.js");
  return new UserError(
    `sparkapplication ${names.map((n) => `${ns.namespace}/${n}`).join(", ")} not found in ${describeNamespace(ns)}`,
    `pass -n NAMESPACE if it is elsewhere; \`sparklane list -A\` lists every namespace${extraHint}`,
  );
}

const PHASE_LABELS: [keyof PhaseTimings, string][] = [
  ["created", "created"],
  ["submitted", "submitted"],
  ["driverScheduled", "driver scheduled"],
  ["initContainersDone", "init containers done"],
  ["driverRunning", "driver running"],
  ["firstExecutorRunning", "first executor running"],
  ["terminal", "terminal"],
];

export function formatTimings(t: PhaseTimings, off: Partial<Record<keyof PhaseTimings, number>>): string {
  const lines = ["phase timings (seconds after creation):"];
  for (const [k, label] of PHASE_LABELS) {
    const at = t[k];
    lines.push(
      `  ${label.padEnd(24)}${at ? `${(off[k] ?? 0).toFixed(2).padStart(9)} s  ${at}` : "        -"}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
