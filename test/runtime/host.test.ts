// Java and uv checks: found, too old, missing; each failure is exit 2 with how to install.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../src/errors.js";
import { detectJava, detectUv, javaMajor, pythonRequest } from "../../src/runtime/host.js";
import { realUv } from "./tools.js";

test("java versions, old and new style", () => {
  assert.equal(javaMajor('JAVA_VERSION="17.0.15"'), 17);
  assert.equal(javaMajor('openjdk version "21.0.2" 2024-01-16'), 21);
  assert.equal(javaMajor('java version "1.8.0_392"'), 8);
  assert.equal(javaMajor("nonsense"), undefined);
});

test("this machine's Java and uv are found", async () => {
  const java = await detectJava();
  assert.ok(Number(java.version!.split(".")[0]) >= 17, java.version);
  assert.match(detectUv().path, /uv$/);
});

function fakeTools(): { dir: string; bin: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-host-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  return { dir, bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const isUserError = (pattern: RegExp, hint: RegExp) => (err: unknown) =>
  err instanceof UserError && err.exitCode === 2 && pattern.test(err.message) && hint.test(err.hint ?? "");

test("missing Java: exit 2 saying how to install it", async () => {
  const t = fakeTools();
  try {
    await assert.rejects(
      detectJava({ PATH: t.bin }),
      isUserError(/Java was not found/, /install a Java 17\+/),
    );
  } finally {
    t.cleanup();
  }
});

test("Java 8 is refused as too old", async () => {
  const t = fakeTools();
  try {
    const java = join(t.bin, "java");
    writeFileSync(java, "#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n");
    chmodSync(java, 0o755);
    await assert.rejects(
      detectJava({ PATH: t.bin }),
      isUserError(/Java 1\.8\.0_392 .* is too old/, /Java 17\+/),
    );
    // JAVA_HOME wins over PATH, and its release file is read without starting a JVM.
    const home = join(t.dir, "jdk");
    mkdirSync(join(home, "bin"), { recursive: true });
    writeFileSync(join(home, "release"), 'JAVA_VERSION="11.0.2"\n');
    writeFileSync(join(home, "bin", "java"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(home, "bin", "java"), 0o755);
    await assert.rejects(detectJava({ PATH: "", JAVA_HOME: home }), isUserError(/Java 11\.0\.2/, /install/));
  } finally {
    t.cleanup();
  }
});

test("missing uv: exit 2 saying how to install it", () => {
  const t = fakeTools();
  try {
    assert.throws(() => detectUv({ PATH: t.bin }), isUserError(/uv was not found/, /pip install uv/));
    symlinkSync(realUv(), join(t.bin, "uv"));
    assert.equal(detectUv({ PATH: t.bin }).path, join(t.bin, "uv"));
  } finally {
    t.cleanup();
  }
});

test("the requested Python: UV_PYTHON and the nearest .python-version", () => {
  const t = fakeTools();
  try {
    const project = join(t.dir, "a", "project");
    mkdirSync(project, { recursive: true });
    assert.equal(pythonRequest(project, {}), "UV_PYTHON=;.python-version=");
    writeFileSync(join(t.dir, "a", ".python-version"), "3.12\n");
    assert.equal(pythonRequest(project, { UV_PYTHON: "3.11" }), "UV_PYTHON=3.11;.python-version=3.12");
    writeFileSync(join(project, ".python-version"), "3.11.7\n");
    assert.equal(pythonRequest(project, {}), "UV_PYTHON=;.python-version=3.11.7");
  } finally {
    t.cleanup();
  }
});
