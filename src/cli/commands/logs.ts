import type { Command } from "commander";
import { addKubeFlags, type KubeFlags } from "../kube-flags.js";

export function register(program: Command): void {
  addKubeFlags(
    program
      .command("logs")
      .description("print the init containers' and the driver's logs of a SparkApplication")
      .argument("<name>", "application name (the name the template rendered finds the one Airflow submitted)")
      .option("-f, --follow", "keep streaming until the application ends (survives reconnects)"),
  ).action(async (name: string, flags: KubeFlags & { follow?: boolean }) => {
    const { connect, findApp, printLogs } = await import("../../kube/index.js");
    const { UserError } = await import("../../errors.js");
    const kube = connect(flags);
    const ns = flags.namespace ?? kube.namespace;
    const app = await findApp(kube, ns, name);
    if (!app)
      throw new UserError(`sparkapplication ${ns}/${name} not found`, "check the name with `sparklane list`");
    name = app.metadata.name;
    const ctl = new AbortController();
    process.once("SIGINT", () => ctl.abort());
    await printLogs(kube, ns, name, {
      follow: flags.follow ?? false,
      signal: ctl.signal,
      onLine: (l) =>
        process.stdout.write(
          flags.output === "json" ? `${JSON.stringify(l)}\n` : `[${l.container}] ${l.text}\n`,
        ),
      onNotice: (m) => process.stderr.write(`note: ${m}\n`),
    });
  });
}
