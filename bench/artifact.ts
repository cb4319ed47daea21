// bench/artifact: packaging and bootstrap on the example project (examples/visits-etl; the test fixture
// when the example is absent). Prints medians and ratios against baselines measured in the same run:
//   package            sparklane package (library)      vs  GNU `tar czf` of the same files
//   bootstrap full     `sparklane bootstrap` (CLI)      vs  `tar xzf` + `uv sync --frozen --no-dev` (the seed's init.sh)
//   bootstrap code-only                                 vs  `tar xzf`
// uv's cache cold = a fresh UV_CACHE_DIR (packages are downloaded), warm = the same cache again.
// Run: npm run bench -- artifact   (BENCH_RUNS=5 by default; BENCH_COLD=0 skips the cold-cache runs)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageProject } from "../src/artifact/package.js";
import { median } from "./stats.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const example = join(root, "examples", "visits-etl");
const projectDir = existsSync(join(example, "uv.lock"))
  ? example
  : join(root, "test", "artifact", "fixtures", "tiny-etl");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const cold = process.env.BENCH_COLD !== "0";
const work = mkdtempSync(join(tmpdir(), "sparklane-bench-"));
const bin = join(root, "bin", "sparklane.js");

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr?.toString().slice(-2000)}`);
  return ms;
}
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

try {
  console.log(`project: ${projectDir.replace(root, "")}   runs: ${runs}`);

  // Package: library time vs tar czf of the same files (a copy laid out as in the artifact).
  const first = packageProject({ projectDir, version: "1.0.0" });
  const layout = join(work, "layout");
  const tarOut = join(work, "baseline.tar.gz");
  mkdirSync(layout);
  {
    const { extractArchive } = await import("../src/bootstrap/extract.js");
    await extractArchive(first.archive, first.manifest, layout, "bench");
  }
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    packageProject({ projectDir, version: "1.0.0" });
    ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    theirs.push(timed("tar", ["czf", tarOut, "-C", layout, "."]));
  }
  console.log(
    `package            ${fmt(median(ours))}  size ${first.archive.length} bytes, ${first.files.length} files` +
      `   | tar czf ${fmt(median(theirs))}, ${statSync(tarOut).size} bytes   ratio ${(median(ours) / median(theirs)).toFixed(2)}`,
  );

  // Publish once to a file store; every bootstrap below reads it.
  const store = `file://${join(work, "store")}`;
  timed(process.execPath, [bin, "publish", "--project", projectDir, "--version", "1.0.0", "--store", store]);
  const archive = join(work, "store", first.manifest.project, "1.0.0", "artifact.tar.gz");
  const boot = (app: string, mode: string, env: NodeJS.ProcessEnv): number =>
    timed(
      process.execPath,
      [
        bin,
        "bootstrap",
        "--store",
        store,
        "--project-name",
        first.manifest.project,
        "--version",
        "1.0.0",
        "--mode",
        mode,
        "--app-dir",
        app,
      ],
      env,
    );
  const seed = (app: string, env: NodeJS.ProcessEnv, sync: boolean): number => {
    mkdirSync(app, { recursive: true });
    const t0 = process.hrtime.bigint();
    timed("tar", ["xzf", archive, "-C", app]);
    if (sync)
      timed("uv", ["sync", "--frozen", "--no-dev", "--project", app], {
        ...env,
        UV_PROJECT_ENVIRONMENT: join(app, ".venv"),
      });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  let n = 0;
  const fresh = (): string => join(work, `app-${n++}`);

  const cache = join(work, "uv-cache");
  if (cold) {
    const coldOurs: number[] = [];
    const coldSeed: number[] = [];
    for (let i = 0; i < Math.min(runs, 2); i++) {
      rmSync(cache, { recursive: true, force: true });
      coldOurs.push(boot(fresh(), "full", { UV_CACHE_DIR: cache }));
      rmSync(cache, { recursive: true, force: true });
      coldSeed.push(seed(fresh(), { UV_CACHE_DIR: cache }, true));
    }
    console.log(
      `bootstrap full     cold cache  ${fmt(median(coldOurs))}   | tar xzf + uv sync ${fmt(median(coldSeed))}   ratio ${(median(coldOurs) / median(coldSeed)).toFixed(2)}`,
    );
  } else {
    boot(fresh(), "full", { UV_CACHE_DIR: cache });
  }
  for (const link of ["hardlink", "copy"] as const) {
    const env = { UV_CACHE_DIR: cache, UV_LINK_MODE: link };
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      a.push(boot(fresh(), "full", env));
      b.push(seed(fresh(), env, true));
    }
    console.log(
      `bootstrap full     warm cache (${link.padEnd(8)}) ${fmt(median(a))}   | tar xzf + uv sync ${fmt(median(b))}   ratio ${(median(a) / median(b)).toFixed(2)}`,
    );
  }

  // Code-only: the venv is baked once (as the pre-baked image build does), then only code is fetched.
  const baked = join(work, "baked");
  boot(baked, "venv", { UV_CACHE_DIR: cache });
  for (const [label, env] of [
    ["warm cache", { UV_CACHE_DIR: cache }],
    ["cold cache", { UV_CACHE_DIR: join(work, "empty-cache") }],
  ] as const) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      rmSync(join(baked, "etl"), { recursive: true, force: true });
      a.push(boot(baked, "code-only", env));
      b.push(seed(fresh(), env, false));
    }
    console.log(
      `bootstrap code-only ${label}  ${fmt(median(a))}   | tar xzf ${fmt(median(b))}   ratio ${(median(a) / median(b)).toFixed(2)}   (target: well under 1 s)`,
    );
  }
  // Idempotent rerun: the init container restarted in the same pod.
  const again: number[] = [];
  for (let i = 0; i < runs; i++) again.push(boot(baked, "code-only", { UV_CACHE_DIR: cache }));
  console.log(`bootstrap rerun (same version, nothing to do) ${fmt(median(again))}`);
  writeFileSync(join(work, "done"), "");
} finally {
  rmSync(work, { recursive: true, force: true });
}
