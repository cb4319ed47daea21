// bin/sparklane (the launcher) against the plain entry (`node bin/sparklane.js`): the same bytes and exit codes,
// the start-up snapshot really used, every fallback, and nothing frozen into the blob at build time.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { repoRoot, type CliResult } from "../helpers/cli.js";

const triggers = join(repoRoot, "test/fixtures/triggers");
const example = join(repoRoot, "examples/visits-etl");
const skip = existsSync(join(repoRoot, "dist/snapshot.meta"))
  ? false
  : "no start-up snapshot in dist/: `npm run build` printed why (or SPARKLANE_NO_SNAPSHOT was set)";
// The launcher runs the `node` on PATH; make that the node running these tests, which built the blob.
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`;
const SNAPSHOT_LINE = /^sparklane: start: snapshot \S+\/snapshot\.blob\n/;

function run(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH, ...opts.env };
    // Each test says which of these it wants; inherited ones would change what is compared.
    for (const k of ["SPARKLANE_NO_SNAPSHOT", "SPARKLANE_TRACE_START", "NODE_OPTIONS", "SPARKLANE_VERSION"])
      if (!opts.env || !(k in opts.env)) delete env[k];
    const child = spawn(file, args, { cwd: opts.cwd ?? repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

const plainIn = (root: string) => (args: string[], opts?: Parameters<typeof run>[2]) =>
  run(process.execPath, [join(root, "bin/sparklane.js"), ...args], opts);
const launcherIn = (root: string) => (args: string[], opts?: Parameters<typeof run>[2]) =>
  run(join(root, "bin/sparklane"), args, opts);
const plain = plainIn(repoRoot);
const viaLauncher = launcherIn(repoRoot);

test(
  "the launcher starts render, validate and lint from the snapshot, and nothing else",
  { skip },
  async () => {
    for (const first of ["render", "validate", "lint"]) {
      const r = await viaLauncher([first], { env: { SPARKLANE_TRACE_START: "1" } });
      assert.match(r.stderr, SNAPSHOT_LINE, `${first}: ${r.stderr}`);
    }
    // --version and --help start sooner without it; other commands need the clients the snapshot leaves out.
    for (const first of ["--version", "-V", "--help", "-h", "list"]) {
      const r = await viaLauncher([first, ...(first === "list" ? ["--help"] : [])], {
        env: { SPARKLANE_TRACE_START: "1" },
      });
      assert.match(
        r.stderr,
        new RegExp(
          `^sparklane: start: no snapshot: ${first} does not use it\nsparklane: start: plain entry\n`,
        ),
      );
      assert.equal(r.code, 0);
    }
  },
);

test(
  "the launcher's stdout, stderr and exit code equal the plain entry's, byte for byte",
  { skip },
  async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), "sparklane-parity-"));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const badJson = join(tmp, "bad.json");
    writeFileSync(badJson, '{"etl_module": "visits_distinct",\n  "executor_instances": 8,,\n}\n');
    const daily = join(triggers, "visits-daily.json");
    const cases: { name: string; args: string[]; cwd?: string; input?: string; env?: NodeJS.ProcessEnv }[] =
      [];
    for (const variant of ["standard", "pre-baked"])
      for (const p of ["visits-daily.json", "visits-mem-intensive.json", "visits-standard-image.json"])
        cases.push({
          name: `render ${variant} ${p}`,
          args: ["render", "--variant", variant, "--conf", join(triggers, p), "--ds", "2026-03-15"],
        });
    cases.push(
      { name: "render json", args: ["render", "--conf", daily, "--output", "json", "--ds", "2026-03-15"] },
      // No --ds: today's date, read when the command runs.
      { name: "render, default date", args: ["render", "--conf", daily] },
      {
        name: "render stdin and --set",
        args: ["render", "--conf", "-", "--set", "executor_instances=3", "--ds", "2026-03-15"],
        input: readFileSync(daily, "utf8"),
      },
      // The project is found from the working directory, read at run time.
      {
        name: "render in a project folder",
        args: ["render", "--conf", "triggers/visits-daily.json"],
        cwd: example,
      },
      { name: "validate --project", args: ["validate", "--project", example] },
      { name: "validate in a project folder", args: ["validate"], cwd: example },
      { name: "validate --conf json", args: ["validate", "--conf", daily, "--output", "json"] },
      { name: "validate with nothing to validate", args: ["validate"], cwd: tmp },
      { name: "lint --project", args: ["lint", "--project", example] },
      { name: "lint json", args: ["lint", "--project", example, "--output", "json"] },
      { name: "invalid JSON payload", args: ["render", "--conf", badJson] },
      { name: "rejected payload", args: ["render", "--conf", daily, "--set", "executor_instances=-1"] },
      { name: "missing payload file", args: ["render", "--conf", join(tmp, "nope.json")] },
      { name: "missing --conf", args: ["render"] },
      { name: "unknown flag", args: ["render", "--conf", daily, "--no-such-flag"] },
      { name: "unknown flag of validate", args: ["validate", "--projcet", example] },
      { name: "bad --output", args: ["lint", "--output", "xml"] },
      { name: "--version", args: ["--version"] },
      { name: "-V", args: ["-V"] },
      { name: "SPARKLANE_VERSION", args: ["--version"], env: { SPARKLANE_VERSION: "9.8.7-test" } },
      { name: "--help", args: ["--help"] },
      { name: "-h", args: ["-h"] },
      { name: "render --help", args: ["render", "--help"] },
      { name: "lint -h", args: ["lint", "-h"] },
      { name: "unknown command", args: ["rendr"] },
      { name: "no arguments", args: [] },
    );
    for (const c of cases) {
      await t.test(c.name, async () => {
        const opts = { cwd: c.cwd, input: c.input, env: c.env };
        const [a, b] = await Promise.all([viaLauncher(c.args, opts), plain(c.args, opts)]);
        assert.deepEqual(a, b);
      });
    }
  },
);

test(
  "the blob reads SPARKLANE_VERSION when it runs, and prints help and version as the plain entry",
  { skip },
  async () => {
    // The launcher sends these to the plain entry, but the blob must not have frozen them either.
    const blob = join(repoRoot, "dist/snapshot.blob");
    const direct = (args: string[], env?: NodeJS.ProcessEnv) =>
      run(process.execPath, ["--snapshot-blob", blob, "--", ...args], { env });
    for (const v of ["1.2.3", "4.5.6-rc.1"]) {
      const r = await direct(["--version"], { SPARKLANE_VERSION: v, SPARKLANE_TRACE_START: "1" });
      assert.match(r.stderr, SNAPSHOT_LINE);
      assert.equal(r.stdout, `${v}\n`);
    }
    for (const args of [["-V"], ["--help"], ["-h"], ["lint", "--help"], []])
      assert.deepEqual(await direct(args), await plain(args), args.join(" "));
  },
);

test("SPARKLANE_NO_SNAPSHOT=1 and NODE_OPTIONS run the plain entry", { skip }, async () => {
  const off = await viaLauncher(["lint", "--help"], {
    env: { SPARKLANE_NO_SNAPSHOT: "1", SPARKLANE_TRACE_START: "1" },
  });
  assert.equal(
    off.stderr,
    "sparklane: start: no snapshot: SPARKLANE_NO_SNAPSHOT is set\nsparklane: start: plain entry\n",
  );
  assert.match(off.stdout, /^Usage: sparklane lint/);
  // A V8 flag there would make node refuse the blob (exit 14) after printing an error.
  const opts = await viaLauncher(["lint", "--help"], {
    env: { NODE_OPTIONS: "--max-old-space-size=512", SPARKLANE_TRACE_START: "1" },
  });
  assert.equal(
    opts.stderr,
    "sparklane: start: no snapshot: NODE_OPTIONS is set\nsparklane: start: plain entry\n",
  );
  assert.equal(opts.code, 0);
});

// A copy of the package with its own blob, to break on purpose without touching dist/.
let pkg = "";
let pkgSkip: string | false = skip;
before(() => {
  if (skip) return;
  pkg = realpathSync(mkdtempSync(join(tmpdir(), "sparklane-pkg-")));
  for (const p of ["package.json", "templates", "bin/sparklane", "bin/sparklane.js"])
    cpSync(join(repoRoot, p), join(pkg, p), { recursive: true });
  mkdirSync(join(pkg, "dist"));
  for (const p of ["cli.js", "index.js", "chunks"])
    cpSync(join(repoRoot, "dist", p), join(pkg, "dist", p), { recursive: true });
  // The build's warm-up renders the example's triggers.
  mkdirSync(join(pkg, "examples"));
  symlinkSync(example, join(pkg, "examples/visits-etl"));
  const r = spawnSync(process.execPath, [join(repoRoot, "scripts/build-snapshot.mjs"), join(pkg, "dist")], {
    encoding: "utf8",
  });
  if (r.status !== 0) pkgSkip = `could not build a snapshot for a copy of the package: ${r.stderr.trim()}`;
});
after(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

const renderArgs = [
  "render",
  "--variant",
  "standard",
  "--conf",
  join(triggers, "visits-daily.json"),
  "--ds",
  "2026-03-15",
];
const traced = { env: { SPARKLANE_TRACE_START: "1" } };
const metaOf = () => join(pkg, "dist/snapshot.meta");

/** Runs fn on a copy of the package's blob and sidecar, then puts the originals back (mtimes intact). */
async function withBrokenSnapshot(fn: () => Promise<void>): Promise<void> {
  const saved = mkdtempSync(join(pkg, "saved-"));
  for (const f of ["snapshot.blob", "snapshot.meta"]) {
    renameSync(join(pkg, "dist", f), join(saved, f));
    copyFileSync(join(saved, f), join(pkg, "dist", f));
  }
  // The copy's mtime to the nanosecond, so only what fn breaks differs.
  spawnSync("touch", ["-r", join(saved, "snapshot.meta"), metaOf()]);
  try {
    await fn();
  } finally {
    for (const f of ["snapshot.blob", "snapshot.meta"]) renameSync(join(saved, f), join(pkg, "dist", f));
    rmSync(saved, { recursive: true, force: true });
  }
}

async function assertFallsBack(why: RegExp): Promise<void> {
  const r = await launcherIn(pkg)(renderArgs, traced);
  const expected = await plainIn(pkg)(renderArgs);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, expected.stdout);
  assert.match(r.stderr, why);
  assert.match(r.stderr, /sparklane: start: plain entry\n$/);
  assert.doesNotMatch(r.stderr, SNAPSHOT_LINE);
}

test(
  "a copy of the package uses its own snapshot, also through a node_modules/.bin symlink",
  { skip: pkgSkip },
  async (t) => {
    if (pkgSkip) return t.skip(pkgSkip);
    const r = await launcherIn(pkg)(renderArgs, traced);
    assert.match(r.stderr, new RegExp(`^sparklane: start: snapshot ${pkg}/dist/snapshot\\.blob\\n`));
    assert.equal(r.code, 0);
    // npm links node_modules/.bin/sparklane -> ../sparklane/bin/sparklane.
    const project = join(pkg, "project");
    mkdirSync(join(project, "node_modules/.bin"), { recursive: true });
    symlinkSync(pkg, join(project, "node_modules/sparklane"));
    symlinkSync("../sparklane/bin/sparklane", join(project, "node_modules/.bin/sparklane"));
    const linked = await run(join(project, "node_modules/.bin/sparklane"), renderArgs, {
      ...traced,
      cwd: project,
    });
    assert.match(linked.stderr, SNAPSHOT_LINE);
    assert.equal(linked.stdout, r.stdout);
  },
);

test("template files edited after the build are what the snapshot renders", { skip: pkgSkip }, async (t) => {
  if (pkgSkip) return t.skip(pkgSkip);
  const file = join(pkg, "templates/sparkapps/generic-spark-app.yaml");
  const original = readFileSync(file, "utf8");
  const before = await launcherIn(pkg)(renderArgs, traced);
  assert.match(before.stderr, SNAPSHOT_LINE);
  assert.doesNotMatch(before.stdout, /edited-after-build/);
  try {
    // The build's warm-up rendered exactly this template; an edit must still show.
    writeFileSync(
      file,
      original.replace(/^kind: SparkApplication$/m, "kind: SparkApplication\n# edited-after-build"),
    );
    const edited = await launcherIn(pkg)(renderArgs, traced);
    assert.match(edited.stderr, SNAPSHOT_LINE);
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /^kind: SparkApplication\n# edited-after-build$/m);
    assert.equal(edited.stdout, (await plainIn(pkg)(renderArgs)).stdout);
  } finally {
    writeFileSync(file, original);
  }
});

test("no sidecar or blob: the plain entry", { skip: pkgSkip }, async (t) => {
  if (pkgSkip) return t.skip(pkgSkip);
  await withBrokenSnapshot(async () => {
    rmSync(metaOf());
    rmSync(join(pkg, "dist/snapshot.blob"));
    await assertFallsBack(/no snapshot: no \S+snapshot\.meta/);
  });
});

test("a sidecar naming another node: the plain entry", { skip: pkgSkip }, async (t) => {
  if (pkgSkip) return t.skip(pkgSkip);
  await withBrokenSnapshot(async () => {
    const lines = readFileSync(metaOf(), "utf8").split("\n");
    lines[1] = "/opt/other-node/bin/node";
    writeFileSync(metaOf(), lines.join("\n"));
    await assertFallsBack(/no snapshot: built for \/opt\/other-node\/bin\/node/);
  });
});

test(
  "node replaced in place since the build (another mtime): the plain entry",
  { skip: pkgSkip },
  async (t) => {
    if (pkgSkip) return t.skip(pkgSkip);
    await withBrokenSnapshot(async () => {
      utimesSync(metaOf(), new Date(), new Date(2001, 0, 1));
      await assertFallsBack(/no snapshot: \S+ changed since the build/);
    });
  },
);

test(
  "a package moved after the build (its folder is frozen in the blob): the plain entry",
  { skip: pkgSkip },
  async (t) => {
    if (pkgSkip) return t.skip(pkgSkip);
    await withBrokenSnapshot(async () => {
      const meta = readFileSync(metaOf(), "utf8");
      writeFileSync(metaOf(), meta.replace(`${pkg}/dist`, `${repoRoot}dist`));
      // Keep the mtime check passing: only the folder differs.
      spawnSync("touch", ["-r", process.execPath, metaOf()]);
      await assertFallsBack(/no snapshot: built for \S+dist\n/);
    });
  },
);

test("a blob node refuses anyway (exit 14): the plain entry runs instead", { skip: pkgSkip }, async (t) => {
  if (pkgSkip) return t.skip(pkgSkip);
  await withBrokenSnapshot(async () => {
    // The header names the node version that built the blob; claim another one of the same length.
    const blobFile = join(pkg, "dist/snapshot.blob");
    const blob = readFileSync(blobFile);
    const version = Buffer.from(process.version.slice(1));
    const at = blob.subarray(0, 64).indexOf(version);
    assert.ok(at >= 0, "node's version in the blob header");
    const last = at + version.length - 1;
    blob[last] = 0x30 + ((blob[last]! - 0x30 + 1) % 10);
    writeFileSync(blobFile, blob);
    const r = await launcherIn(pkg)(renderArgs, traced);
    const expected = await plainIn(pkg)(renderArgs);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected.stdout);
    assert.match(r.stderr, /Failed to load the startup snapshot/);
    assert.match(
      r.stderr,
      /sparklane: the start-up snapshot does not fit this node; rebuild it with npm run build\n/,
    );
    assert.match(r.stderr, /no snapshot: node rejected \S+snapshot\.blob\nsparklane: start: plain entry\n$/);
    // A blob that vanished after the sidecar was read is the same case.
    rmSync(blobFile);
    const gone = await launcherIn(pkg)(renderArgs);
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal(gone.stdout, expected.stdout);
  });
});

test("exit codes pass through the snapshot path", { skip: pkgSkip }, async (t) => {
  if (pkgSkip) return t.skip(pkgSkip);
  const bad = await launcherIn(pkg)(
    ["render", "--conf", join(triggers, "visits-daily.json"), "--set", "executor_instances=0"],
    traced,
  );
  assert.match(bad.stderr, SNAPSHOT_LINE);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  // Killed by a signal: the launcher dies from the same one, as node would.
  const child = spawn(join(pkg, "bin/sparklane"), ["render", "--conf", "-"], {
    env: { ...process.env, PATH },
    stdio: ["pipe", "ignore", "ignore"],
  });
  // The launcher's node child, from /proc (Linux); elsewhere this part is left out.
  const children = `/proc/${child.pid}/task/${child.pid}/children`;
  if (!existsSync(children)) {
    child.kill("SIGKILL");
    return;
  }
  let node = 0;
  for (let i = 0; i < 500 && !node; i++) {
    node = Number(readFileSync(children, "utf8").trim().split(" ")[0]);
    if (!node) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(node, "node started under the launcher");
  const done = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("close", (_code, signal) => resolve(signal)),
  );
  process.kill(node, "SIGTERM");
  assert.equal(await done, "SIGTERM");
});
