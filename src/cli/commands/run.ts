import { Option, type Command } from "commander";
import { hostname } from "node:os";
import { JobFailedError, UserError } from "../../errors.js";
import type { LocalRunEvent, RunReport } from "../../local/run.js";
import type { PayloadInput } from "../../payload/index.js";
import { markReportedAsJson } from "../output.js";
import { addLedgerFlags, openRecorder, type LedgerFlags, type OpenedRecorder } from "../ledger-flags.js";
import {
  addRenderFlags,
  applyAutoVariant,
  renderRequestFromFlags,
  type RenderFlags,
} from "../render-flags.js";

interface RunFlags extends RenderFlags, LedgerFlags {
  local?: boolean;
  fromArtifact?: string;
  store?: string;
  endpointUrl?: string;
  output: "text" | "json";
  verbose?: boolean;
}

const secs = (ms: number | undefined): string => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(2)} s`);

export function register(program: Command): void {
  addRenderFlags(
    addLedgerFlags(
      program
        .command("run")
        .description(
          "run a pipeline: --local runs it on real Spark on this machine (the cluster path is `sparklane submit`)",
        )
        .option("--local", "run with spark-submit on this machine")
        .option(
          "--from-artifact <version>",
          "run published code (fetched and verified by the bootstrap) instead of the working tree",
        )
        .option(
          "--store <uri>",
          "artifact store for --from-artifact (default: $ARTIFACT_STORE, then sparklane.yaml)",
        )
        .option("--endpoint-url <url>", "S3-compatible endpoint for --store")
        .addOption(
          new Option("--output <format>", "text: progress and a summary; json: the run report on stdout")
            .choices(["text", "json"])
            .default("text"),
        )
        .option(
          "--verbose",
          "stream all of Spark's output, INFO lines included (always kept in the run's log file)",
        ),
      "the run",
    ),
    { auto: true },
  ).action(async (flags: RunFlags) => {
    // Taken before anything else so time-to-first-job counts sparklane's own start-up too.
    const started = Math.round(performance.timeOrigin);
    if (!flags.local) {
      throw new UserError(
        "run needs --local: it runs the pipeline on this machine",
        "to run on Kubernetes, use: sparklane submit --conf FILE",
      );
    }
    const { runLocal } = await import("../../local/index.js");
    const json = flags.output === "json";
    const say = (text: string): void => {
      process.stderr.write(`sparklane: ${text}\n`);
    };
    const controller = new AbortController();
    const onSigint = (): void => {
      say("interrupted: stopping the Spark process tree");
      controller.abort();
    };
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigint);
    const ledger = await openRecorder(flags, "local", (m) => say(`warning: ${m}`));
    let rendered: Extract<LocalRunEvent, { kind: "rendered" }> | undefined;
    let request: { payload: PayloadInput } | undefined;
    try {
      let prepared = await applyAutoVariant(await renderRequestFromFlags(flags), flags, say);
      request = prepared;
      const dataRoot = prepared.project?.dir;
      if (flags.fromArtifact !== undefined) {
        const { withArtifactCode } = await import("../../local/from-artifact.js");
        prepared = await withArtifactCode(prepared, {
          version: flags.fromArtifact,
          store: flags.store,
          endpoint: flags.endpointUrl,
          signal: controller.signal,
          onStep: (step) =>
            say(`bootstrap: ${step.name} ${step.ms} ms${step.detail ? `  ${step.detail}` : ""}`),
        });
      }
      const report = await runLocal({
        prepared,
        dataRoot,
        started,
        signal: controller.signal,
        onEvent: (e) => {
          switch (e.kind) {
            case "rendered":
              rendered = e;
              say(`rendered ${e.manifestName} (${e.variant}) from ${e.templateFile}`);
              break;
            case "warning":
              process.stderr.write(
                `warning: ${e.issue.where}: ${e.issue.message}\n${e.issue.hint ? `  hint: ${e.issue.hint}\n` : ""}`,
              );
              break;
            case "step":
              say(e.message);
              break;
            case "runtime":
              say(
                e.cache === "hit"
                  ? `runtime ${e.fingerprint}: cache hit (${e.dir})`
                  : e.cache === "fresh"
                    ? `runtime ${e.fingerprint}: fresh venv ready in ${secs(e.ms)}`
                    : `runtime ${e.fingerprint}: built in ${secs(e.ms)} (cache ${e.cache === "miss" ? "miss" : "was damaged, rebuilt"}; next runs reuse it)`,
              );
              break;
            case "submit":
              say(`spark-submit (run folder ${e.runDir})`);
              break;
            case "output":
              if (e.console || flags.verbose) process.stderr.write(`${e.line}\n`);
              break;
          }
        },
      });
      await recordLocal(ledger, rendered, report, started, request, say);
      if (json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const p = report.phases;
      const cache =
        report.runtime.cache === "fresh" ? "fresh venv (standard)" : `cache ${report.runtime.cache}`;
      process.stdout.write(
        [
          `${report.module ?? report.application} (${report.variant}) ${report.status} in ${secs(p.total)}`,
          `  runtime      ${report.runtime.fingerprint}: ${cache}; Spark ${report.runtime.spark}, Python ${report.runtime.python}, Java ${report.runtime.java}`,
          `  master       ${report.plan.master}, driver memory ${report.plan.driverMemory}`,
          `  phases       render+checks ${secs(p.renderChecks)} | runtime ${secs(p.runtime)} | JVM+SparkContext ${secs(p.jvmAndContext)} | first Spark job at ${secs(p.timeToFirstJob)} | job ${secs(p.job)} | total ${secs(p.total)}`,
          `  log          ${report.logFile}`,
          `  event log    ${report.eventLog[0] ?? "none"}`,
          "",
        ].join("\n"),
      );
    } catch (err) {
      const report = err instanceof JobFailedError ? err.details : (err as { report?: unknown }).report;
      await recordLocal(ledger, rendered, report as RunReport | undefined, started, request, say);
      if (json && report !== undefined) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        markReportedAsJson(err);
      }
      throw err;
    } finally {
      await ledger?.close();
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigint);
    }
  });
}

/** The run, as the ledger keeps it: only a run that reached spark-submit's end has a report to record. */
async function recordLocal(
  ledger: OpenedRecorder | undefined,
  rendered: Extract<LocalRunEvent, { kind: "rendered" }> | undefined,
  report: RunReport | undefined,
  started: number,
  request: { payload: PayloadInput } | undefined,
  say: (text: string) => void,
): Promise<void> {
  if (!ledger || !rendered || !report?.phases) return;
  try {
    await recordLocalRun(ledger, rendered, report, started, request);
  } catch (err) {
    say(`warning: the run ledger did not record this run: ${(err as Error).message}`);
  }
}

async function recordLocalRun(
  ledger: OpenedRecorder,
  rendered: Extract<LocalRunEvent, { kind: "rendered" }>,
  report: RunReport,
  started: number,
  request: { payload: PayloadInput } | undefined,
): Promise<void> {
  const { costLabels, runHash } = await import("../../kube/naming.js");
  const { localRunRecords } = await import("../../ledger/record.js");
  const { memoryMiB } = await import("../../manifest/quantity.js");
  const { payloadValues } = await import("../../payload/index.js");
  const ctx = rendered.context;
  const payload = request ? payloadValues(request.payload) : {};
  const hash = runHash({ dagId: ctx.dagId, taskId: ctx.taskId, runId: ctx.runId, payload });
  const labels = {
    ...rendered.labels,
    ...costLabels({
      ...ctx,
      module: report.module ?? rendered.manifestName,
      variant: report.variant,
      runHash: hash,
    }),
  };
  const cores = /^local\[(\d+)\]$/.exec(report.plan.master)?.[1];
  const mib = memoryMiB(report.plan.driverMemory) ?? 0;
  const p = report.phases;
  const { app, pod } = localRunRecords({
    uid: `local-${hash}-${started.toString(36)}`,
    name: report.application,
    labels,
    host: hostname(),
    startedAt: started,
    submittedAt: started + p.renderChecks + p.runtime,
    endedAt: started + p.total,
    status: report.status,
    cpuCores: cores ? Number(cores) : 1,
    memoryBytes: mib * 1024 * 1024,
    now: Date.now(),
  });
  ledger.recorder.record({ apps: [app], pods: [pod] });
}
