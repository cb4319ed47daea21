import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { Parser, type ReadEntry } from "tar";
import { packageProject } from "../../src/artifact/package.js";
import { dependencyFingerprint } from "../../src/artifact/fingerprint.js";
import { runCli } from "../helpers/cli.js";
import { copyFixture, fixtureProject, tempDir } from "./helpers.js";

function listArchive(
  buf: Buffer,
): Promise<{ path: string; type: string; mode: number; mtime?: Date; uid?: number }[]> {
  return new Promise((resolve, reject) => {
    const out: { path: string; type: string; mode: number; mtime?: Date; uid?: number }[] = [];
    const p = new Parser({
      onReadEntry: (e: ReadEntry) => {
        out.push({ path: e.path, type: e.type, mode: e.mode ?? 0, mtime: e.mtime, uid: e.uid });
        e.resume();
      },
    });
    p.on("error", reject);
    p.on("end", () => resolve(out));
    p.end(buf);
  });
}

test("package: same bytes from the same inputs, wherever and whenever the project sits", (t) => {
  const a = packageProject({ projectDir: fixtureProject, version: "1.0.0" });
  const copy = copyFixture(join(tempDir(t), "elsewhere"));
  // Different mtimes and an odd umask-like mode on a copy must not change the bytes.
  utimesSync(join(copy, "uv.lock"), new Date(2030, 1, 1), new Date(2030, 1, 1));
  chmodSync(join(copy, "common", "__init__.py"), 0o600);
  const b = packageProject({ projectDir: copy, version: "1.0.0" });
  assert.ok(a.archive.equals(b.archive), "archives differ");
  assert.equal(a.manifest.archive.sha256, b.manifest.archive.sha256);
  const c = packageProject({ projectDir: copy, version: "1.0.1" });
  assert.ok(!a.archive.equals(c.archive), "the version is part of the content");
});

test("package: only code, configs, pyproject.toml and uv.lock; no venvs, data, caches or triggers", async (t) => {
  const dir = copyFixture(join(tempDir(t), "p"));
  for (const d of [
    ".venv/bin",
    "visits_distinct/__pycache__",
    ".git",
    "data",
    "visits_distinct/data",
    "node_modules/x",
    "notes",
    "scripts",
    "tests",
  ]) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, ".venv/bin/python"), "x");
  writeFileSync(join(dir, "visits_distinct/__pycache__/m.cpython-311.pyc"), "x");
  writeFileSync(join(dir, "visits_distinct/stale.pyc"), "x");
  writeFileSync(join(dir, "visits_distinct/data/sample.csv"), "a,b");
  writeFileSync(join(dir, ".git/HEAD"), "x");
  writeFileSync(join(dir, "notes/todo.txt"), "not a module: no python inside");
  // Developer helpers and tests hold Python but are not modules (the example's scripts/ once was one).
  writeFileSync(join(dir, "scripts/generate_sample_data.py"), "print(1)\n");
  writeFileSync(join(dir, "tests/test_visits.py"), "def test(): pass\n");
  writeFileSync(join(dir, "README.md"), "root files other than the runtime ones stay out");
  writeFileSync(join(dir, "visits_distinct/run.sh"), "#!/bin/sh\n");
  chmodSync(join(dir, "visits_distinct/run.sh"), 0o755);
  const r = packageProject({ projectDir: dir, version: "2.0.0" });
  assert.deepEqual(r.files, [
    "common/__init__.py",
    "pyproject.toml",
    "uv.lock",
    "visits_distinct/config/dev-daily.yaml",
    "visits_distinct/run.sh",
    "visits_distinct/visits_distinct_daily.py",
  ]);
  assert.deepEqual(r.manifest.modules, ["common", "visits_distinct"]);
  const entries = await listArchive(r.archive);
  assert.deepEqual(
    entries.map((e) => `${e.type}:${e.path}:${e.mode.toString(8)}`),
    [
      "Directory:common/:755",
      "File:common/__init__.py:644",
      "File:pyproject.toml:644",
      "File:uv.lock:644",
      "Directory:visits_distinct/:755",
      "Directory:visits_distinct/config/:755",
      "File:visits_distinct/config/dev-daily.yaml:644",
      "File:visits_distinct/run.sh:755",
      "File:visits_distinct/visits_distinct_daily.py:644",
      "File:manifest.json:644",
    ],
  );
  assert.ok(entries.every((e) => e.uid === 0 && e.mtime?.getTime() === 0));
});

