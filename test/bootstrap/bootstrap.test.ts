import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { binPath, repoRoot, runCli, type CliResult } from "../helpers/cli.js";
import { MOTO_ENV, MotoServer } from "../helpers/moto.js";
import { copyFixture, fixtureProject, tempDir } from "../artifact/helpers.js";

const moto = new MotoServer();
before(async () => {
  Object.assign(process.env, MOTO_ENV);
  await moto.start();
  await moto.createBucket("etl-code");
});
after(() => moto.stop());

const publish = (
  project: string,
  version: string,
  store: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> =>
  runCli(["publish", "--project", project, "--version", version, "--store", store, ...extra], { env });

/** Non-hidden names: what Spark and the job see in the folder. */
const visible = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => !n.startsWith("."))
        .sort()
    : [];

function python(app: string, code: string, cwd = app): string {
  const r = spawnSync(join(app, ".venv", "bin", "python3"), ["-c", code], { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("full mode from S3_BUCKET and the seed's env vars: code at APP_DIR, venv from uv.lock, per-step timings", async (t) => {
  const root = tempDir(t);
  const bucketEnv = moto.env();
  assert.equal((await publish(fixtureProject, "1.0.0", "s3://etl-code", ["--latest"], bucketEnv)).code, 0);
  const app = join(root, "app");
  const env = {
    ...bucketEnv,
    S3_BUCKET: "etl-code",
    ETL_PROJECT_NAME: "tiny-etl",
    MODULE_NAME: "visits_distinct",
    APP_DIR: app,
    ETL_VERSION: "latest",
  };
  const r = await runCli(["bootstrap"], { env });
  assert.equal(r.code, 0, r.stderr);
  for (const step of ["resolve", "download\\+verify", "extract", "uv sync", "activate"]) {
    assert.match(r.stdout, new RegExp(`bootstrap: ${step}\\s+\\d+ ms`), `no timing for ${step}`);
  }
  assert.match(r.stdout, /resolve .*tiny-etl latest = 1\.0\.0/);
  assert.match(r.stdout, /done: tiny-etl 1\.0\.0 \(full\)/);
  assert.deepEqual(visible(app), ["common", "manifest.json", "pyproject.toml", "uv.lock", "visits_distinct"]);
  // The layout the standard template expects: local:///app/<module>/<script> run by /app/.venv/bin/python3.
  const out = spawnSync(
    join(app, ".venv/bin/python3"),
    [join(app, "visits_distinct/visits_distinct_daily.py"), "--config", "x"],
    { encoding: "utf8" },
  );
  assert.equal(out.stdout.trim(), "visits_distinct_daily ['--config', 'x']");
  assert.equal(python(app, "import sys; print(sys.prefix)"), join(app, ".venv"));
});

test("a second bootstrap of the same version does nothing: no store access, no uv, same files", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  assert.equal((await publish(fixtureProject, "1.0.0", store, ["--latest"])).code, 0);
  const app = join(root, "app");
  const args = ["bootstrap", "--store", store, "--project-name", "tiny-etl", "--app-dir", app];
  assert.equal((await runCli([...args, "--version", "1.0.0"])).code, 0);
  const release = readlinkSync(join(app, ".sparklane", "current"));
  const mtime = statSync(
    join(app, ".sparklane", release, "visits_distinct", "visits_distinct_daily.py"),
  ).mtimeMs;
  // A named version already in place needs no store at all: even an unreachable one is fine.
  const again = await runCli([
    "bootstrap",
    "--store",
    `file://${join(root, "gone")}`,
    "--project-name",
    "tiny-etl",
    "--app-dir",
    app,
    "--version",
    "1.0.0",
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do: tiny-etl 1\.0\.0/);
  assert.doesNotMatch(again.stdout, /uv sync|extract/);
  // `latest` asks the store where it points, then finds it already in place.
  const latest = await runCli(args);
  assert.equal(latest.code, 0, latest.stderr);
  assert.match(latest.stdout, /nothing to do/);
  assert.equal(readlinkSync(join(app, ".sparklane", "current")), release);
  assert.equal(
    statSync(join(app, ".sparklane", release, "visits_distinct", "visits_distinct_daily.py")).mtimeMs,
    mtime,
  );
});

test("a new version replaces the old one whole: links follow, old release is removed", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  const v2 = copyFixture(join(root, "v2"));
  writeFileSync(join(v2, "visits_distinct", "visits_distinct_daily.py"), 'print("v2")\n');
  const { rmSync } = await import("node:fs");
  rmSync(join(v2, "common"), { recursive: true });
  assert.equal((await publish(fixtureProject, "1.0.0", store)).code, 0);
  assert.equal((await publish(v2, "2.0.0", store, ["--latest"])).code, 0);
  const app = join(root, "app");
  const args = ["bootstrap", "--store", store, "--project-name", "tiny-etl", "--app-dir", app];
  assert.equal((await runCli([...args, "--version", "1.0.0"])).code, 0);
  assert.ok(visible(app).includes("common"));
  const mtimes = (): [number, number] => [
    statSync(join(app, "uv.lock")).mtimeMs,
    statSync(join(app, "visits_distinct", "visits_distinct_daily.py")).mtimeMs,
  ];
  const [lock1, script1] = mtimes();
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /latest = 2\.0\.0/);
  assert.deepEqual(
    visible(app),
    ["manifest.json", "pyproject.toml", "uv.lock", "visits_distinct"],
    "the dropped module's link is gone",
  );
  assert.equal(
    readFileSync(join(app, "visits_distinct", "visits_distinct_daily.py"), "utf8"),
    'print("v2")\n',
  );
  assert.equal(readdirSync(join(app, ".sparklane", "releases")).length, 1);
  assert.equal(python(app, "print(1)"), "1");
  // File times follow content (uv's cache of path dependencies and .pyc files key on them).
  const [lock2, script2] = mtimes();
  assert.equal(lock2, lock1, "same content, same time");
  assert.notEqual(script2, script1, "new content, new time");
  assert.ok(lock1 >= Date.UTC(2000, 0, 1) && lock1 < Date.UTC(2021, 0, 1));
});

test("unknown version: exit 2 listing the nearest published versions; unknown module: exit 2 listing modules", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  for (const v of ["1.2.0", "1.2.1", "1.3.0", "2.0.0"])
    assert.equal((await publish(fixtureProject, v, store)).code, 0);
  const app = join(root, "app");
  const r = await runCli([
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--app-dir",
    app,
    "--version",
    "1.2.2",
  ]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /version 1\.2\.2 of tiny-etl is not published in file:.*; nearest: 1\.2\.0, 1\.2\.1, 1\.3\.0, 2\.0\.0/,
  );
  const noLatest = await runCli([
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--app-dir",
    app,
  ]);
  assert.equal(noLatest.code, 2);
  assert.match(
    noLatest.stderr,
    /no 'latest' pointer for project tiny-etl .*published versions: 1\.2\.0, 1\.2\.1, 1\.3\.0, 2\.0\.0/,
  );
  const m = await runCli([
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--app-dir",
    app,
    "--version",
    "1.2.0",
    "--module",
    "visits_unique",
  ]);
  assert.equal(m.code, 2);
  assert.match(
    m.stderr,
    /module visits_unique is not in tiny-etl 1\.2\.0; the artifact has: common, visits_distinct/,
  );
  const mode = await runCli([
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--app-dir",
    app,
    "--mode",
    "fast",
  ]);
  assert.equal(mode.code, 2);
  assert.match(mode.stderr, /BOOTSTRAP_MODE \/ --mode: expected one of full, code-only, venv, found 'fast'/);
  assert.ok(!existsSync(app));
});

