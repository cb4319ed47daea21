// The package as npm installs it: exactly the files `npm pack` would publish, copied to a temporary folder,
// started through the node_modules/.bin link npm makes. The bin is node itself (a JavaScript file with a
// shebang): nothing runs at install time, and a signal sent to `sparklane` reaches the process doing the work.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { binPath, repoRoot } from "../helpers/cli.js";

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}` };

test("the bin is a JavaScript file run by node, and nothing runs at install time", () => {
  assert.deepEqual(Object.keys(manifest.bin), ["sparklane"]);
  const bin = join(repoRoot, manifest.bin.sparklane!);
  assert.match(bin, /\.js$/);
  assert.equal(readFileSync(bin, "utf8").split("\n")[0], "#!/usr/bin/env node");
  assert.ok(statSync(bin).mode & 0o111, "executable");
  for (const hook of ["preinstall", "install", "postinstall"]) {
    assert.equal(manifest.scripts[hook], undefined, `no ${hook} script`);
  }
  // A clone builds dist/ on `npm ci` through prepare (which npm does not run for registry installs).
  assert.equal(manifest.scripts.prepare, "node scripts/build.mjs");
});

let pkg = "";
let project = "";
before(() => {
  const packed = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.equal(packed.status, 0, packed.stderr);
  const files = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(
    (f) => f.path,
  );
  assert.ok(files.includes("dist/cli.js"), "the build is published");
  assert.deepEqual(
    files.filter((f) => /snapshot|^scripts\//.test(f)),
    [],
    "no start-up snapshot and no install-time script is published",
  );
  project = realpathSync(mkdtempSync(join(tmpdir(), "sparklane-installed-")));
  pkg = join(project, "node_modules/sparklane");
  for (const f of files) {
    mkdirSync(dirname(join(pkg, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(pkg, f));
  }
  // The package's own dependencies, as npm would hoist them.
  symlinkSync(join(repoRoot, "node_modules"), join(pkg, "node_modules"));
  mkdirSync(join(project, "node_modules/.bin"));
  symlinkSync(`../sparklane/${manifest.bin.sparklane}`, join(project, "node_modules/.bin/sparklane"));
});
after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const renderArgs = [
  "render",
  "--variant",
  "standard",
  "--conf",
  join(repoRoot, "test/fixtures/triggers/visits-daily.json"),
  "--ds",
  "2026-03-15",
];

test("the installed bin, through npm's .bin link, renders as the checkout does", () => {
  const bin = join(project, "node_modules/.bin/sparklane");
  const help = spawnSync(bin, ["--help"], { cwd: project, env, encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: sparklane /);
  const installed = spawnSync(bin, renderArgs, { cwd: project, env, encoding: "utf8" });
  assert.equal(installed.status, 0, installed.stderr);
  const checkout = spawnSync(process.execPath, [binPath, ...renderArgs], { env, encoding: "utf8" });
  assert.equal(installed.stdout, checkout.stdout);
  assert.equal(installed.stderr, checkout.stderr);
  // The built-in templates are the installed package's own.
  assert.match(installed.stdout, /^kind: SparkApplication$/m);
});

test(
  "sparklane is the node process: SIGTERM sent to it ends the render, leaving nothing behind",
  { skip: existsSync("/proc/self/exe") ? false : "needs /proc to see which program a process runs" },
  async () => {
    const node = realpathSync(process.execPath);
    // Waits on stdin (`--conf -`), so it is still running when signalled.
    const child = spawn(join(project, "node_modules/.bin/sparklane"), ["render", "--conf", "-"], {
      cwd: project,
      env,
      stdio: ["pipe", "ignore", "ignore"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, s) => resolve(s)));
    // The shebang goes through /usr/bin/env, which then runs node in the same process (bounded wait).
    let exe = "";
    for (let i = 0; i < 200 && exe !== node; i++) {
      try {
        exe = readlinkSync(`/proc/${child.pid}/exe`);
      } catch {
        exe = "";
      }
      if (exe !== node) await sleep(25);
    }
    assert.equal(exe, node, "the process started as `sparklane` runs node itself, not a launcher");
    child.kill("SIGTERM");
    assert.equal(await exited, "SIGTERM");
  },
);
