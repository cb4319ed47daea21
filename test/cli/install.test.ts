// A registry install has no blob (it only fits the node that built it): the package ships the bundled
// snapshot entry, and its postinstall builds the blob where it is installed. Simulated with exactly the files
// `npm pack` would publish, copied to a temporary folder.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { repoRoot } from "../helpers/cli.js";

const skip = existsSync(join(repoRoot, "dist/snapshot-entry.cjs"))
  ? false
  : "no dist/snapshot-entry.cjs: `npm run build` printed why (or SPARKLANE_NO_SNAPSHOT was set)";
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    ...extra,
  };
  for (const k of ["SPARKLANE_NO_SNAPSHOT", "NODE_OPTIONS"]) if (!(k in extra)) delete e[k];
  return e;
};
const postinstall = (
  JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts.postinstall!;
const runPostinstall = (pkg: string, extra?: NodeJS.ProcessEnv) =>
  spawnSync("sh", ["-c", postinstall], { cwd: pkg, env: env(extra), encoding: "utf8" });

let pkg = "";
before(() => {
  if (skip) return;
  const packed = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.equal(packed.status, 0, packed.stderr);
  const files = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(
    (f) => f.path,
  );
  pkg = realpathSync(mkdtempSync(join(tmpdir(), "sparklane-installed-")));
  for (const f of files) {
    mkdirSync(dirname(join(pkg, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(pkg, f));
  }
  // The plain entry's external packages; the snapshot needs none.
  symlinkSync(join(repoRoot, "node_modules"), join(pkg, "node_modules"));
});
after(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

const args = [
  "render",
  "--variant",
  "standard",
  "--conf",
  join(repoRoot, "test/fixtures/triggers/visits-daily.json"),
  "--ds",
  "2026-03-15",
];

test(
  "the published files hold no blob, and the postinstall builds one that the launcher uses",
  { skip },
  () => {
    assert.equal(existsSync(join(pkg, "dist/snapshot.blob")), false, "no blob is published");
    const r = runPostinstall(pkg);
    assert.equal(r.status, 0, r.stderr);
    const meta = readFileSync(join(pkg, "dist/snapshot.meta"), "utf8");
    assert.match(
      meta,
      new RegExp(`\n${join(pkg, "dist").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n$`),
      "built for this folder",
    );

    const viaLauncher = spawnSync(join(pkg, "bin/sparklane"), args, {
      env: env({ SPARKLANE_TRACE_START: "1" }),
      encoding: "utf8",
    });
    assert.equal(viaLauncher.status, 0, viaLauncher.stderr);
    assert.equal(viaLauncher.stderr, `sparklane: start: snapshot ${join(pkg, "dist/snapshot.blob")}\n`);
    const plain = spawnSync(process.execPath, [join(repoRoot, "bin/sparklane.js"), ...args], {
      env: env(),
      encoding: "utf8",
    });
    // The built-in templates the installed snapshot renders are the installed package's.
    assert.equal(viaLauncher.stdout, plain.stdout);

    // Run again (npm rebuild, a second install): nothing to do while the blob fits this node.
    const mtime = statSync(join(pkg, "dist/snapshot.blob")).mtimeMs;
    assert.equal(runPostinstall(pkg).status, 0);
    assert.equal(statSync(join(pkg, "dist/snapshot.blob")).mtimeMs, mtime);
  },
);

test("a postinstall that cannot build the blob warns and still succeeds", { skip }, () => {
  rmSync(join(pkg, "dist/snapshot.blob"), { force: true });
  rmSync(join(pkg, "dist/snapshot.meta"), { force: true });
  const r = runPostinstall(pkg, { SPARKLANE_NO_SNAPSHOT: "1" });
  assert.equal(r.status, 0);
  assert.match(r.stderr, /warning: start-up snapshot not built \(SPARKLANE_NO_SNAPSHOT is set\)/);
  assert.equal(existsSync(join(pkg, "dist/snapshot.blob")), false);
  const viaLauncher = spawnSync(join(pkg, "bin/sparklane"), args, {
    env: env({ SPARKLANE_TRACE_START: "1" }),
    encoding: "utf8",
  });
  assert.equal(viaLauncher.status, 0, viaLauncher.stderr);
  assert.match(viaLauncher.stderr, /start: plain entry/);
});

test("in a source checkout before its first build, the postinstall does nothing", { skip }, () => {
  const empty = mkdtempSync(join(tmpdir(), "sparklane-checkout-"));
  try {
    mkdirSync(join(empty, "scripts"));
    cpSync(join(repoRoot, "scripts/snapshot-blob.mjs"), join(empty, "scripts/snapshot-blob.mjs"));
    const r = runPostinstall(empty);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(existsSync(join(empty, "dist")), false);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
