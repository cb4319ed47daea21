// Real malicious archives, published with a manifest that vouches for their digest (an attacker with write
// access to the store), must make the bootstrap exit 3 and leave nothing: not in APP_DIR, not outside it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TarEntry } from "../../src/artifact/tar.js";
import { runCli } from "../helpers/cli.js";
import { PYPROJECT, UVLOCK, fixtureProject, publishRaw, tempDir } from "../artifact/helpers.js";

const base = (): TarEntry[] => [
  { path: "pyproject.toml", type: "File", body: PYPROJECT },
  { path: "uv.lock", type: "File", body: UVLOCK },
  { path: "visits_distinct/", type: "Directory" },
  { path: "visits_distinct/job.py", type: "File", body: Buffer.from("print('job')\n") },
];

interface Case {
  name: string;
  entries: (root: string) => TarEntry[];
  reason: RegExp;
  /** Paths outside APP_DIR that must not appear. */
  outside?: (root: string) => string[];
}

const deep = Array.from({ length: 2000 }, () => "d").join("/");

const cases: Case[] = [
  {
    name: "../x",
    entries: () => [{ path: "visits_distinct/../../x", type: "File", body: Buffer.from("pwned") }, ...base()],
    reason: /parent-folder segment/,
    outside: (root) => [join(root, "x")],
  },
  {
    name: "/abs",
    entries: (root) => [{ path: join(root, "abs.txt"), type: "File", body: Buffer.from("pwned") }, ...base()],
    reason: /absolute path/,
    outside: (root) => [join(root, "abs.txt")],
  },
  {
    name: "symlink then a write through it",
    entries: (root) => [
      ...base(),
      { path: "visits_distinct/out", type: "SymbolicLink", linkpath: join(root, "outside") },
      { path: "visits_distinct/out/pwned", type: "File", body: Buffer.from("pwned") },
    ],
    reason: /SymbolicLink entries are refused/,
    outside: (root) => [join(root, "outside", "pwned")],
  },
  {
    name: "hardlink out, then a write to it",
    entries: (root) => [
      ...base(),
      { path: "visits_distinct/hl", type: "Link", linkpath: join(root, "victim.txt") },
      { path: "visits_distinct/hl", type: "File", body: Buffer.from("pwned") },
    ],
    reason: /Link entries are refused/,
  },
  {
    name: "FIFO",
    entries: () => [...base(), { path: "visits_distinct/fifo", type: "FIFO" }],
    reason: /FIFO entries are refused/,
  },
  {
    name: "character device",
    entries: () => [
      ...base(),
      { path: "visits_distinct/null", type: "CharacterDevice", devmaj: 1, devmin: 3 },
    ],
    reason: /CharacterDevice entries are refused/,
  },
  {
    name: "setuid bit",
    entries: () => [
      ...base(),
      { path: "visits_distinct/suid", type: "File", mode: 0o4755, body: Buffer.from("#!/bin/sh\n") },
    ],
    reason: /setuid\/setgid\/sticky mode 4755/,
  },
  {
    name: "2,000-deep path",
    entries: () => [...base(), { path: `${deep}/x`, type: "File", body: Buffer.from("x") }],
    reason: /path deeper than 64 folders \(2001\)/,
  },
  {
    name: "ß/ss collision",
    entries: () => [
      ...base(),
      { path: "visits_distinct/straße.py", type: "File", body: Buffer.from("a") },
      { path: "visits_distinct/strasse.py", type: "File", body: Buffer.from("b") },
    ],
    reason: /collides with 'visits_distinct\/straße\.py'/,
  },
  {
    name: "NFC/NFD collision",
    entries: () => [
      ...base(),
      { path: "visits_distinct/caf\u00e9.py", type: "File", body: Buffer.from("a") },
      { path: "visits_distinct/cafe\u0301.py", type: "File", body: Buffer.from("b") },
    ],
    reason: /collides with/,
  },
  {
    name: "C:\\x",
    entries: () => [...base(), { path: "C:\\x", type: "File", body: Buffer.from("x") }],
    reason: /drive-letter path|backslash/,
  },
  {
    name: "a name the bootstrap owns (.venv)",
    entries: () => [...base(), { path: ".venv/bin/python3", type: "File", body: Buffer.from("#!/bin/sh\n") }],
    reason: /'\.venv' is reserved/,
  },
];

