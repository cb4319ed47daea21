// Pure: a checked SparkApplication + the project + a runtime + host facts -> the spark-submit command for
// this machine. Same script, arguments and launch confs as the pod gets; only what cannot exist here
// (Kubernetes, the pod's paths, a 20g driver on a laptop) is translated, and every translation is reported.
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import type { Issue } from "../errors.js";
import { UserError } from "../errors.js";
import type { Variant } from "../render/index.js";
import { applicationFiles, mapAppPath, type AppFiles } from "./paths.js";
import { formatMiB, jvmMemory, memoryMiB, sparkMemoryProblem } from "../manifest/quantity.js";
import type { DriverSpec, ExecutorSpec, SparkApplication, SparkApplicationSpec } from "../manifest/index.js";

export interface PlanRuntime {
  /** The venv's python: spark.pyspark.python. */
  readonly python: string;
  /** The Spark distribution to run (the venv's pyspark). */
  readonly sparkHome: string;
  /** Pre-resolved JARs (pre-baked): passed with --jars. */
  readonly jars: readonly string[];
  /** Ivy home for spark.jars.packages resolution at submit (standard). */
  readonly ivyDir?: string;
}

export interface PlanInput {
  /** A checked manifest. Fields local mode needs are still tested here: a library caller may pass less. */
  readonly manifest: SparkApplication;
  readonly variant: Variant;
  readonly projectDir: string;
  /** Where relative I/O paths of the app config resolve (default: projectDir). */
  readonly dataRoot?: string;
  /** The run folder: event log and logs go here. */
  readonly runDir: string;
  readonly runtime: PlanRuntime;
  readonly host: { readonly cores: number; readonly totalMemoryBytes: number };
  /** Existence test for translated side files (ivysettings); injected to keep the plan pure. */
  readonly exists?: (path: string) => boolean;
}

export interface LocalPlan {
  readonly sparkSubmit: string;
  /** Arguments after spark-submit. */
  readonly args: readonly string[];
  /** Environment added to the caller's. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly master: string;
  readonly cores: { readonly requested?: number; readonly used: number };
  readonly driverMemory: { readonly requested?: string; readonly used: string };
  readonly files: AppFiles;
  /** sparkConf as passed to spark-submit. */
  readonly sparkConf: Readonly<Record<string, string>>;
  /** sparkConf keys from the manifest that were not passed on, with why. */
  readonly dropped: Readonly<Record<string, string>>;
  readonly eventLogDir: string;
  readonly appName: string;
  readonly warnings: readonly Issue[];
}

const MiB = 1024 * 1024;
export { memoryMiB };

