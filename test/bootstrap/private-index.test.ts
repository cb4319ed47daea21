// A private package index that demands the token, as CodeArtifact does: the bootstrap must hand the
// token to uv (and only to uv), and never print it, on success or failure.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { copyFixture, tempDir } from "../artifact/helpers.js";

const TOKEN = "CANARY-9d1e-private-token";
let server: Server;
let port = 0;
let wheel: Buffer;
const WHEEL = "privpkg-1.0-py3-none-any.whl";
const seen: { path: string; authorized: boolean }[] = [];

function buildWheel(dir: string): Buffer {
  const script = `
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("privpkg/__init__.py", "VALUE = 'from the private index'\\n")
    z.writestr("privpkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: privpkg\\nVersion: 1.0\\n")
    z.writestr("privpkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("privpkg-1.0.dist-info/RECORD", "")
`;
  const path = join(dir, WHEEL);
  const r = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(path);
}

before(async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const d = mkdtempSync(join(tmpdir(), "sparklane-wheel-"));
  wheel = buildWheel(d);
  rmSync(d, { recursive: true, force: true });
  const sha = createHash("sha256").update(wheel).digest("hex");
  const expected = `Basic ${Buffer.from(`aws:${TOKEN}`).toString("base64")}`;
  server = createServer((req, res) => {
    const authorized = req.headers.authorization === expected;
    seen.push({ path: req.url ?? "", authorized });
    if (!authorized) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="private"' }).end();
      return;
    }
    if (req.url === "/simple/privpkg/") {
      res
        .writeHead(200, { "Content-Type": "text/html" })
        .end(`<html><body><a href="/files/${WHEEL}#sha256=${sha}">${WHEEL}</a></body></html>`);
    } else if (req.url === `/files/${WHEEL}`) {
      res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(wheel);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test("the index token reaches uv for the named index, never the output; without it uv fails cleanly (exit 3)", async (t) => {
  const root = tempDir(t);
  const project = copyFixture(join(root, "p"));
  writeFileSync(
    join(project, "pyproject.toml"),
    readFileSync(join(project, "pyproject.toml"), "utf8").replace(
      "dependencies = []",
      'dependencies = ["privpkg"]',
    ) +
      `\n[[tool.uv.index]]\nname = "private"\nurl = "http://127.0.0.1:${port}/simple/"\nexplicit = true\n\n[tool.uv.sources]\nprivpkg = { index = "private" }\n`,
  );
  // Asynchronously: the index server answers from this very process.
  const lock = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const c = spawn("uv", ["lock", "--project", project], {
      env: {
        ...process.env,
        UV_INDEX_PRIVATE_USERNAME: "aws",
        UV_INDEX_PRIVATE_PASSWORD: TOKEN,
        UV_CACHE_DIR: join(root, "lock-cache"),
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    c.stderr.on("data", (d: Buffer) => (err += d.toString()));
    c.on("close", (code) => resolve({ code, err }));
  });
  assert.equal(lock.code, 0, lock.err);
  assert.ok(!readFileSync(join(project, "uv.lock"), "utf8").includes(TOKEN), "uv.lock holds no credentials");
  const store = `file://${join(root, "store")}`;
  assert.equal(
    (await runCli(["publish", "--project", project, "--version", "1.0.0", "--store", store])).code,
    0,
  );
  const args = (app: string): string[] => [
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--version",
    "1.0.0",
    "--app-dir",
    app,
  ];

  // No token: the index answers 401, uv fails, the bootstrap says so (exit 3) and leaves nothing.
  seen.length = 0;
  const denied = await runCli(args(join(root, "denied")), { env: { UV_CACHE_DIR: join(root, "cache1") } });
  assert.equal(denied.code, 3, denied.stdout + denied.stderr);
  assert.match(denied.stderr, /uv sync --frozen --no-dev failed/);
  assert.ok(seen.length > 0 && seen.every((s) => !s.authorized));
  assert.ok(!existsSync(join(root, "denied")) || readdirSync(join(root, "denied")).length === 0);

  // Token from the environment: uv authenticates, privpkg is installed, the token is printed nowhere.
  seen.length = 0;
  const app = join(root, "app");
  const ok = await runCli(args(app), {
    env: { SPARKLANE_INDEX_TOKEN: TOKEN, UV_CACHE_DIR: join(root, "cache2") },
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(
    seen.some((s) => s.path === `/files/${WHEEL}` && s.authorized),
    "uv fetched the wheel with the token",
  );
  const py = spawnSync(join(app, ".venv/bin/python3"), ["-c", "import privpkg; print(privpkg.VALUE)"], {
    encoding: "utf8",
  });
  assert.equal(py.stdout.trim(), "from the private index");
  assert.ok(!ok.stdout.includes(TOKEN) && !ok.stderr.includes(TOKEN));
  assert.ok(!JSON.stringify(readdirSync(app)).includes(TOKEN));

  // Token from a mounted file, as a Kubernetes secret volume gives it.
  writeFileSync(join(root, "token"), `${TOKEN}\n`);
  const fromFile = await runCli([...args(join(root, "app2")), "--index-token-file", join(root, "token")], {
    env: { UV_CACHE_DIR: join(root, "cache3") },
  });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.ok(!fromFile.stdout.includes(TOKEN) && !fromFile.stderr.includes(TOKEN));

  // A wrong token: uv's failure output is shown, scrubbed of the token.
  const wrong = "WRONG-canary-token-123";
  const bad = await runCli(args(join(root, "app3")), {
    env: { SPARKLANE_INDEX_TOKEN: wrong, UV_CACHE_DIR: join(root, "cache4") },
  });
  assert.equal(bad.code, 3);
  assert.ok(!bad.stdout.includes(wrong) && !bad.stderr.includes(wrong));

  const missing = await runCli([...args(join(root, "app4")), "--index-token-file", join(root, "nope")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--index-token-file .*nope: cannot read \(ENOENT\)/);
});
