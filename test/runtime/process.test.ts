// The one process runner (src/runtime/process.ts) and the places that use it: every child runs in its own
// process group, and an abort, a timeout or the child's own exit ends the whole tree. Missing programs give
// the same error everywhere. The "programs" here are sh scripts that start a grandchild and wait: a real
// uv or token command cannot be made to hang on demand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { runProcess } from "../../src/runtime/process.js";
import { uvSync } from "../../src/bootstrap/uv.js";
import { execProvider } from "../../src/ivy/providers/exec.js";
import { InfraError, InterruptedError, UserError } from "../../src/errors.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it has no command line left to read.
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

/** Waits (bounded) for a process to be gone; true when it is. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!alive(pid)) return true;
    await delay(50);
  }
  return false;
}

/** Waits (bounded) for a file a script writes its grandchild's pid to. */
async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8").trim();
      if (text) return Number(text);
    }
    await delay(25);
  }
  throw new Error(`${file} was never written`);
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-proc-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("abort ends the child's whole process group, then rejects with InterruptedError", async (t) => {
  const pidFile = join(tmp(t), "pid");
  const ac = new AbortController();
  const run = runProcess("/bin/sh", ["-c", `sleep 30 & echo $! > ${pidFile}; wait`], {
    signal: ac.signal,
    killGraceMs: 200,
  });
  const grandchild = await pidFrom(pidFile);
  assert.ok(alive(grandchild));
  ac.abort();
  await assert.rejects(run, InterruptedError);
  assert.ok(await gone(grandchild), "the grandchild outlived the abort");
});

test("a timeout ends the group and rejects with InfraError naming the program", async (t) => {
  const pidFile = join(tmp(t), "pid");
  const run = runProcess("/bin/sh", ["-c", `sleep 30 & echo $! > ${pidFile}; wait`], {
    timeoutMs: 300,
    killGraceMs: 200,
    name: "the test script",
  });
  const grandchild = await pidFrom(pidFile);
  await assert.rejects(
    run,
    (e: unknown) => e instanceof InfraError && /the test script did not finish within 300 ms/.test(e.message),
  );
  assert.ok(await gone(grandchild));
});

test("a child that exits leaves nothing behind", async (t) => {
  const pidFile = join(tmp(t), "pid");
  const r = await runProcess("/bin/sh", ["-c", `sleep 30 & echo $! > ${pidFile}; echo done`]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.tail, ["done"]);
  assert.ok(await gone(await pidFrom(pidFile)));
});

test("a missing program is a UserError (exit 2) with the caller's install hint", async () => {
  await assert.rejects(
    runProcess("/nonexistent/spark-submit", [], { installHint: "install it with X" }),
    (e: unknown) =>
      e instanceof UserError &&
      e.exitCode === 2 &&
      /spark-submit was not found/.test(e.message) &&
      e.hint === "install it with X",
  );
  await assert.rejects(
    runProcess("/nonexistent/tool", []),
    (e: unknown) => e instanceof UserError && /on PATH/.test(e.hint ?? ""),
  );
});

test("uvSync: a missing uv is the same error as everywhere (UserError with an install hint)", async (t) => {
  await assert.rejects(
    uvSync({ projectDir: tmp(t), venvDir: "/nonexistent/venv", uvBin: "/nonexistent/uv" }),
    (e: unknown) =>
      e instanceof UserError &&
      /'\/nonexistent\/uv' was not found/.test(e.message) &&
      /install uv/.test(e.hint ?? ""),
  );
});

test("uvSync: an abort ends everything uv started, not only uv", async (t) => {
  const dir = tmp(t);
  const pidFile = join(dir, "pid");
  const uv = join(dir, "uv");
  // The grandchild lets go of the pipes, so uv's own exit is seen at once.
  writeFileSync(uv, `#!/bin/sh\nsleep 30 >/dev/null 2>&1 &\necho $! > ${pidFile}\nwait\n`);
  chmodSync(uv, 0o755);
  const ac = new AbortController();
  const run = uvSync({ projectDir: dir, venvDir: join(dir, "venv"), uvBin: uv, signal: ac.signal });
  const grandchild = await pidFrom(pidFile);
  ac.abort();
  await assert.rejects(run, InterruptedError);
  assert.ok(await gone(grandchild), "uv's child outlived the abort (uv.ts used to signal uv only)");
});

test("uvSync: a failing uv reports its output's tail, with the token scrubbed", async (t) => {
  const dir = tmp(t);
  const uv = join(dir, "uv");
  writeFileSync(uv, `#!/bin/sh\necho "error: 401 for token s3cr3t-token" >&2\nexit 2\n`);
  chmodSync(uv, 0o755);
  await assert.rejects(
    uvSync({
      projectDir: dir,
      venvDir: join(dir, "venv"),
      uvBin: uv,
      token: "s3cr3t-token",
      indexNames: ["x"],
    }),
    (e: unknown) =>
      e instanceof InfraError &&
      /failed \(exit 2\)/.test(e.message) &&
      /401 for token \*\*\*/.test(e.message) &&
      !e.message.includes("s3cr3t"),
  );
});

test("exec token provider: a stopped command leaves no grandchild behind", async (t) => {
  const pidFile = join(tmp(t), "pid");
  const ac = new AbortController();
  const fetching = execProvider(`sleep 30 & echo $! > ${pidFile}; wait; echo tok`).fetch(ac.signal);
  const grandchild = await pidFrom(pidFile);
  ac.abort(new Error("timed out"));
  await assert.rejects(
    fetching,
    (e: unknown) => e instanceof InfraError && /token command was stopped: timed out/.test(e.message),
  );
  assert.ok(await gone(grandchild));
  assert.equal((await execProvider("printf 'tok-1\\n'").fetch(new AbortController().signal)).value, "tok-1");
});
