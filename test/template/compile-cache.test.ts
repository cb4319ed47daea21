import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Environment } from "../../src/template/index.js";

test("a new Environment sees an edited template file, and an unchanged one renders the same", () => {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-compile-"));
  try {
    writeFileSync(join(dir, "t.yaml"), "a: {{ x }}\n");
    const render = (): string =>
      new Environment({ searchPath: [dir] }).getTemplate("t.yaml").render({ x: 1 });
    assert.equal(render(), "a: 1");
    assert.equal(render(), "a: 1");
    writeFileSync(join(dir, "t.yaml"), "b: {{ x + 1 }}\n");
    assert.equal(render(), "b: 2");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
