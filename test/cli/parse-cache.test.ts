// The CLI keeps parsed template skeletons in its cache folder; output must not depend on whether it did.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";

const args = [
  "render",
  "--variant",
  "standard",
  "--conf",
  "test/fixtures/triggers/visits-mem-intensive.json",
  "--ds",
  "2026-03-15",
];

test("render writes its parse cache, reads it back, and prints the same either way", async () => {
  const cache = mkdtempSync(join(tmpdir(), "sparklane-cli-cache-"));
  try {
    const env = { SPARKLANE_CACHE_DIR: cache };
    const off = await runCli(args, { env: { ...env, SPARKLANE_PARSE_CACHE: "0" } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(existsSync(join(cache, "parses")), false, "SPARKLANE_PARSE_CACHE=0 writes nothing");

    const firstRun = await runCli(args, { env });
    const [version] = readdirSync(join(cache, "parses"));
    const entries = readdirSync(join(cache, "parses", version!));
    assert.equal(entries.length, 1, "one skeleton for one template shape");
    const second = await runCli(args, { env });
    assert.equal(firstRun.stdout, off.stdout);
    assert.equal(second.stdout, off.stdout);

    // A damaged entry is a miss, not an error.
    writeFileSync(join(cache, "parses", version!, entries[0]!), "garbage");
    const damaged = await runCli(args, { env });
    assert.equal(damaged.code, 0, damaged.stderr);
    assert.equal(damaged.stdout, off.stdout);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test("a parse cache folder that cannot be written does not fail render", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-cli-cache-"));
  try {
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const r = await runCli(args, { env: { SPARKLANE_CACHE_DIR: file } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