function visible(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

for (const c of cases) {
  test(`unsafe archive refused, exit 3, nothing written: ${c.name}`, async (t) => {
    const root = tempDir(t);
    writeFileSync(join(root, "victim.txt"), "original");
    mkdirSync(join(root, "outside"));
    const store = join(root, "store");
    publishRaw(store, "evil", "1.0.0", c.entries(root));
    const app = join(root, "app");
    const r = await runCli([
      "bootstrap",
      "--store",
      `file://${store}`,
      "--project-name",
      "evil",
      "--version",
      "1.0.0",
      "--app-dir",
      app,
    ]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /unsafe archive .*nothing was extracted/);
    assert.match(r.stderr, c.reason);
    assert.ok(!existsSync(app), `APP_DIR left behind: ${visible(app).join(", ")}`);
    assert.equal(readFileSync(join(root, "victim.txt"), "utf8"), "original");
    assert.deepEqual(visible(join(root, "outside")), []);
    for (const p of c.outside?.(root) ?? []) assert.ok(!existsSync(p), `${p} written outside APP_DIR`);
  });
}

test("unsafe archive over a previous complete version: the previous state stays, untouched", async (t) => {
  const root = tempDir(t);
  const store = join(root, "store");
  const app = join(root, "app");
  assert.equal(
    (
      await runCli([
        "publish",
        "--project",
        fixtureProject,
        "--version",
        "1.0.0",
        "--store",
        `file://${store}`,
      ])
    ).code,
    0,
  );
  const ok = await runCli([
    "bootstrap",
    "--store",
    `file://${store}`,
    "--project-name",
    "tiny-etl",
    "--version",
    "1.0.0",
    "--app-dir",
    app,
    "--mode",
    "code-only",
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const before = visible(join(app, "etl"));
  const state = readFileSync(join(app, "etl", ".sparklane", "state.json"), "utf8");
  publishRaw(store, "tiny-etl", "2.0.0", [...base(), { path: "visits_distinct/fifo", type: "FIFO" }]);
  const bad = await runCli([
    "bootstrap",
    "--store",
    `file://${store}`,
    "--project-name",
    "tiny-etl",
    "--version",
    "2.0.0",
    "--app-dir",
    app,
    "--mode",
    "code-only",
  ]);
  assert.equal(bad.code, 3);
  assert.deepEqual(visible(join(app, "etl")), before);
  assert.equal(readFileSync(join(app, "etl", ".sparklane", "state.json"), "utf8"), state);
  assert.deepEqual(readdirSync(join(app, "etl", ".sparklane", "releases")), [JSON.parse(state).release]);
});

test("tampered bytes: one flipped byte in the archive is a checksum mismatch, exit 3, nothing extracted", async (t) => {
  const root = tempDir(t);
  const store = join(root, "store");
  assert.equal(
    (
      await runCli([
        "publish",
        "--project",
        fixtureProject,
        "--version",
        "1.0.0",
        "--store",
        `file://${store}`,
      ])
    ).code,
    0,
  );
  const file = join(store, "tiny-etl", "1.0.0", "artifact.tar.gz");
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(file, bytes);
  const app = join(root, "app");
  const r = await runCli([
    "bootstrap",
    "--store",
    `file://${store}`,
    "--project-name",
    "tiny-etl",
    "--version",
    "1.0.0",
    "--app-dir",
    app,
  ]);
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /checksum mismatch for file:.*tiny-etl\/1\.0\.0\/artifact\.tar\.gz: expected sha256 [0-9a-f]{64}/,
  );
  assert.ok(!existsSync(app));
});

test("a file whose bytes differ from the manifest's sha256 is refused even when the archive digest matches", async (t) => {
  const root = tempDir(t);
  const store = join(root, "store");
  publishRaw(store, "evil", "1.0.0", base());
  const mPath = join(store, "evil", "1.0.0", "manifest.json");
  const m = JSON.parse(readFileSync(mPath, "utf8"));
  m.files["visits_distinct/job.py"].sha256 = "f".repeat(64);
  writeFileSync(mPath, JSON.stringify(m));
  const app = join(root, "app");
  const r = await runCli([
    "bootstrap",
    "--store",
    `file://${store}`,
    "--project-name",
    "evil",
    "--version",
    "1.0.0",
    "--app-dir",
    app,
  ]);
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /entry 'manifest.json': embedded manifest differs|visits_distinct\/job\.py.*does not match/,
  );
  assert.ok(!existsSync(app));
});
