// Runs the pyspark wheel's spark-submit so Spark's own Ivy resolves `--packages` through a settings file.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const probe = spawnSync("python3", ["-c", "import pyspark,os;print(os.path.dirname(pyspark.__file__))"], {
  encoding: "utf8",
});
export const sparkSubmit: string | undefined =
  probe.status === 0 && existsSync(join(probe.stdout.trim(), "bin", "spark-submit"))
    ? join(probe.stdout.trim(), "bin", "spark-submit")
    : undefined;
export const sparkSkip: string | false =
  sparkSubmit && spawnSync("java", ["-version"]).status === 0
    ? false
    : "pyspark's spark-submit or java is not installed";

export interface SubmitResult {
  code: number | null;
  output: string;
}

/** Async on purpose: the Maven server lives in this process and must keep answering meanwhile. */
export function submitWithPackages(opts: {
  packages: string;
  ivySettings: string;
  ivyDir: string;
  app: string;
}): Promise<SubmitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      sparkSubmit!,
      [
        "--master",
        "local[1]",
        "--packages",
        opts.packages,
        "--conf",
        `spark.jars.ivySettings=${opts.ivySettings}`,
        "--conf",
        `spark.jars.ivy=${opts.ivyDir}`,
        opts.app,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1" } },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
