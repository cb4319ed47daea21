// The Dockerfiles cannot be built here (no Docker engine). What can be checked is checked: every COPY
// source exists in its build context, and every sparklane/uv command they RUN works, run here with the
// same arguments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { repoRoot, runCli } from "../helpers/cli.js";
import { fixtureProject, tempDir } from "../artifact/helpers.js";

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(path: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = "";
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trimEnd();
    if (!buf && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    if (buf && line.trim().startsWith("#")) continue;
    buf += (buf ? " " : "") + line.replace(/\\$/, "").trim();
    if (!line.endsWith("\\")) {
      const m = /^(\w+)\s+(.*)$/.exec(buf)!;
      out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
      buf = "";
    }
  }
  return out;
}

/** Sources of COPY instructions that read the build context (not `--from=` another stage or image). */
function copySources(ins: readonly Instruction[]): string[] {
  return ins
    .filter((i) => i.op === "COPY" && !/--from=/.test(i.args))
    .flatMap((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      return parts.slice(0, -1);
    });
}

/** `sparklane ...` and `uv ...` commands inside RUN lines, split on && and ;. */
function toolCommands(ins: readonly Instruction[]): string[] {
  return ins
    .filter((i) => i.op === "RUN")
    .flatMap((i) => i.args.split(/&&|;/).map((c) => c.trim()))
    .filter((c) => /^(sparklane|uv)\s/.test(c));
}

/** Shell-style words, honouring double quotes, with ${VAR} substituted. */
function words(cmd: string, vars: Record<string, string>): string[] {
  const expanded = cmd.replace(/\$\{(\w+)\}/g, (_, k: string) => {
    assert.ok(k in vars, `unknown variable ${k} in ${cmd}`);
    return vars[k]!;
  });
  return [...expanded.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const base = join(repoRoot, "images", "base", "Dockerfile");
const preBaked = join(repoRoot, "images", "pre-baked", "Dockerfile");

test("base image: every COPY source exists in the repository (after npm run build)", () => {
  const sources = copySources(parseDockerfile(base));
  assert.deepEqual(sources, ["package.json", "package-lock.json", "bin/", "dist/", "templates/"]);
  for (const s of sources) assert.ok(existsSync(join(repoRoot, s)), `${s} missing from the build context`);
  assert.ok(existsSync(join(repoRoot, "dist", "cli.js")), "dist/ holds the built CLI");
  assert.ok(existsSync(join(repoRoot, "bin", "sparklane.js")));
});

test("base image: the commands it runs work here (sparklane --version, uv --version)", async () => {
  const cmds = toolCommands(parseDockerfile(base));
  assert.deepEqual(cmds, ["sparklane --version", "uv --version"]);
  const v = await runCli(["--version"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const uv = spawnSync("uv", ["--version"], { encoding: "utf8" });
  assert.equal(uv.status, 0);
  // The version pinned in the image is the one the tests (and .ci/requirements.txt) use.
  const pinned = /ARG UV_VERSION=(\S+)/.exec(readFileSync(base, "utf8"))![1];
  assert.match(uv.stdout, new RegExp(`uv ${pinned!.replace(/\./g, "\\.")}`));
  assert.match(
    readFileSync(join(repoRoot, ".ci", "requirements.txt"), "utf8"),
    new RegExp(`uv==${pinned!.replace(/\./g, "\\.")}`),
  );
});

test("base image keeps Spark's entrypoint: no ENTRYPOINT or CMD of its own", () => {
  const ops = parseDockerfile(base).map((i) => i.op);
  assert.ok(!ops.includes("ENTRYPOINT") && !ops.includes("CMD"));
});

test("pre-baked image: COPY sources exist in a context made by `sparklane publish`, and its bootstrap --mode venv works", async (t) => {
  const ctx = tempDir(t);
  const pub = await runCli([
    "publish",
    "--project",
    fixtureProject,
    "--version",
    "1.0.0",
    "--store",
    `file://${join(ctx, "store")}`,
  ]);
  assert.equal(pub.code, 0, pub.stderr);
  const ins = parseDockerfile(preBaked);
  for (const s of copySources(ins))
    assert.ok(existsSync(join(ctx, s)), `${s} missing from the pre-baked build context`);

  const cmds = toolCommands(ins);
  assert.equal(cmds.length, 1);
  const app = join(ctx, "app");
  // The image's paths, mapped into the temp context.
  const argv = words(cmds[0]!, { ETL_PROJECT_NAME: "tiny-etl", ETL_VERSION: "1.0.0" }).map((w) =>
    w === "file:///tmp/sparklane-store" ? `file://${join(ctx, "store")}` : w === "/app" ? app : w,
  );
  assert.deepEqual(argv.slice(0, 4), ["sparklane", "bootstrap", "--mode", "venv"]);
  const r = await runCli(argv.slice(1));
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(ctx, "store", "tiny-etl", "1.0.0", "manifest.json"), "utf8"));
  assert.equal(
    readFileSync(join(app, ".venv", ".sparklane-fingerprint"), "utf8").trim(),
    manifest.fingerprint,
  );
  assert.ok(existsSync(join(app, ".venv", "bin", "python3")));
  // Then a pod on that image, in code-only mode, finds no staleness.
  const pod = await runCli([
    "bootstrap",
    "--mode",
    "code-only",
    "--store",
    `file://${join(ctx, "store")}`,
    "--project-name",
    "tiny-etl",
    "--version",
    "1.0.0",
    "--app-dir",
    app,
    "--strict",
  ]);
  assert.equal(pod.code, 0, pod.stderr);
  assert.ok(existsSync(join(app, "etl", "visits_distinct", "visits_distinct_daily.py")));
});

test("pre-baked image: labelled with the fingerprint, and pods default to code-only", () => {
  const ins = parseDockerfile(preBaked);
  assert.ok(
    ins.some((i) => i.op === "LABEL" && /io\.sparklane\.fingerprint="\$\{FINGERPRINT\}"/.test(i.args)),
  );
  assert.ok(ins.some((i) => i.op === "ENV" && /BOOTSTRAP_MODE=code-only/.test(i.args)));
});

test("built-in templates' init containers call `sparklane bootstrap` with env vars the command reads", async () => {
  const help = await runCli(["bootstrap", "--help"]);
  assert.equal(help.code, 0);
  const readable = new Set([...help.stdout.matchAll(/env:\s+(\w+)/g)].map((m) => m[1]!));
  for (const v of [
    "ETL_VERSION",
    "ARTIFACT_STORE",
    "S3_BUCKET",
    "ETL_PROJECT_NAME",
    "MODULE_NAME",
    "BOOTSTRAP_MODE",
    "APP_DIR",
  ]) {
    assert.ok(readable.has(v), `bootstrap does not read ${v}`);
  }
  for (const f of ["generic-spark-app.yaml", "generic-spark-app-pre-baked.yaml"]) {
    const text = readFileSync(join(repoRoot, "templates", "sparkapps", f), "utf8");
    const blocks = text.split(/- name: setup-etl/).slice(1);
    assert.ok(blocks.length >= 2, `${f}: driver and executor init containers`);
    for (const b of blocks) {
      assert.match(b, /command: \["sparklane", "bootstrap"\]/);
      const envBlock = b.split(/volumeMounts:/)[0]!;
      for (const m of envBlock.matchAll(/- name: (\w+)/g))
        assert.ok(readable.has(m[1]!), `${f}: ${m[1]} is not read by bootstrap`);
    }
  }
});