test("package: the embedded manifest holds version, a sha256 per file and the dependency fingerprint", async () => {
  const r = packageProject({ projectDir: fixtureProject, version: "1.0.0" });
  const embedded = await new Promise<string>((resolve) => {
    const p = new Parser({
      filter: (path: string) => path === "manifest.json",
      onReadEntry: (e: ReadEntry) => {
        const chunks: Buffer[] = [];
        e.on("data", (c: Buffer) => chunks.push(c));
        e.on("end", () => resolve(Buffer.concat(chunks).toString()));
      },
    });
    p.end(r.archive);
  });
  const m = JSON.parse(embedded);
  assert.equal(m.version, "1.0.0");
  assert.equal(m.project, "tiny-etl");
  assert.equal(m.files["uv.lock"].sha256, r.manifest.files["uv.lock"]!.sha256);
  assert.equal(Object.keys(m.files).length, 5);
  assert.equal(
    m.fingerprint,
    dependencyFingerprint({
      uvLock: readFileSync(join(fixtureProject, "uv.lock")),
      pyproject: readFileSync(join(fixtureProject, "pyproject.toml")),
      jarCoordinates: [],
    }),
  );
  assert.equal(m.archive, undefined, "the archive digest cannot be inside the archive");
});

test("dependencyFingerprint: JAR order does not matter, every input does", () => {
  const base = { uvLock: "a", pyproject: "b", jarCoordinates: ["x:y:1", "p:q:2"] };
  assert.equal(
    dependencyFingerprint(base),
    dependencyFingerprint({ ...base, jarCoordinates: ["p:q:2", "x:y:1", "x:y:1"] }),
  );
  assert.notEqual(dependencyFingerprint(base), dependencyFingerprint({ ...base, uvLock: "a2" }));
  assert.notEqual(dependencyFingerprint(base), dependencyFingerprint({ ...base, pyproject: "b2" }));
  assert.notEqual(dependencyFingerprint(base), dependencyFingerprint({ ...base, jarCoordinates: ["x:y:1"] }));
  assert.notEqual(dependencyFingerprint(base), dependencyFingerprint({ ...base, python: "3.11" }));
});

