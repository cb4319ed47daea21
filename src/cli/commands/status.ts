import type { Command } from "commander";
import { addKubeFlags, formatTimings, namespaceFor, notFound, type KubeFlags } from "../kube-flags.js";
import type { AppOrigin } from "../../kube/airflow.js";

function submittedBy(o: AppOrigin): string {
  const run = [
    o.dagId && `dag ${o.dagId}`,
    o.taskId && `task ${o.taskId}`,
    o.runId && `run ${o.runId}`,
    o.tryNumber !== undefined && `try ${o.tryNumber}`,
    o.mapIndex !== undefined && `map index ${o.mapIndex}`,
  ].filter(Boolean);
  const who =
    o.origin === "airflow"
      ? "Airflow (SparkKubernetesOperator)"
      : o.origin === "sparklane"
        ? "sparklane"
        : "unknown";
  return run.length ? `${who}: ${run.join(", ")}` : who;
}

export function register(program: Command): void {
  addKubeFlags(
    program
      .command("status")
      .description(
        "show a SparkApplication: state, error, driver pod, executors, a stuck driver, phase timings",
      )
      .argument("<name>", "application name"),
    { project: true },
  ).action(async (name: string, flags: KubeFlags) => {
    const { connect, appStatus, describeStuck, formatEvent } = await import("../../kube/index.js");
    const { isLong, summarizeOperatorError } = await import("../../kube/operator-error.js");
    const kube = connect(flags);
    const ns = await namespaceFor(flags, kube);
    const s = await appStatus(kube, ns.namespace, name);
    if (!s) throw await notFound([name], ns);
    if (flags.output === "json") {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const lines = [
      `name:        ${s.namespace}/${s.name}`,
      `state:       ${s.state}${s.errorMessage ? `: ${isLong(s.errorMessage) ? `${summarizeOperatorError(s.errorMessage).keyLine} (--output json has the whole message)` : s.errorMessage}` : ""}`,
      `driver pod:  ${s.driverPod ?? "-"}${s.driverPhase ? ` (${s.driverPhase})` : ""}`,
      `executors:   ${s.executors.length ? s.executors.map((e) => `${e.name} (${e.phase ?? "?"})`).join(", ") : "-"}`,
      `submitted:   ${submittedBy(s.origin)}`,
      `attempts:    submission ${s.submissionAttempts ?? 0}, execution ${s.executionAttempts ?? 0}`,
      `labels:      ${
        Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ") || "-"
      }`,
    ];
    if (s.stuck) lines.push(`stuck:       ${describeStuck(s.stuck)}`);
    if (s.events.length) lines.push("warnings:", ...s.events.map((e) => `  ${formatEvent(e)}`));
    process.stdout.write(`${lines.join("\n")}\n${formatTimings(s.timings, s.offsets)}`);
  });
}
