// Cluster flags shared by submit, status, logs, delete, list and exporter, and their text formatting.
import { InvalidArgumentError, Option, type Command } from "commander";
import type { PhaseTimings } from "../kube/wait.js";

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output: "text" | "json";
}

export function addKubeFlags(cmd: Command, opts: { namespace?: boolean } = {}): Command {
  cmd
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current-context)");
  if (opts.namespace ?? true)
    cmd.option(
      "-n, --namespace <ns>",
      "namespace (default: the manifest's, else the context's, else default)",
    );
  return cmd.addOption(
    new Option("--output <format>", "text for people, json for scripts")
      .choices(["text", "json"])
      .default("text"),
  );
}

/** Commander argument parser for durations in seconds; commander reports the message and exits 2. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a number of seconds greater than 0, found "${value}"`);
  return n;
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
