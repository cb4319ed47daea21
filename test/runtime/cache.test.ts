// The runtime cache with real uv on a copy of the example: miss, hit, fingerprint change, damaged and
// half-built caches, and an interrupted build. JAR resolution (Ivy) is covered by the local integration test.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { InterruptedError } from "../../src/errors.js";
import { ensureRuntime, lookupRuntime, runtimeDir, MARKER } from "../../src/runtime/cache.js";
import {
  computeFingerprint,
  hashTree,
  normaliseCoordinates,
  type Fingerprint,
} from "../../src/runtime/fingerprint.js";
import { parseUvLock, readProjectLock } from "../../src/runtime/lockfile.js";
import { copyExample } from "../local/example.js";
import { realUv } from "./tools.js";

const ex = copyExample();
const uv = realUv();
test.after(() => ex.cleanup());

const fp = (over: { jars?: string[]; python?: string } = {}): Fingerprint =>
  computeFingerprint({
    projectDir: ex.project,
    lock: readProjectLock(ex.project),
    jars: over.jars ?? [],
    python: over.python ?? "3.11.7",
  });
const ensure = (f: Fingerprint, signal?: AbortSignal) =>
  ensureRuntime({ root: ex.cache, fingerprint: f, uv, projectDir: ex.project, coordinates: [], signal });

test("uv.lock facts: pyspark's version and the local path source", () => {
  const lock = readProjectLock(ex.project);
  assert.equal(lock.sparkVersion, "4.0.1");
  assert.deepEqual(lock.localSources, ["../../python/sparklane-etl"]);
  assert.deepEqual(
    parseUvLock(
      '[[package]]\nname = "a"\nversion = "1"\nsource = { registry = "x" }\n\n[[package]]\nname = "b"\nsource = { editable = "../b" }\n',
    ).map((p) => [p.name, p.source?.kind]),
    [
      ["a", "registry"],
      ["b", "editable"],
    ],
  );
});

test("the fingerprint changes with each input, and only with them", () => {
  const a = fp();
  assert.equal(fp().id, a.id, "stable");
  assert.equal(
    fp({ jars: ["b:b:1", "a:a:1", "a:a:1"] }).id,
    fp({ jars: ["a:a:1", "b:b:1"] }).id,
    "JAR order and duplicates do not matter",
  );
  assert.notEqual(fp({ jars: ["a:a:1"] }).id, a.id, "JAR coordinates");
  assert.notEqual(fp({ python: "3.12.1" }).id, a.id, "Python version");
  assert.deepEqual(normaliseCoordinates(" x:y:1 ,a:b:2,"), ["a:b:2", "x:y:1"]);

  const pyproject = join(ex.project, "pyproject.toml");
  const original = readFileSync(pyproject, "utf8");
  appendFileSync(pyproject, "\n# touched\n");
  assert.notEqual(fp().id, a.id, "pyproject.toml");
  writeFileSync(pyproject, original);

  // A change in the runtime package used by path: a different venv, so a different fingerprint.
  const src = join(ex.root, "python", "sparklane-etl", "src", "sparklane_etl", "job.py");
  const before = hashTree(join(ex.root, "python", "sparklane-etl"));
  const text = readFileSync(src, "utf8");
  appendFileSync(src, "\n# touched\n");
  assert.notEqual(hashTree(join(ex.root, "python", "sparklane-etl")), before);
  assert.notEqual(fp().id, a.id, "local path source");
  writeFileSync(src, text);
  // Bytecode caches are not content.
  mkdirSync(join(ex.root, "python", "sparklane-etl", "src", "sparklane_etl", "__pycache__"), {
    recursive: true,
  });
  writeFileSync(
    join(ex.root, "python", "sparklane-etl", "src", "sparklane_etl", "__pycache__", "job.cpython-311.pyc"),
    "x",
  );
  assert.equal(fp().id, a.id);
});

