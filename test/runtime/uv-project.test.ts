// The one TOML reader for pyproject.toml and uv.lock (src/runtime/uv-project.ts), and the three places
// that used to scan those files with regular expressions: each case below is TOML a scan misread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lockedPackages, parseToml, uvIndexNames } from "../../src/runtime/uv-project.js";
import { uvIndexNames as bootstrapIndexNames } from "../../src/bootstrap/uv.js";
import { parseUvLock } from "../../src/runtime/lockfile.js";
import { unhashedRegistryPackages } from "../../src/artifact/package.js";
import { UserError } from "../../src/errors.js";

test("uvIndexNames: every [[tool.uv.index]] name, however the TOML spells it", () => {
  const pyproject = `
[project]
name = "x"

[[tool.uv.index]]
url = "https://a.example/simple"
name = "private"            # a comment after the value

[[tool.uv.index]]
# name = "commented-out"
url = "https://b.example/simple"
"name" = 'quoted-key'

[tool.uv]
index = [{ name = "never-reached", url = "https://c.example" }]
`;
  // The last table redefines tool.uv.index: not valid TOML, so a parser refuses what a scan accepted.
  assert.throws(
    () => uvIndexNames(pyproject, "p/pyproject.toml"),
    (e: unknown) => e instanceof UserError && /p\/pyproject\.toml:\d+:\d+: invalid TOML/.test(e.message),
  );
  const valid = pyproject.slice(0, pyproject.indexOf("[tool.uv]\n"));
  assert.deepEqual(uvIndexNames(valid), ["private", "quoted-key"]);
  assert.deepEqual(
    bootstrapIndexNames(valid),
    ["private", "quoted-key"],
    "bootstrap reads through the same module",
  );
  // Inline-table form, which a header scan never saw.
  assert.deepEqual(uvIndexNames(`[tool.uv]\nindex = [{ name = "inline", url = "https://x" }]\n`), ["inline"]);
  assert.deepEqual(uvIndexNames(`[project]\nname = "x"\n`), []);
});

const lock = `version = 1
requires-python = ">=3.10"

[[package]]
name = "good"
version = "1.0"
source = { registry = "https://idx/simple" }
wheels = [
    { url = "https://idx/good.whl", hash = "sha256:00", size = 1 },
]

[[package]]
version = "2.0"
name = "reordered"
source = {registry="https://idx/simple"}
sdist = { url = "https://idx/r.tar.gz", size = 1 }

[[package]]
name = "local"
version = "0.1"
source = { directory = "../x" }

[package.metadata]
requires-dist = [{ name = "good" }]
`;

test("uv.lock packages: key order, spacing and nested tables do not change what is read", () => {
  assert.deepEqual(
    lockedPackages(lock).map((p) => [p.name, p.version, p.source?.kind, p.source?.value, p.hashed]),
    [
      ["good", "1.0", "registry", "https://idx/simple", true],
      ["reordered", "2.0", "registry", "https://idx/simple", false],
      ["local", "0.1", "directory", "../x", false],
    ],
  );
  assert.deepEqual(
    parseUvLock(lock).map((p) => p.name),
    ["good", "reordered", "local"],
  );
  assert.deepEqual(unhashedRegistryPackages(lock), ["reordered 2.0"]);
});

test("a broken uv.lock is bad input naming file, line and column", () => {
  assert.throws(
    () => parseToml('[[package]]\nname = "a\n', "/p/uv.lock"),
    (e: unknown) =>
      e instanceof UserError &&
      e.exitCode === 2 &&
      /^\/p\/uv\.lock:2:\d+: invalid TOML/.test(e.message) &&
      /uv lock/.test(e.hint ?? ""),
  );
});
