// `sparklane ui` as a user runs it (the built bin): its bad inputs, a port in use, and Ctrl-C.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath, repoRoot, runCli } from "../helpers/cli.js";
import small from "./fixtures/small.json" with { type: "json" };

let dir: string;
let report: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "sparklane-ui-cli-"));
  report = join(dir, "report.json");
  writeFileSync(report, JSON.stringify(small));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One `error:` line naming the cause and one hint line; no stack trace. */
function oneError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.match(lines[0], pattern);
  assert.ok(lines.length <= 2 && (lines.length === 1 || lines[1].startsWith("  hint: ")), stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

test("a non-loopback --host without --allow-remote: exit 2, nothing served", async () => {
  const r = await runCli(["ui", "--host", "0.0.0.0", "--port", "0", "--report", report]);
  assert.equal(r.code, 2);
  oneError(r.stderr, /^error: --host 0\.0\.0\.0 is not a loopback address/);
  assert.match(r.stderr, /--allow-remote/);
  assert.doesNotMatch(r.stderr, /serving/);
});

test("an unknown window: exit 2 naming the window, before listening", async () => {
  const r = await runCli(["ui", "--port", "0", "--window", "bogus", "--report", report]);
  assert.equal(r.code, 2);
  oneError(r.stderr, /^error: window "bogus"/);
});

test("a report file that is missing or not a report: exit 2 naming it", async () => {
  const missing = await runCli(["ui", "--port", "0", "--report", join(dir, "nope.json")]);
  assert.equal(missing.code, 2);
  oneError(missing.stderr, /^error: --report .*nope\.json: cannot read it \(ENOENT\)/);
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ ...small, totals: {} }));
  const notReport = await runCli(["ui", "--port", "0", "--report", bad]);
  assert.equal(notReport.code, 2);
  oneError(notReport.stderr, /^error: --report .*bad\.json: not a sparklane cost report: totals\.cost/);
});

test("--port out of range: exit 2", async () => {
  const r = await runCli(["ui", "--port", "70000", "--report", report]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--port.*expected a port number 0-65535, found "70000"/);
});

test("a port in use: exit 3 (the machine refused a valid request), naming the port", async () => {
  const holder: Server = createServer();
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
  const port = (holder.address() as { port: number }).port;
  try {
    const r = await runCli(["ui", "--port", String(port), "--report", report]);
    assert.equal(r.code, 3);
    oneError(r.stderr, new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
  } finally {
    holder.close();
  }
});

test("serves until Ctrl-C, then exits 0", async () => {
  const child = spawn(process.execPath, [binPath, "ui", "--port", "0", "--report", report], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code} before serving: ${err}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    await page.text();
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGINT");
    assert.equal(await exited, 0);
  } finally {
    clearTimeout(killer);
    child.kill("SIGKILL");
  }
});
