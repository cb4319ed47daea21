// Test-code patterns that made tests flaky on a loaded machine (issue 10), refused across the whole suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const testDir = fileURLToPath(new URL(".", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "fixtures" ? [] : sources(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

const SLEEP = /^[ \t]*await new Promise\(\(\w+\) => setTimeout\(\w+, [\d_]+\)\);$/;
const ACTION = /^[ \t]*(?:await )?[\w.!?]+\.(?:abort|kill|start|stop|expireWatches|resetStreams)\(/;
const LOOP_HEADER = /^\s*(?:for|while|if)\b.*\)$/;

/** A fixed sleep as a statement of its own (not a polling loop's body), directly followed by an abort, a kill or
 * a server (re)start: the next step then depends on the machine being fast enough. */
export function sleepThenAct(text: string): boolean {
  const lines = text.split("\n");
  return lines.some(
    (line, i) => SLEEP.test(line) && !LOOP_HEADER.test(lines[i - 1] ?? "") && ACTION.test(lines[i + 1] ?? ""),
  );
}
/** A port found free by binding 0 and closing again, to be bound later by something else. */
export const FREE_PORT_THEN_BIND = /\.listen\(0,[^]{0,200}?\.close\(\(\) => resolve\(port\)\)/;

test("no fixed sleep before an abort, a kill or a restart: tests wait on a condition", () => {
  const offenders = sources(testDir)
    .filter((f) => sleepThenAct(readFileSync(f, "utf8")))
    .map((f) => relative(testDir, f));
  assert.deepEqual(offenders, []);
});

test("no free port chosen and bound later, unless the bind failing is retried", () => {
  const offenders = sources(testDir)
    .filter((f) => {
      const text = readFileSync(f, "utf8");
      // helpers/ports.ts is the one definition of freePort(); it cannot retry, its callers must.
      if (relative(testDir, f) === join("helpers", "ports.ts")) return false;
      // Choosing the port here, or taking one from the shared freePort() helper, both need a retry.
      const choosesPort = FREE_PORT_THEN_BIND.test(text) || /\bawait freePort\(\)/.test(text);
      return choosesPort && !/address already in use|EADDRINUSE/.test(text);
    })
    .map((f) => relative(testDir, f));
  assert.deepEqual(offenders, []);
});

test("the patterns catch what they are meant to catch", () => {
  assert.ok(sleepThenAct("  await new Promise((r) => setTimeout(r, 200));\n  ctl.abort();"));
  assert.ok(sleepThenAct("    await new Promise((r) => setTimeout(r, 200));\n    await c.api.start();"));
  assert.ok(
    !sleepThenAct("  while (!ready()) await new Promise((r) => setTimeout(r, 100));\n  proc.kill();"),
  );
  assert.ok(
    !sleepThenAct("  for (;!ready();)\n    await new Promise((r) => setTimeout(r, 10));\n  c.reset();"),
  );
  assert.match('srv.listen(0, "127.0.0.1", () => {\n  srv.close(() => resolve(port));', FREE_PORT_THEN_BIND);
});