test("pre-baked: --mode venv bakes the venv and fingerprint; code-only puts code at APP_DIR/etl and checks it", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  assert.equal((await publish(fixtureProject, "1.0.0", store, ["--latest"])).code, 0);
  const app = join(root, "app");
  const bake = await runCli([
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--app-dir",
    app,
    "--mode",
    "venv",
    "--version",
    "1.0.0",
  ]);
  assert.equal(bake.code, 0, bake.stderr);
  assert.deepEqual(readdirSync(app), [".venv"], "venv mode leaves only the venv");
  const fp = readFileSync(join(app, ".venv", ".sparklane-fingerprint"), "utf8").trim();
  assert.match(fp, /^sha256:[0-9a-f]{64}$/);

  const env = {
    ARTIFACT_STORE: store,
    ETL_PROJECT_NAME: "tiny-etl",
    APP_DIR: app,
    BOOTSTRAP_MODE: "code-only",
    MODULE_NAME: "visits_distinct",
  };
  const code = await runCli(["bootstrap"], { env });
  assert.equal(code.code, 0, code.stderr);
  assert.doesNotMatch(code.stderr, /WARNING/);
  assert.doesNotMatch(code.stdout, /uv sync/);
  assert.deepEqual(visible(join(app, "etl")), [
    "common",
    "manifest.json",
    "pyproject.toml",
    "uv.lock",
    "visits_distinct",
  ]);
  const out = spawnSync(
    join(app, ".venv/bin/python3"),
    [join(app, "etl/visits_distinct/visits_distinct_daily.py")],
    { encoding: "utf8" },
  );
  assert.equal(out.stdout.trim(), "visits_distinct_daily []");

  // New dependencies in the code, same old image: a loud warning, or a failure with --strict.
  const changed = copyFixture(join(root, "deps"));
  writeFileSync(
    join(changed, "pyproject.toml"),
    readFileSync(join(changed, "pyproject.toml"), "utf8").replace(
      "dependencies = []",
      'dependencies = []\nkeywords = ["changed"]',
    ),
  );
  assert.equal((await publish(changed, "2.0.0", store)).code, 0);
  const strict = await runCli(["bootstrap", "--version", "2.0.0", "--strict"], { env });
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /STALE IMAGE: the baked venv was built for dependencies sha256:/);
  assert.match(
    JSON.parse(readFileSync(join(app, "etl", ".sparklane", "state.json"), "utf8")).version,
    /^1\.0\.0$/,
    "strict failure changed nothing",
  );
  const loud = await runCli(["bootstrap", "--version", "2.0.0"], { env });
  assert.equal(loud.code, 0, loud.stderr);
  assert.match(loud.stderr, /!!! WARNING: STALE IMAGE/);
  assert.match(loud.stdout, /done: tiny-etl 2\.0\.0 \(code-only\)/);
});