/** Half the host's memory, at least 1g: the JVM heap is only part of a local run's footprint. */
export function driverMemoryCapMiB(totalMemoryBytes: number): number {
  return Math.max(1024, Math.floor(totalMemoryBytes / MiB / 2 / 256) * 256);
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined;

export function planLocal(input: PlanInput): LocalPlan {
  const manifest = input.manifest;
  const spec: Partial<SparkApplicationSpec> = manifest.spec ?? {};
  const metadata: SparkApplication["metadata"] = manifest.metadata ?? {};
  const driver: Partial<DriverSpec> = spec.driver ?? {};
  const executor: Partial<ExecutorSpec> = spec.executor ?? {};
  const warnings: Issue[] = [];
  const exists = input.exists ?? (() => true);

  if (spec.type !== undefined && spec.type !== "Python") {
    throw new UserError(
      `spec.type is ${String(spec.type)}: local mode runs Python applications`,
      "use spec.type: Python with a .py mainApplicationFile",
    );
  }
  const files = applicationFiles(manifest, input.projectDir);

  // The pod's parallelism is instances x cores; one machine gives at most its own cores.
  const instances = num(executor.instances);
  const execCores = num(executor.cores);
  const requested =
    instances !== undefined && execCores !== undefined ? instances * execCores : num(driver.cores);
  const used = Math.max(1, Math.min(requested ?? input.host.cores, input.host.cores));
  const master = `local[${used}]`;

  const cap = driverMemoryCapMiB(input.host.totalMemoryBytes);
  const requestedMem = typeof driver.memory === "string" ? driver.memory : undefined;
  let usedMem = formatMiB(Math.min(cap, 1024));
  if (requestedMem !== undefined) {
    const mib = memoryMiB(requestedMem);
    if (mib === undefined) {
      throw new UserError(
        `spec.driver.memory ${requestedMem}: ${sparkMemoryProblem(requestedMem)}`,
        "e.g. 2g or 512m",
      );
    } else if (mib > cap) {
      usedMem = formatMiB(cap);
      warnings.push({
        where: "spec.driver.memory",
        message: `${requestedMem} is more than this machine can give a local driver; using ${usedMem} (half of its ${formatMiB(Math.floor(input.host.totalMemoryBytes / MiB / 1024) * 1024)} RAM)`,
        hint: "set driver_memory in the payload to run with less",
      });
    } else {
      // spark-submit hands driver memory to the JVM as -Xmx, which reads "2gb" as an error and "2048" as bytes.
      usedMem = jvmMemory(requestedMem)!;
    }
  }

  const sparkConf: Record<string, string> = {};
  const dropped: Record<string, string> = {};
  for (const [key, raw] of Object.entries(spec.sparkConf ?? {})) {
    const value = String(raw);
    if (key.startsWith("spark.kubernetes.")) {
      dropped[key] = "Kubernetes only";
    } else if (key === "spark.pyspark.python" || key === "spark.pyspark.driver.python") {
      sparkConf[key] = input.runtime.python;
    } else if (key === "spark.jars.ivy") {
      if (input.runtime.ivyDir) sparkConf[key] = input.runtime.ivyDir;
      else dropped[key] = "JARs are pre-resolved (--jars)";
    } else if (key === "spark.jars.ivySettings") {
      const local = mapAppPath(value, input.projectDir) ?? value;
      if (exists(local)) sparkConf[key] = local;
      else {
        dropped[key] = `${local} does not exist here`;
        warnings.push({
          where: `spec.sparkConf.${key}`,
          message: `${value} (${local} here) does not exist; Ivy uses its default repositories`,
          hint: "put an ivysettings.xml in the project to use a private repository locally",
        });
      }
    } else {
      sparkConf[key] = value;
    }
  }
  if (!("spark.pyspark.python" in sparkConf)) sparkConf["spark.pyspark.python"] = input.runtime.python;
  if (input.runtime.ivyDir && "spark.jars.packages" in sparkConf && !("spark.jars.ivy" in sparkConf)) {
    sparkConf["spark.jars.ivy"] = input.runtime.ivyDir;
  }
  // Spark's own record of the run: phase timings are read from it afterwards.
  const eventLogDir = join(input.runDir, "events");
  Object.assign(sparkConf, {
    "spark.eventLog.enabled": "true",
    // A URL, percent-encoded: Spark parses the value as a URI, and a raw space made it a path relative to the
    // working folder ("file:/p/My Team/file:/p/My Team/...": the run failed for a project folder with a space).
    "spark.eventLog.dir": pathToFileURL(eventLogDir).href,
    "spark.eventLog.compress": "false",
    "spark.eventLog.rolling.enabled": "false",
  });

  if (spec.deps !== undefined) {
    warnings.push({
      where: "spec.deps",
      message: "is not used by local mode",
      hint: "use spark.jars.packages in sparkConf, which local mode honours",
    });
  }

  const appName = typeof metadata.name === "string" ? metadata.name : "sparklane-local";
  const args: string[] = ["--master", master, "--name", appName, "--driver-memory", usedMem];
  if (input.runtime.jars.length > 0) args.push("--jars", input.runtime.jars.join(","));
  for (const [key, value] of Object.entries(sparkConf)) args.push("--conf", `${key}=${value}`);
  args.push(files.script.local, ...files.arguments);

  return {
    sparkSubmit: join(input.runtime.sparkHome, "bin", "spark-submit"),
    args,
    env: {
      SPARK_HOME: input.runtime.sparkHome,
      PYSPARK_PYTHON: input.runtime.python,
      PYTHONUNBUFFERED: "1",
      // One machine: bind to loopback instead of guessing a routable address from the hostname.
      SPARK_LOCAL_IP: "127.0.0.1",
      // Relative I/O paths in the app config mean "in the project" (see sparklane_etl).
      SPARKLANE_DATA_ROOT: input.dataRoot ?? input.projectDir,
    },
    cwd: input.projectDir,
    master,
    cores: { requested, used },
    driverMemory: { requested: requestedMem, used: usedMem },
    files,
    sparkConf,
    dropped,
    eventLogDir,
    appName,
    warnings,
  };
}
