// Real resolution: Spark's own Ivy (from the pyspark wheel) resolves a private JAR from a basic-auth
// Maven server through the file `sparklane ivy-settings` wrote; after the token rotates, the
// sidecar's refreshed file resolves again; a wrong token fails with Ivy's own error.
//
// Maven Central stays first in the chain, as in production, but is pointed (--central-root) at a
// closed loopback port: the connection is refused at once, so the test never waits on the network
// and Ivy still walks the chain exactly as it would when Central lacks the artifact.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath, runCli } from "../helpers/cli.js";
import { startMavenServer, type MavenServer } from "./maven-server.js";
import { sparkSkip, submitWithPackages } from "./spark.js";

const coordinate = { group: "com.example.priv", artifact: "tiny-udfs", version: "1.0.3" };
const packages = `${coordinate.group}:${coordinate.artifact}:${coordinate.version}`;
const jarName = `${coordinate.group}_${coordinate.artifact}-${coordinate.version}.jar`;
let tmp: string;
let maven: MavenServer;
let closedPort: number;
const children: ChildProcess[] = [];

before(async () => {
  if (sparkSkip) return;
  tmp = mkdtempSync(join(tmpdir(), "sparklane-ivy-"));
  writeFileSync(join(tmp, "app.py"), "print('resolved-ok')\n");
  maven = await startMavenServer({ token: "tok-first-1", coordinate });
  // A port that was free a moment ago: connecting to it is refused immediately.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  closedPort = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await maven?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const baseArgs = (out: string, tokenFile: string) => [
  "ivy-settings",
  "--provider",
  "file",
  "--token-file",
  tokenFile,
  "--repo-url",
  maven.url,
  "--out",
  out,
  "--cache-dir",
  join(tmp, "unused-cache"),
  "--central-root",
  `http://127.0.0.1:${closedPort}/maven2/`,
];

test(
  "spark-submit --packages resolves a private JAR through the generated file, then again after the token rotates",
  { skip: sparkSkip, timeout: 600_000 },
  async () => {
    const tokenFile = join(tmp, "token");
    const out = join(tmp, "settings", "ivysettings.xml");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(tmp, "settings"));
    writeFileSync(tokenFile, "tok-first-1\n");

    // One-shot; the realm is read from the server's 401 challenge.
    const once = await runCli(baseArgs(out, tokenFile));
    assert.equal(once.code, 0, once.stderr);
    assert.match(once.stdout, /^wrote .*ivysettings\.xml/);
    assert.match(readFileSync(out, "utf8"), new RegExp(`realm="${maven.realm}"`));

    const first = await submitWithPackages({
      packages,
      ivySettings: out,
      ivyDir: join(tmp, "ivy-1"),
      app: join(tmp, "app.py"),
    });
    assert.equal(first.code, 0, first.output.slice(-3000));
    assert.match(first.output, /resolved-ok/);
    assert.ok(existsSync(join(tmp, "ivy-1", "jars", jarName)), "the private jar is in spark.jars.ivy/jars");
    assert.ok(maven.requests.some((r) => r.path.endsWith(".jar") && r.status === 200));

    // The sidecar, watching the token file; the server then accepts only the new token.
    const sidecar = spawn(
      process.execPath,
      [binPath, ...baseArgs(out, tokenFile), "--watch", "--listen", "127.0.0.1:0", "--start-jitter", "0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(sidecar);
    let logs = "";
    sidecar.stderr!.on("data", (d: Buffer) => (logs += d.toString()));
    await until(
      () => /token unchanged|ivysettings written/.test(logs),
      30_000,
      () => logs,
    );
    maven.rotate("tok-second-2");
    writeFileSync(tokenFile, "tok-second-2\n");
    await until(
      () => readFileSync(out, "utf8").includes('passwd="tok-second-2"'),
      30_000,
      () => logs,
    );

    const second = await submitWithPackages({
      packages,
      ivySettings: out,
      ivyDir: join(tmp, "ivy-2"),
      app: join(tmp, "app.py"),
    });
    assert.equal(second.code, 0, second.output.slice(-3000));
    assert.ok(
      existsSync(join(tmp, "ivy-2", "jars", jarName)),
      "resolved again with a fresh cache through the refreshed file",
    );

    sidecar.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => sidecar.on("close", (c) => r(c)));
    assert.equal(code, 0, logs);
    assert.doesNotMatch(logs, /tok-first-1|tok-second-2/);
  },
);

test(
  "a wrong token fails resolution, and Ivy's own error reaches the user",
  { skip: sparkSkip, timeout: 300_000 },
  async () => {
    const tokenFile = join(tmp, "wrong-token");
    const out = join(tmp, "wrong.xml");
    writeFileSync(tokenFile, "tok-wrong-0\n");
    const once = await runCli([...baseArgs(out, tokenFile), "--realm", maven.realm]);
    assert.equal(once.code, 0, once.stderr);
    const r = await submitWithPackages({
      packages,
      ivySettings: out,
      ivyDir: join(tmp, "ivy-3"),
      app: join(tmp, "app.py"),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /unresolved dependency: com\.example\.priv#tiny-udfs;1\.0\.3: not found/);
    // Ivy lists where it looked: the private repository is named, so the user knows which one refused.
    assert.ok(
      r.output.includes(`${maven.url}com/example/priv/tiny-udfs/1.0.3/tiny-udfs-1.0.3.pom`),
      r.output.slice(-3000),
    );
    assert.doesNotMatch(r.output, /resolved-ok/);
    assert.ok(maven.requests.some((q) => q.status === 401));
    assert.ok(!existsSync(join(tmp, "ivy-3", "jars", jarName)));
  },
);

async function until(cond: () => boolean, ms: number, context: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms:\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
