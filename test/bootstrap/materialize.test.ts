// materializeArtifact is what `run --local --from-artifact VERSION [--store URI]` calls: published code
// through the same bootstrap the cluster runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { materializeArtifact, type Step as BootstrapStep } from "../../src/bootstrap/index.js";
import { packageProject } from "../../src/artifact/package.js";
import { publishArtifact } from "../../src/artifact/remote.js";
import { openStore } from "../../src/artifact/open.js";
import { UserError } from "../../src/errors.js";
import { fixtureProject, tempDir } from "../artifact/helpers.js";

test("materializeArtifact: full mode gives code and a python; a second call does nothing", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  const s = await openStore(store);
  const p = packageProject({ projectDir: fixtureProject, version: "1.0.0" });
  await publishArtifact(s, p.archive, p.manifest, { latest: true });
  const steps: BootstrapStep[] = [];
  const dest = join(root, "run");
  const m = await materializeArtifact({
    store,
    project: "tiny-etl",
    version: "latest",
    dest,
    mode: "full",
    onStep: (x) => steps.push(x),
  });
  assert.equal(m.version, "1.0.0");
  assert.equal(m.changed, true);
  assert.equal(m.codeDir, dest);
  assert.equal(m.python, join(dest, ".venv", "bin", "python3"));
  assert.deepEqual(
    steps.map((x) => x.name),
    ["open store", "resolve", "download+verify", "extract", "uv sync", "activate"],
  );
  const out = spawnSync(
    m.python!,
    [join(m.codeDir, "visits_distinct", "visits_distinct_daily.py"), "--process-date", "2026-03-15"],
    { encoding: "utf8" },
  );
  assert.equal(out.stdout.trim(), "visits_distinct_daily ['--process-date', '2026-03-15']");
  const again = await materializeArtifact({
    store,
    project: "tiny-etl",
    version: "1.0.0",
    dest,
    mode: "full",
  });
  assert.equal(again.changed, false);
  assert.equal(again.fingerprint, p.manifest.fingerprint);
});

test("materializeArtifact: code-only puts code at dest/etl for a venv the caller brings; errors are typed", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  const s = await openStore(store);
  const p = packageProject({ projectDir: fixtureProject, version: "2.0.0" });
  await publishArtifact(s, p.archive, p.manifest);
  const dest = join(root, "run");
  const m = await materializeArtifact({
    store,
    project: "tiny-etl",
    version: "2.0.0",
    dest,
    mode: "code-only",
  });
  assert.equal(m.codeDir, join(dest, "etl"));
  assert.equal(m.python, undefined);
  assert.ok(existsSync(join(dest, "etl", "visits_distinct", "config", "dev-daily.yaml")));
  assert.equal(
    readFileSync(join(dest, "etl", "visits_distinct", "config", "dev-daily.yaml"), "utf8"),
    readFileSync(join(fixtureProject, "visits_distinct", "config", "dev-daily.yaml"), "utf8"),
  );
  await assert.rejects(
    materializeArtifact({
      store,
      project: "tiny-etl",
      version: "2.0.1",
      dest: join(root, "x"),
      mode: "full",
    }),
    (e: unknown) => e instanceof UserError && /nearest: 2\.0\.0/.test(e.message),
  );
});