test("sparklane package: writes the archive and manifest; bad input is exit 2 naming the problem", async (t) => {
  const tmp = tempDir(t);
  const out = join(tmp, "out", "a.tar.gz");
  const ok = await runCli([
    "package",
    "--project",
    fixtureProject,
    "--version",
    "1.0.0",
    "--out",
    out,
    "--output",
    "json",
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const info = JSON.parse(ok.stdout);
  assert.equal(info.files, 5);
  assert.deepEqual(
    readFileSync(out),
    packageProject({ projectDir: fixtureProject, version: "1.0.0" }).archive,
  );
  assert.equal(
    JSON.parse(readFileSync(join(tmp, "out", "a.manifest.json"), "utf8")).archive.sha256,
    info.archive_sha256,
  );

  const badVersion = await runCli([
    "package",
    "--project",
    fixtureProject,
    "--version",
    "../1",
    "--out",
    out,
  ]);
  assert.equal(badVersion.code, 2);
  assert.match(badVersion.stderr, /--version: expected a version/);

  const linked = copyFixture(join(tmp, "linked"));
  symlinkSync("/etc/passwd", join(linked, "visits_distinct", "passwd"));
  const link = await runCli([
    "package",
    "--project",
    linked,
    "--version",
    "1.0.0",
    "--out",
    join(tmp, "l.tar.gz"),
  ]);
  assert.equal(link.code, 2);
  assert.match(link.stderr, /visits_distinct\/passwd: is a symbolic link/);
  assert.doesNotMatch(link.stderr, /at .*\.js/, "no stack trace");

  const nolock = copyFixture(join(tmp, "nolock"));
  const { rmSync } = await import("node:fs");
  rmSync(join(nolock, "uv.lock"));
  const missing = await runCli([
    "package",
    "--project",
    nolock,
    "--version",
    "1.0.0",
    "--out",
    join(tmp, "n.tar.gz"),
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /uv\.lock: missing/);
  assert.match(missing.stderr, /uv lock/);
});

test("package: path dependencies outside the project travel under _vendor/, and uv.lock/pyproject.toml follow", async (t) => {
  const root = tempDir(t);
  const lib = join(root, "libs", "helper");
  mkdirSync(join(lib, "src", "helper"), { recursive: true });
  mkdirSync(join(lib, "tests"), { recursive: true });
  writeFileSync(join(lib, "pyproject.toml"), '[project]\nname = "helper"\nversion = "0.1.0"\n');
  writeFileSync(join(lib, "src", "helper", "__init__.py"), "X = 1\n");
  writeFileSync(join(lib, "tests", "test_x.py"), "def test(): pass\n");
  const proj = copyFixture(join(root, "proj"));
  writeFileSync(
    join(proj, "pyproject.toml"),
    readFileSync(join(proj, "pyproject.toml"), "utf8").replace(
      "dependencies = []",
      'dependencies = ["helper"]',
    ) + '\n[tool.uv.sources]\nhelper = { path = "../libs/helper" }\n',
  );
  writeFileSync(
    join(proj, "uv.lock"),
    readFileSync(join(proj, "uv.lock"), "utf8") +
      '\n[[package]]\nname = "helper"\nversion = "0.1.0"\nsource = { directory = "../libs/helper" }\n',
  );
  const r = packageProject({ projectDir: proj, version: "1.0.0" });
  assert.deepEqual(r.vendored, [{ from: "../libs/helper", to: "_vendor/helper" }]);
  assert.ok(r.files.includes("_vendor/helper/src/helper/__init__.py"));
  assert.ok(r.files.includes("_vendor/helper/pyproject.toml"));
  assert.ok(!r.files.some((f) => f.includes("tests/")), "the library's tests stay out");
  assert.deepEqual(r.manifest.modules, ["common", "visits_distinct"], "vendored code is not a module");
  const entries = await listArchive(r.archive);
  assert.ok(entries.some((e) => e.path === "_vendor/helper/src/helper/__init__.py"));
  const out = join(root, "a.tar.gz");
  const { writePackage } = await import("../../src/artifact/package.js");
  await writePackage(r, out);
  const { spawnSync } = await import("node:child_process");
  const lock = spawnSync("tar", ["xzf", out, "-O", "uv.lock"], { encoding: "utf8" }).stdout;
  assert.match(lock, /source = \{ directory = "_vendor\/helper" \}/);
  assert.doesNotMatch(lock, /\.\.\/libs/);
  const pyproject = spawnSync("tar", ["xzf", out, "-O", "pyproject.toml"], { encoding: "utf8" }).stdout;
  assert.match(pyproject, /helper = \{ path = "_vendor\/helper" \}/);
  // The fingerprint is over the files as shipped, so the baked venv and the code agree on it.
  assert.equal(
    r.manifest.fingerprint,
    dependencyFingerprint({ uvLock: lock, pyproject, jarCoordinates: [] }),
  );

  writeFileSync(
    join(proj, "uv.lock"),
    readFileSync(join(proj, "uv.lock"), "utf8").replace("../libs/helper", "../libs/gone"),
  );
  assert.throws(
    () => packageProject({ projectDir: proj, version: "1.0.0" }),
    /path source '\.\.\/libs\/gone' does not exist/,
  );
});

test("package warns about registry packages that uv.lock holds no hash for", async (t) => {
  const { unhashedRegistryPackages } = await import("../../src/artifact/package.js");
  const lock = [
    'version = 1\n\n[[package]]\nname = "good"\nversion = "1.0"\nsource = { registry = "https://idx/simple" }',
    'wheels = [\n    { url = "https://idx/good.whl", hash = "sha256:00", size = 1 },\n]\n',
    '[[package]]\nname = "bare"\nversion = "2.0"\nsource = { registry = "https://idx/simple" }',
    'wheels = [\n    { url = "https://idx/bare.whl", size = 1 },\n]\n',
    '[[package]]\nname = "local"\nversion = "0.1"\nsource = { directory = "../x" }\n',
    "[package.metadata]\nrequires-dist = []\n",
  ].join("\n");
  assert.deepEqual(unhashedRegistryPackages(lock), ["bare 2.0"]);
  const dir = copyFixture(join(tempDir(t), "p"));
  writeFileSync(
    join(dir, "uv.lock"),
    readFileSync(join(dir, "uv.lock"), "utf8") +
      "\n" +
      lock.slice(lock.indexOf("[[package]]"), lock.indexOf('[[package]]\nname = "local"')),
  );
  const r = packageProject({ projectDir: dir, version: "1.0.0" });
  assert.deepEqual(r.warnings, [
    "uv.lock: bare 2.0 comes from a registry but has no sha256; uv installs it unverified",
  ]);
  assert.deepEqual(packageProject({ projectDir: fixtureProject, version: "1.0.0" }).warnings, []);
});
