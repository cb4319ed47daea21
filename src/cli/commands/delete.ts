import type { Command } from "commander";
import { addKubeFlags, namespaceFor, notFound, type KubeFlags } from "../kube-flags.js";

export function register(program: Command): void {
  addKubeFlags(
    program
      .command("delete")
      .description("delete SparkApplications (their driver and executor pods go with them)")
      .argument("<name...>", "application names")
      .option("--ignore-not-found", "succeed when an application does not exist"),
    { project: true },
  ).action(async (names: string[], flags: KubeFlags & { ignoreNotFound?: boolean }) => {
    const { connect, deleteApp } = await import("../../kube/index.js");
    const kube = connect(flags);
    const resolved = await namespaceFor(flags, kube);
    const ns = resolved.namespace;
    const results: { name: string; deleted: boolean }[] = [];
    for (const name of names) results.push({ name, deleted: await deleteApp(kube, ns, name) });
    if (flags.output === "json")
      process.stdout.write(`${JSON.stringify({ namespace: ns, results }, null, 2)}\n`);
    else
      for (const r of results)
        process.stdout.write(`${r.deleted ? "deleted" : "not found"}: sparkapplication ${ns}/${r.name}\n`);
    const missing = results.filter((r) => !r.deleted).map((r) => r.name);
    if (missing.length && !flags.ignoreNotFound) {
      throw await notFound(missing, resolved, ", or pass --ignore-not-found");
    }
  });
}
