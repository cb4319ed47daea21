import type { Command } from "commander";
import { addRenderFlags, renderRequestFromFlags, type RenderFlags } from "../render-flags.js";
import { addKubeFlags, type KubeFlags } from "../kube-flags.js";

// Thin: flags and printing. The checks are src/kube/doctor.ts.

interface DoctorFlags extends RenderFlags, KubeFlags {
  serviceAccount?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("doctor")
    .description(
      "check the cluster before a submission: the CRD, the operator's webhook and namespaces, the namespace, the driver's ServiceAccount and RBAC",
    );
  addRenderFlags(cmd, { confRequired: false });
  addKubeFlags(cmd).option(
    "--service-account <name>",
    "the driver's ServiceAccount (default: the manifest's spec.driver.serviceAccount, else spark)",
  );
  cmd.action(async (flags: DoctorFlags) => {
    const { connect } = await import("../../kube/client.js");
    const { doctor } = await import("../../kube/doctor.js");
    let manifest: Record<string, unknown> | undefined;
    if (flags.conf !== undefined) {
      // With a payload, doctor knows what this manifest needs (webhook-only fields, its namespace and SA).
      const { renderAndCheck } = await import("../../render/index.js");
      manifest = (await renderAndCheck(await renderRequestFromFlags(flags))).manifest as unknown as Record<
        string,
        unknown
      >;
    }
    const meta = (manifest?.metadata ?? {}) as { namespace?: string };
    const driver = ((manifest?.spec ?? {}) as { driver?: { serviceAccount?: string } }).driver;
    const kube = connect(flags);
    const namespace = flags.namespace ?? meta.namespace ?? kube.namespace;
    const report = await doctor(kube, {
      namespace,
      serviceAccount: flags.serviceAccount ?? driver?.serviceAccount,
      manifest,
    });
    if (flags.output === "json") {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const lines = report.findings.map(
        (f) => `${f.severity.padEnd(7)} ${f.check}: ${f.message}${f.fix ? `\n        fix: ${f.fix}` : ""}`,
      );
      lines.push(
        `${report.errors} error${report.errors === 1 ? "" : "s"}, ${report.warnings} warning${report.warnings === 1 ? "" : "s"} (namespace ${report.namespace} on ${kube.server})`,
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    // An error finding is a problem to fix before submitting: exit 2, like lint.
    if (report.errors > 0) process.exitCode = 2;
  });
}
