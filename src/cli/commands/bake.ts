import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { UserError } from "../../errors.js";
import { collect } from "../output.js";

interface BakeFlags {
  project?: string;
  base?: string;
  registry?: string;
  push?: boolean;
  builder: "buildah" | "docker" | "podman";
  image: "pre-baked" | "standard" | "ivy-settings";
  check?: boolean;
  conf?: string;
  set?: string[];
  airflowVariables?: string;
  plainHttp?: boolean;
  output: "text" | "json";
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command("bake")
    .description(
      "build the pre-baked image (base + the project's locked venv in /app/.venv + JARs resolved by Spark's Ivy), tagged by dependency fingerprint; --check asks the registry whether it exists",
    )
    .option("--project <dir>", "project folder with sparklane.yaml (default: the current folder)")
    .option("--base <image>", "base image with Spark, Java and Python (default: sparklane.yaml bake.base)")
    .option(
      "--registry <registry/repo>",
      "where the image goes; its tag is the fingerprint (default: sparklane.yaml bake.registry)",
    )
    .option(
      "--push",
      "push the image to the registry (the check for an existing image then asks the registry)",
    )
    .addOption(
      new Option("--builder <name>", "image builder on PATH")
        .choices(["buildah", "docker", "podman"])
        .default("buildah"),
    )
    .addOption(
      new Option(
        "--image <kind>",
        "pre-baked: the project's image; standard: base + sparklane + uv (its init container runs sparklane bootstrap); ivy-settings: the sidecar image",
      )
        .choices(["pre-baked", "standard", "ivy-settings"])
        .default("pre-baked"),
    )
    .option(
      "--check",
      "build nothing: exit 0 when the registry has an image for the current fingerprint, 1 when not",
    )
    .option(
      "--airflow-variables <file>",
      "with --check: write the Airflow Variables the DAG reads (sparklane_sparkapp_suffix, sparklane_pre_baked_image) as JSON for `airflow variables import`; - for stdout",
    )
    .option(
      "--conf <file>",
      "payload used to render the standard variant for its JARs (default: the first trigger)",
    )
    .option("--set <key=value>", "set a payload key for that render (repeatable)", collect)
    .option("--plain-http", "talk to the registry over HTTP (default only for loopback registries)")
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"))
    .option("--verbose", "stream the builder's output")
    .action(async (flags: BakeFlags) => {
      const { renderRequestFromFlags } = await import("../render-flags.js");
      const { bakeTarget } = await import("../../bake/project.js");
      const bakeLib = await import("../../bake/index.js");
      const say = (t: string): void => void process.stderr.write(`sparklane: ${t}\n`);
      if (flags.image !== "pre-baked") {
        if (flags.check) throw new UserError("--check goes with --image pre-baked");
        const { bakeRuntimeImage } = await import("../../bake/runtime-images.js");
        const { findProject } = await import("../../project/index.js");
        const { bakeSettings } = await import("../../bake/project.js");
        const project = findProject(flags.project, process.cwd());
        const { base, registry } = bakeSettings(
          { payload: {}, project },
          flags,
          `bake --image ${flags.image}`,
        );
        const t0 = performance.now();
        const r = await bakeRuntimeImage({
          image: flags.image,
          base,
          registry,
          push: !!flags.push,
          builder: flags.builder,
          plainHttp: flags.plainHttp,
          onStep: (step, detail) => say(`bake ${step}: ${detail}`),
          onLine: (line) => {
            if (flags.verbose || /^(STEP \d+|Step \d+)/.test(line)) process.stderr.write(`  ${line}\n`);
          },
        });
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        if (flags.output === "json")
          process.stdout.write(`${JSON.stringify({ ...r, seconds: Number(secs) })}\n`);
        else
          process.stdout.write(
            r.state === "found"
              ? `${r.image}: already there; built nothing (${secs} s)\n`
              : `built ${r.image}${r.pushed ? ` and pushed it${r.digest ? ` (${r.digest})` : ""}` : ""} in ${secs} s\n`,
          );
        return;
      }
      let conf = flags.conf;
      const prepared0 = await renderRequestFromFlags({ project: flags.project, set: flags.set });
      if (conf === undefined) conf = prepared0.project?.sampleTriggers()[0];
      const prepared = conf
        ? await renderRequestFromFlags({ project: flags.project, set: flags.set, conf })
        : prepared0;
      const target = {
        ...(await bakeTarget(prepared, flags, flags.check ? "bake --check" : "bake")),
        plainHttp: flags.plainHttp,
      };

      if (flags.check) {
        const result = await bakeLib.checkImage(target);
        const vars = bakeLib.airflowVariables(result);
        if (flags.airflowVariables === "-") process.stdout.write(`${JSON.stringify(vars, null, 2)}\n`);
        else if (flags.airflowVariables)
          writeFileSync(flags.airflowVariables, `${JSON.stringify(vars, null, 2)}\n`);
        if (flags.output === "json")
          process.stdout.write(`${JSON.stringify({ ...result, variables: vars })}\n`);
        else if (flags.airflowVariables !== "-") {
          process.stdout.write(
            result.fresh
              ? `fresh: ${result.image}${result.digest ? ` (${result.digest})` : ""}\n`
              : `stale: ${result.reason}; run sparklane bake --push\n`,
          );
        }
        if (!result.fresh) process.exitCode = 1;
        return;
      }
      if (flags.airflowVariables) throw new UserError("--airflow-variables goes with --check");

      const t0 = performance.now();
      let last = t0;
      const result = await bakeLib.bake({
        ...target,
        push: !!flags.push,
        builder: flags.builder,
        onStep: (step, detail) => {
          const now = performance.now();
          say(`bake ${step}: ${detail} (+${((now - last) / 1000).toFixed(1)} s)`);
          last = now;
        },
        onLine: (line) => {
          if (flags.verbose || /^(STEP \d+|sparklane-|Step \d+)/.test(line))
            process.stderr.write(`  ${line}\n`);
        },
      });
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      if (flags.output === "json") {
        process.stdout.write(`${JSON.stringify({ ...result, seconds: Number(secs) })}\n`);
        return;
      }
      process.stdout.write(
        result.state === "found"
          ? `${result.image}: already ${result.pushed ? "in the registry" : "built"} for fingerprint ${result.fingerprint}; built nothing (${secs} s)\n`
          : `built ${result.image}${result.pushed ? ` and pushed it${result.digest ? ` (${result.digest})` : ""}` : ""} in ${secs} s\n` +
              `  Spark ${result.facts?.spark}, Python ${result.facts?.python}, Java ${result.facts?.java}; JARs ${result.labels["io.sparklane.jars"] || "none"}\n`,
      );
    });
}
