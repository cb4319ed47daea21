import type { Command } from "commander";
import { collect } from "../output.js";
import { port } from "../parse.js";

interface ExporterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string[];
  allNamespaces?: boolean;
  port: number;
  host: string;
  ledger?: string;
}

export function register(program: Command): void {
  program
    .command("exporter")
    .description(
      "serve Prometheus metrics: job start latency, outcomes, durations and states of SparkApplications (/metrics, /healthz)",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)",
    )
    .option("--context <name>", "kubeconfig context")
    .option(
      "-n, --namespace <ns>",
      "namespace to watch (repeatable; default: the context's namespace)",
      collect,
    )
    .option("-A, --all-namespaces", "watch every namespace")
    .option("--port <port>", "HTTP port for /metrics and /healthz", port, 9464)
    .option("--host <address>", "address to listen on", "0.0.0.0")
    .option(
      "--ledger <url>",
      "also record every application, driver and executor pod and node in this run ledger (a SQLite path or postgres://...; RBAC: nodes list/watch)",
    )
    .action(async (flags: ExporterFlags) => {
      const { connect } = await import("../../kube/client.js");
      const { Exporter } = await import("../../metrics/exporter.js");
      // A daemon asked to record must be able to: an unusable ledger at start is an error (exit 2 or 3).
      // Once running, write failures are logged and retried.
      const ledger =
        flags.ledger !== undefined
          ? await (await import("../../ledger/open.js")).openLedger(flags.ledger)
          : undefined;
      const kube = connect({ kubeconfig: flags.kubeconfig, context: flags.context });
      const ctl = new AbortController();
      const exporter = new Exporter({
        kube,
        namespaces: flags.allNamespaces ? undefined : (flags.namespace ?? [kube.namespace]),
        allNamespaces: flags.allNamespaces,
        port: flags.port,
        host: flags.host,
        signal: ctl.signal,
        onLog: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
        ledger,
      });
      const { port: bound } = await exporter.start();
      const scope = flags.allNamespaces
        ? "all namespaces"
        : `namespace ${(flags.namespace ?? [kube.namespace]).join(", ")}`;
      process.stderr.write(
        `sparklane exporter: watching ${scope} on ${kube.server}; serving http://${flags.host}:${bound}/metrics\n`,
      );
      const stop = () => ctl.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        await exporter.done();
      } finally {
        await ledger?.close();
      }
    });
}
