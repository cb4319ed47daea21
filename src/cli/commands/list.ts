import { Option, type Command } from "commander";
import type { ListQuery } from "../../kube/index.js";
import { addKubeFlags, namespaceFor, table, type KubeFlags } from "../kube-flags.js";

// The flags are the library's list query, one to one (--dag-id/--task-id, as in the render flags, set dag/task).
type ListFlags = KubeFlags & ListQuery;

export function register(program: Command): void {
  addKubeFlags(
    program
      .command("list")
      .description("list SparkApplications, filtered by the cost-attribution labels")
      .option("-A, --all-namespaces", "list in every namespace")
      .option("--module <name>", "etl module (label etl-module)")
      .option(
        "--dag-id, --dag <id>",
        "Airflow DAG id (label airflow-dag-id, or the Airflow provider's dag_id)",
      )
      .option("--task-id, --task <id>", "Airflow task id (label airflow-task-id, or the provider's task_id)")
      .option("--run-id <id>", "Airflow run id, e.g. manual__2026-03-15T00:00:00+00:00, whoever submitted")
      .option("--try-number <n>", "Airflow try number (applications Airflow submitted)")
      .addOption(
        new Option("--origin <who>", "who submitted: airflow (its provider) or sparklane").choices([
          "airflow",
          "sparklane",
          "unknown",
        ]),
      )
      .option("--execution-date <YYYY-MM-DD>", "execution date (label airflow-execution-date)")
      .option("--variant <variant>", "standard or pre-baked (label sparklane-variant)")
      .option("--state <state>", "application state, e.g. RUNNING, FAILED"),
    { project: true },
  ).action(async (flags: ListFlags) => {
    const { connect, listApplications, describeNamespace } = await import("../../kube/index.js");
    const kube = connect(flags);
    const resolved = flags.allNamespaces ? undefined : await namespaceFor(flags, kube);
    const rows = await listApplications(kube, { ...flags, namespace: resolved?.namespace });
    if (flags.output === "json") {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (!rows.length) {
      process.stderr.write(
        `no sparkapplications match in ${resolved ? describeNamespace(resolved) : "any namespace"}${resolved ? "; -A searches every namespace" : ""}\n`,
      );
      return;
    }
    const head = ["NAMESPACE", "NAME", "STATE", "MODULE", "VARIANT", "DATE", "BY", "DAG", "TRY", "CREATED"];
    process.stdout.write(
      table([
        head,
        ...rows.map((r) => [
          r.namespace,
          r.name,
          r.state,
          r.module ?? "-",
          r.variant ?? "-",
          r.executionDate ?? "-",
          r.origin,
          r.dag ?? "-",
          r.tryNumber === undefined ? "-" : String(r.tryNumber),
          r.created ?? "-",
        ]),
      ]),
    );
  });
}
