// The import rule `npm test` runs (.dependency-cruiser.mjs) must catch what the architecture forbids. Each case
// is a tiny src/ tree in a temporary folder, checked with the project's own config and tsconfig.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Runs dependency-cruiser over `files` (paths under src/) and returns its exit status and report. */
function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-boundaries-"));
  try {
    for (const f of [".dependency-cruiser.mjs", "tsconfig.json", "package.json"])
      copyFileSync(join(repo, f), join(dir, f));
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
    for (const [path, text] of Object.entries({ "src/errors.ts": "export class UserError {}\n", ...files })) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(
      process.execPath,
      [
        join(repo, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"),
        "src",
        "--config",
        ".dependency-cruiser.mjs",
      ],
      { cwd: dir, encoding: "utf8", timeout: 120_000 },
    );
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("edges of the graph pass: render uses template, cli uses anything, every folder uses errors.ts, a dev dependency's types", () => {
  const r = cruise({
    "src/template/index.ts": 'import { UserError } from "../errors.js";\nexport const t = UserError;\n',
    "src/render/index.ts": 'import { t } from "../template/index.js";\nexport const r = t;\n',
    "src/cli/main.ts": 'import { r } from "../render/index.js";\nimport "commander";\nexport const m = r;\n',
    "src/manifest/schema.ts": 'import type { ErrorObject } from "ajv";\nexport type E = ErrorObject;\n',
  });
  assert.equal(r.status, 0, r.out);
});

const forbidden: Array<[string, Record<string, string>, RegExp]> = [
  [
    "local/ calling kube/",
    {
      "src/kube/index.ts": "export const k = 1;\n",
      "src/local/run.ts": 'import { k } from "../kube/index.js";\nexport const l = k;\n',
    },
    /not-in-allowed: src\/local\/run\.ts → src\/kube\/index\.ts/,
  ],
  [
    "a dynamic import of render/ from template/",
    {
      "src/render/index.ts": "export const r = 1;\n",
      "src/template/index.ts": 'export const t = () => import("../render/index.js");\n',
    },
    /not-in-allowed: src\/template\/index\.ts → src\/render\/index\.ts/,
  ],
  [
    "a type-only import of cli/ from the library",
    {
      "src/cli/io.ts": "export type Out = string;\n",
      "src/payload/index.ts": 'import type { Out } from "../cli/io.js";\nexport type P = Out;\n',
    },
    /library-never-imports-cli: src\/payload\/index\.ts → src\/cli\/io\.ts/,
  ],
  [
    "manifest/ reading a file",
    { "src/manifest/index.ts": 'import { readFileSync } from "node:fs";\nexport const m = readFileSync;\n' },
    /manifest-does-no-io: src\/manifest\/index\.ts → (node:)?fs/,
  ],
  [
    "template/ parsing YAML",
    { "src/template/index.ts": 'import { parse } from "yaml";\nexport const t = parse;\n' },
    /template-does-not-parse-yaml: src\/template\/index\.ts/,
  ],
  [
    "the Kubernetes client outside kube/",
    {
      "src/local/run.ts":
        'import { KubeConfig } from "@kubernetes/client-node";\nexport const l = KubeConfig;\n',
    },
    /package-kubernetes-client-node: src\/local\/run\.ts/,
  ],
  [
    "a devDependency loaded at run time (ajv only generates the CRD validator)",
    { "src/manifest/schema.ts": 'import Ajv from "ajv";\nexport const m = Ajv;\n' },
    /not-to-dev-dep: src\/manifest\/schema\.ts → \S*node_modules\/ajv\//,
  ],
  [
    "a cycle inside one folder",
    {
      "src/runtime/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/runtime/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    },
    /no-circular: src\/runtime\/(a|b)\.ts/,
  ],
];

for (const [name, files, expected] of forbidden) {
  test(`refused: ${name}`, () => {
    const r = cruise(files);
    assert.notEqual(r.status, 0, `expected a violation:\n${r.out}`);
    assert.match(r.out, expected);
  });
}