/**
 * A `uv` that waits 5 s before running the real one, so that a kill sent when "extract" is printed always
 * lands during the uv step, however loaded the machine is. It forwards SIGTERM to its sleep and exits.
 */
function slowUv(dir: string): NodeJS.ProcessEnv {
  const real = spawnSync("sh", ["-c", "command -v uv"], { encoding: "utf8" }).stdout.trim();
  const wrapper = join(dir, "uv");
  writeFileSync(
    wrapper,
    `#!/bin/sh\ntrap 'kill $pid 2>/dev/null; exit 143' TERM INT\nsleep 5 & pid=$!\nwait $pid\nexec "${real}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return { PATH: `${dir}:${process.env.PATH ?? ""}` };
}

/** Every process under `pid` (children run in process groups of their own, as the shared runner starts them). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/**
 * Starts the CLI in its own process group. SIGKILL goes to the CLI and everything under it, as a container
 * kill would (uv runs in a group of its own, so the CLI's group alone is not the whole container).
 */
function startBootstrap(
  args: string[],
  killWhen: RegExp,
  signal: NodeJS.Signals,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, "bootstrap", ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!sent && killWhen.test(stdout)) {
        sent = true;
        if (signal === "SIGKILL") {
          const all = [child.pid!, ...descendants(child.pid!)];
          for (const p of all) {
            try {
              process.kill(p, "SIGKILL");
            } catch {
              // already gone
            }
          }
        } else process.kill(child.pid!, signal);
      }
    });
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (code, sig) => resolve({ code, signal: sig, stdout }));
  });
}

test("killed during uv sync: the previous complete version stays visible; the next run completes and sweeps", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  const v2 = copyFixture(join(root, "v2"));
  writeFileSync(join(v2, "visits_distinct", "visits_distinct_daily.py"), 'print("v2")\n');
  assert.equal((await publish(fixtureProject, "1.0.0", store)).code, 0);
  assert.equal((await publish(v2, "2.0.0", store)).code, 0);
  const app = join(root, "app");
  const args = ["--store", store, "--project-name", "tiny-etl", "--app-dir", app];
  assert.equal((await runCli(["bootstrap", ...args, "--version", "1.0.0"])).code, 0);
  const v1 = readFileSync(join(app, "visits_distinct", "visits_distinct_daily.py"), "utf8");

  const killed = await startBootstrap(
    [...args, "--version", "2.0.0"],
    /bootstrap: extract/,
    "SIGKILL",
    slowUv(root),
  );
  assert.equal(killed.signal, "SIGKILL");
  assert.doesNotMatch(killed.stdout, /activate/);
  assert.equal(
    readFileSync(join(app, "visits_distinct", "visits_distinct_daily.py"), "utf8"),
    v1,
    "previous version still in place",
  );
  assert.equal(JSON.parse(readFileSync(join(app, ".sparklane", "state.json"), "utf8")).version, "1.0.0");
  assert.equal(python(app, "print('venv ok')"), "venv ok");

  const rerun = await runCli(["bootstrap", ...args, "--version", "2.0.0"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal(
    readFileSync(join(app, "visits_distinct", "visits_distinct_daily.py"), "utf8"),
    'print("v2")\n',
  );
  assert.deepEqual(
    readdirSync(app).filter((n) => n.startsWith(".sparklane-staging")),
    [],
  );
  assert.equal(readdirSync(join(app, ".sparklane", "releases")).length, 1);
});

test("killed on a first install: nothing visible in APP_DIR; SIGTERM cleans up and exits 130", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  assert.equal((await publish(fixtureProject, "1.0.0", store)).code, 0);
  const app = join(root, "app");
  const args = ["--store", store, "--project-name", "tiny-etl", "--app-dir", app, "--version", "1.0.0"];
  const killed = await startBootstrap(args, /bootstrap: extract/, "SIGKILL", slowUv(root));
  assert.equal(killed.signal, "SIGKILL");
  assert.deepEqual(visible(app), [], "a half-done install is invisible");

  const termed = await startBootstrap(args, /bootstrap: extract/, "SIGTERM", slowUv(root));
  assert.equal(termed.code, 130);
  assert.ok(
    !existsSync(app) || readdirSync(app).length === 0,
    `left: ${existsSync(app) ? readdirSync(app).join(", ") : ""}`,
  );

  const ok = await runCli(["bootstrap", ...args]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(visible(app), ["common", "manifest.json", "pyproject.toml", "uv.lock", "visits_distinct"]);
});
