// bench/local-start: what sparklane adds to a warm local start, and what the pre-baked runtime saves.
//
//   A  sparklane run --local (pre-baked, runtime cache hit), through the built CLI
//   B  a bare spark-submit of the same script, arguments and confs (the command A ran, taken from its run
//      folder), with the same environment and working folder
// interleaved (ABBA...) in one session; for each: time to first Spark job (bench's spawn -> the first
// SparkListenerJobStart in that run's event log) and total wall time. Prints the median of each and the
// median ratios A/B (target <= 1.05). Then the standard variant (fresh uv venv per run, spark.jars.packages
// resolved by Ivy at submit, warm uv and Ivy caches) against pre-baked, for time to first job; and the
// one-off cost of building the pre-baked runtime (cache miss).
//
// Run: npx tsx bench/local-start.ts   (BENCH_N=5 pairs by default; builds dist/ first if missing)
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTimeline } from "../src/local/events.js";
import { median } from "./stats.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const N = Number(process.env.BENCH_N ?? 5);
const NS = Number(process.env.BENCH_N_STANDARD ?? 3);
if (!existsSync(join(repo, "dist", "cli.js")))
  spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: repo, stdio: "inherit" });

const root = mkdtempSync(join(tmpdir(), "local-start-bench-"));
const skip = new Set([".sparklane", "output", ".venv", "__pycache__", "spark-warehouse"]);
const filter = (src: string): boolean => !skip.has(basename(src));
cpSync(join(repo, "examples", "visits-etl"), join(root, "examples", "visits-etl"), {
  recursive: true,
  filter,
});
cpSync(join(repo, "python", "sparklane-etl"), join(root, "python", "sparklane-etl"), {
  recursive: true,
  filter,
});
const project = join(root, "examples", "visits-etl");
const env = { ...process.env, SPARKLANE_CACHE_DIR: join(root, "cache") };
const trigger = join(project, "triggers", "visits-daily.json");

interface Sample {
  ttfj: number;
  total: number;
}

function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<{ t0: number; t1: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const t1 = Date.now();
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${stderr.slice(-3000)}`));
      else resolve({ t0, t1, stdout, stderr });
    });
  });
}

interface Report {
  runDir: string;
  eventLog: string[];
  runtime: { cache: string };
  phases: Record<string, number>;
}

async function sparklane(variant: "pre-baked" | "standard"): Promise<Sample & { report: Report }> {
  const r = await run(
    process.execPath,
    [
      join(repo, "bin", "sparklane.js"),
      "run",
      "--local",
      "--project",
      project,
      "--conf",
      trigger,
      "--variant",
      variant,
      "--output",
      "json",
    ],
    { env },
  );
  const report = JSON.parse(r.stdout) as Report;
  const first = readTimeline(join(report.runDir, "events")).timeline?.firstJobStart;
  if (first === undefined) throw new Error(`no Spark job in ${report.runDir}`);
  return { ttfj: first - r.t0, total: r.t1 - r.t0, report };
}

let bareCount = 0;
async function bare(command: {
  cwd: string;
  env: Record<string, string>;
  command: string[];
}): Promise<Sample> {
  // Same command, with its own event log folder so its first job can be timed the same way.
  const events = join(root, "bare", String(bareCount++));
  mkdirSync(events, { recursive: true });
  const args = command.command
    .slice(1)
    .map((a) => (a.startsWith("spark.eventLog.dir=") ? `spark.eventLog.dir=file://${events}` : a));
  const r = await run(command.command[0], args, { cwd: command.cwd, env: { ...env, ...command.env } });
  const first = readTimeline(events).timeline?.firstJobStart;
  if (first === undefined) throw new Error(`no Spark job in ${events}`);
  return { ttfj: first - r.t0, total: r.t1 - r.t0 };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

try {
  console.log(`local-start: ${N} interleaved pairs, ${NS} standard runs; example project copied to ${root}`);
  const cold = await sparklane("pre-baked");
  console.log(
    `cold pre-baked run (runtime cache ${cold.report.runtime.cache}): runtime build ${s(cold.report.phases.runtime)}, first job at ${s(cold.ttfj)}, total ${s(cold.total)}`,
  );
  const command = JSON.parse(readFileSync(join(cold.report.runDir, "command.json"), "utf8")) as {
    cwd: string;
    env: Record<string, string>;
    command: string[];
  };
  await bare(command); // warm-up of the bare path (page cache, JIT of nothing: same JVM start)

  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < N; i++) {
    const order = i % 2 === 0 ? ["A", "B"] : ["B", "A"];
    for (const which of order) {
      if (which === "A") {
        const r = await sparklane("pre-baked");
        if (r.report.runtime.cache !== "hit")
          throw new Error(`expected a runtime cache hit, got ${r.report.runtime.cache}`);
        a.push(r);
      } else b.push(await bare(command));
    }
    console.log(
      `  pair ${i + 1}: sparklane first job ${s(a.at(-1)!.ttfj)} total ${s(a.at(-1)!.total)} | bare spark-submit first job ${s(b.at(-1)!.ttfj)} total ${s(b.at(-1)!.total)}`,
    );
  }
  const std: Sample[] = [];
  const pre: Sample[] = [];
  for (let i = 0; i < NS; i++) {
    std.push(await sparklane("standard"));
    pre.push(await sparklane("pre-baked"));
    console.log(
      `  standard ${i + 1}: first job ${s(std.at(-1)!.ttfj)} | pre-baked first job ${s(pre.at(-1)!.ttfj)}`,
    );
  }

  const m = (xs: Sample[], k: keyof Sample): number => median(xs.map((x) => x[k]));
  console.log("");
  console.log(
    `time to first job   sparklane (pre-baked, warm) ${s(m(a, "ttfj"))}   bare spark-submit ${s(m(b, "ttfj"))}   ratio ${(m(a, "ttfj") / m(b, "ttfj")).toFixed(3)} (target <= 1.05)`,
  );
  console.log(
    `total wall time     sparklane (pre-baked, warm) ${s(m(a, "total"))}   bare spark-submit ${s(m(b, "total"))}   ratio ${(m(a, "total") / m(b, "total")).toFixed(3)} (target <= 1.05)`,
  );
  // The same comparison pair by pair: each pair ran back to back, so this one cancels slow drifts in load.
  const pr = (k: keyof Sample): string => median(a.map((x, i) => x[k] / b[i][k])).toFixed(3);
  console.log(`median of per-pair ratios: time to first job ${pr("ttfj")}, total wall time ${pr("total")}`);
  console.log(
    `standard vs pre-baked, time to first job: ${s(m(std, "ttfj"))} vs ${s(m(pre, "ttfj"))}   ratio ${(m(std, "ttfj") / m(pre, "ttfj")).toFixed(2)}`,
  );
  console.log(`pre-baked runtime build (once per fingerprint): ${s(cold.report.phases.runtime)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