test("miss builds once, then hit; a new fingerprint gets its own runtime", async () => {
  const f = fp();
  assert.equal(lookupRuntime(ex.cache, f.id).state, "absent");
  const first = await ensure(f);
  assert.equal(first.cache, "miss");
  assert.ok(existsSync(join(runtimeDir(ex.cache, f.id), MARKER)));
  assert.ok(existsSync(first.runtime.venv.python));
  assert.ok(existsSync(join(first.runtime.venv.sparkHome, "bin", "spark-submit")));
  // The venv holds the locked dependencies, including the runtime package used by path.
  const site = join(first.runtime.venv.sparkHome, "..");
  assert.ok(existsSync(join(site, "sparklane_etl", "job.py")));
  assert.ok(existsSync(join(site, "yaml")));

  const second = await ensure(f);
  assert.equal(second.cache, "hit");
  assert.equal(second.runtime.dir, first.runtime.dir);

  const other = fp({ python: "3.11.99-test" });
  const third = await ensure(other);
  assert.equal(third.cache, "miss");
  assert.notEqual(third.runtime.dir, first.runtime.dir);
  assert.equal((await ensure(f)).cache, "hit", "the first runtime is untouched");
  const names = readdirSync(join(ex.cache, "runtimes")).sort();
  assert.deepEqual(names, [f.id, other.id].sort(), "no scratch folders are left behind");
});

test("damaged runtimes are detected and rebuilt, never used", async () => {
  const f = fp();
  await ensure(f);
  const dir = runtimeDir(ex.cache, f.id);
  const damage: [string, () => void, RegExp][] = [
    ["marker missing (killed before the end)", () => rmSync(join(dir, MARKER)), /runtime\.json is missing/],
    ["marker garbled", () => writeFileSync(join(dir, MARKER), "{not json"), /not valid JSON/],
    [
      "marker for another fingerprint",
      () => writeFileSync(join(dir, MARKER), JSON.stringify({ format: 1, fingerprint: "other", jars: [] })),
      /does not describe/,
    ],
    ["venv half-deleted", () => rmSync(join(dir, "venv", "bin", "python3")), /has no python3 or no pyspark/],
    [
      "a listed JAR missing",
      () => {
        const m = JSON.parse(readFileSync(join(dir, MARKER), "utf8")) as { jars: string[] };
        m.jars = ["gone.jar"];
        writeFileSync(join(dir, MARKER), JSON.stringify(m));
      },
      /gone\.jar is missing/,
    ],
  ];
  for (const [what, breakIt, reason] of damage) {
    breakIt();
    const looked = lookupRuntime(ex.cache, f.id);
    assert.equal(looked.state, "corrupt", what);
    assert.match((looked as { reason: string }).reason, reason, what);
    const rebuilt = await ensure(f);
    assert.equal(rebuilt.cache, "rebuilt", what);
    assert.match(rebuilt.reason ?? "", reason, what);
    assert.equal(lookupRuntime(ex.cache, f.id).state, "hit", what);
  }
});

test("a build killed mid-way (uv sync interrupted) leaves nothing usable, and the next run builds afresh", async () => {
  const f = fp({ python: "3.11.98-interrupted" });
  const controller = new AbortController();
  // Abort as soon as uv is running: the scratch folder exists, the final one must never appear.
  const started = ensure(f, controller.signal);
  const scratchSeen = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (readdirSync(join(ex.cache, "runtimes")).some((n) => n.startsWith(`.building-${f.id}`))) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
  await scratchSeen;
  controller.abort();
  await assert.rejects(started, InterruptedError);
  assert.equal(lookupRuntime(ex.cache, f.id).state, "absent");
  assert.ok(!readdirSync(join(ex.cache, "runtimes")).some((n) => n.includes(f.id)), "scratch removed");

  // A scratch folder left by a process that died without cleaning up (SIGKILL) is swept, never used.
  const dead = join(ex.cache, "runtimes", `.building-${f.id}-999999-1`);
  mkdirSync(join(dead, "venv"), { recursive: true });
  const built = await ensure(f);
  assert.equal(built.cache, "miss");
  assert.ok(!existsSync(dead));
});
