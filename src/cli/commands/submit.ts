import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Option, type Command } from "commander";
import type { SparkApp } from "../../kube/apps.js";
import type { LedgerNode, LedgerPod } from "../../ledger/record.js";
import { markReportedAsJson } from "../output.js";
import {
  addRenderFlags,
  applyAutoVariant,
  renderRequestFromFlags,
  type RenderFlags,
} from "../render-flags.js";
import { addKubeFlags, formatTimings, type KubeFlags } from "../kube-flags.js";
import { seconds } from "../parse.js";
import { addLedgerFlags, checkLedgerFlag, openRecorder, type LedgerFlags } from "../ledger-flags.js";

// Thin: flags and printing. The flow (create/attach, wait, clean-up, outcome) is src/kube/submit.ts.

interface SubmitFlags extends RenderFlags, KubeFlags, LedgerFlags {
  wait?: boolean;
  logs?: boolean;
  deleteOnTermination?: boolean;
  keep?: boolean;
  timeout?: number;
  terminationGrace: number;
  dryRun?: "client" | "server";
  replace?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("submit")
    .description(
      "render, check and create the SparkApplication on the cluster; optionally wait, with logs, and exit with its outcome",
    );
  addRenderFlags(cmd, { auto: true });
  addKubeFlags(cmd)
    .option("--wait", "wait for the application to finish; exit 0 on COMPLETED, 1 on FAILED")
    .option("--logs", "stream the init containers' and the driver's logs (implies --wait)")
    .option("--delete-on-termination", "delete the application when it ends, and on Ctrl-C")
    .option(
      "--timeout <seconds>",
      "stop waiting after this long: exit 1 and delete the application (see --keep)",
      seconds,
    )
    .option("--keep", "keep the application after a timeout or a stuck driver pod")
    .option(
      "--termination-grace <seconds>",
      "how long the application may stay non-terminal after its driver container ended",
      seconds,
      30,
    )
    .addOption(
      new Option(
        "--dry-run <mode>",
        "client: render and check only; server: also have the API server admit it (dryRun=All)",
      ).choices(["client", "server"]),
    )
    .option(
      "--verbose",
      "print the operator's whole error message (spark-submit's output) instead of a summary",
    )
    .option(
      "--replace",
      "if this run's application exists with a different spec, or has finished, delete it and submit again",
    );
  addLedgerFlags(cmd, "the run (with --wait)").action(async (flags: SubmitFlags) => {
    const { renderAndCheck } = await import("../../render/index.js");
    const { submit, manifestYaml } = await import("../../kube/submit.js");
    const { formatEvent } = await import("../../kube/events.js");
    const { isLong, summarizeOperatorError } = await import("../../kube/operator-error.js");
    const { payloadValues } = await import("../../payload/index.js");
    const request = await applyAutoVariant(await renderRequestFromFlags(flags), flags, (line) =>
      process.stderr.write(`sparklane: ${line}\n`),
    );
    const rendered = await renderAndCheck(request);
    for (const w of rendered.warnings) process.stderr.write(`warning: ${w.where}: ${w.message}\n`);
    const json = flags.output === "json";
    const err = (s: string) => process.stderr.write(`${s}\n`);
    // Logs go to stdout for people, and to stderr when stdout carries the JSON result.
    const logOut = json ? process.stderr : process.stdout;
    const ctl = new AbortController();
    const onSignal = () => {
      if (ctl.signal.aborted) process.exit(130); // a second Ctrl-C skips the clean-up
      err("interrupted: cleaning up (Ctrl-C again to quit at once)");
      ctl.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    // Only a wait sees the run's pods; a run submitted without one is recorded by the exporter, if any.
    const waits = (flags.wait || flags.logs) && !flags.dryRun;
    await checkLedgerFlag(flags);
    const ledger = waits ? await openRecorder(flags, "submit", (m) => err(`warning: ${m}`)) : undefined;
    const nodes = ledger ? await nodeReader(flags, (n) => ledger.recorder.node("MODIFIED", n)) : undefined;
    try {
      const result = await submit(
        {
          manifest: rendered.manifest,
          payload: payloadValues(request.payload),
          variant: rendered.variant,
          context: rendered.context,
        },
        {
          kubeconfig: flags.kubeconfig,
          context: flags.context,
          namespace: flags.namespace,
          wait: flags.wait,
          logs: flags.logs,
          deleteOnTermination: flags.deleteOnTermination,
          keep: flags.keep,
          timeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : undefined,
          terminationGraceMs: flags.terminationGrace * 1000,
          dryRun: flags.dryRun,
          replace: flags.replace,
          signal: ctl.signal,
        },
        {
          onAction: (action, app) =>
            err(`${action} sparkapplication ${app.metadata.namespace}/${app.metadata.name}`),
          onTransition: (t) => {
            // SUBMISSION_FAILED carries spark-submit's stack trace: one line here, the whole text once below.
            const why =
              t.errorMessage && isLong(t.errorMessage) && !flags.verbose
                ? summarizeOperatorError(t.errorMessage).keyLine
                : t.errorMessage;
            err(`${t.at}  ${t.from ? `${t.from} -> ` : ""}${t.to}${why ? `: ${why}` : ""}`);
          },
          onLog: (l) => logOut.write(`[${l.container}] ${l.text}\n`),
          onNotice: (m) => err(`note: ${m}`),
          onObject: ledger
            ? (kind, type, obj) => {
                if (kind === "app") return ledger.recorder.app(type, obj as SparkApp);
                const pod = obj as LedgerPod;
                if (pod.spec?.nodeName) nodes?.(pod.spec.nodeName);
                ledger.recorder.pod(type, pod);
              }
            : undefined,
        },
      );
      if (json) {
        const { error, ...data } = result;
        process.stdout.write(
          `${JSON.stringify({ ...data, ...(error ? { message: error.message } : {}) }, null, 2)}\n`,
        );
      } else if (result.action === "dry-run-client" || result.action === "dry-run") {
        err(
          `${result.action === "dry-run" ? "the API server accepted" : "would create"} sparkapplication ${result.namespace}/${result.name}`,
        );
        process.stdout.write(manifestYaml(result.manifest ?? {}));
      } else if (result.outcome) {
        process.stdout.write(formatTimings(result.timings ?? {}, result.offsets ?? {}));
        process.stdout.write(
          `sparkapplication ${result.namespace}/${result.name}: ${result.outcome}${result.deleted ? " (deleted)" : ""}\n`,
        );
      } else {
        process.stdout.write(`${result.namespace}/${result.name}\n`);
      }
      if (!json && result.events?.length) {
        err("recent warning events:");
        for (const e of result.events) err(`  ${formatEvent(e)}`);
      }
      if (result.error && isLong(result.errorMessage) && !json) {
        if (flags.verbose) {
          err(
            `the operator's message for sparkapplication ${result.namespace}/${result.name}:\n${result.errorMessage}`,
          );
        } else {
          const file = writeOperatorMessage(result.namespace, result.name, result.errorMessage!);
          err(
            `the operator's whole message (${result.errorSummary?.lines ?? "?"} lines): ${file ?? "could not be written"} (--verbose prints it)`,
          );
        }
      }
      if (result.error) {
        if (json) markReportedAsJson(result.error);
        throw result.error;
      }
    } finally {
      await ledger?.close();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  });
}

/**
 * Reads each node a pod of the run lands on, once, for the ledger's node labels (instance type, capacity type,
 * zone). Best effort: a user without `get nodes` records the pods without them.
 */
async function nodeReader(
  flags: KubeFlags,
  onNode: (n: LedgerNode) => void,
): Promise<((name: string) => void) | undefined> {
  const { connect } = await import("../../kube/client.js");
  let kube: ReturnType<typeof connect>;
  try {
    kube = connect({ kubeconfig: flags.kubeconfig, context: flags.context });
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  return (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    kube.core.readNode({ name }).then(
      (n) => onNode(n as LedgerNode),
      () => {},
    );
  };
}

/** Where the full SUBMISSION_FAILED text goes, so the terminal gets a summary; undefined if it cannot be written. */
function writeOperatorMessage(namespace: string, name: string, text: string): string | undefined {
  try {
    const dir = join(tmpdir(), "sparklane");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${namespace}.${name}.operator-message.txt`);
    writeFileSync(file, `${text}\n`);
    return file;
  } catch {
    return undefined;
  }
}
