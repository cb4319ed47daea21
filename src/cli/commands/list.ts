import type { Command } from "commander";
import type { ListQuery } from "../../kube/index.js";
import { addKubeFlags, namespaceFor, table, type KubeFlags } from "../kube-flags.js";

// The flags are the library's list query, one to one.
type ListFlags = KubeFlags & ListQuery;

export function register(program: Command): void {
  addKubeFlags(
    program
      .command("list")
      .description("list SparkApplications, filtered by the cost-attribution labels")
      .option("-A, --all-namespaces", "list in every namespace")
      .option("--module <name>", "etl module (label etl-module)")
      .option("--dag <id>", "Airflow DAG id (label airflow-dag-id)")
      .option("--task <id>", "Airflow task id (label airflow-task-id)")
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
    const head = ["NAMESPACE", "NAME", "STATE", "MODULE", "VARIANT", "DATE", "CREATED"];
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
          r.created ?? "-",
        ]),
      ]),
    );
  });
}
