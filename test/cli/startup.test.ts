// The CLI starts fast by loading little: each command loads only the code it needs. A module-load hook
// records every file node loads; the built chunks' source maps say which sources and packages each one holds.
// A static import that drags a heavy module into the entry (as wiring the parse cache once pulled the YAML
// parser and the CRD validator into `--help`) fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { binPath, repoRoot } from "../helpers/cli.js";

/**
 * What a command line loaded: npm packages and src/ folders (or top-level files), from the source maps.
 * `script` runs instead of the CLI: a module whose imports are under test.
 */
function loadedBy(args: string[], script?: string): { parts: Set<string>; files: number } {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-startup-"));
  try {
    const hooks = join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      'export async function load(url, context, next) {\n  if (url.startsWith("file:")) process.stderr.write(`LOADED ${url}\\n`);\n  return next(url, context);\n}\n',
    );
    const register = join(dir, "register.mjs");
    writeFileSync(
      register,
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    let entry = binPath;
    if (script !== undefined) {
      entry = join(dir, "script.mjs");
      writeFileSync(entry, script);
    }
    const r = spawnSync(process.execPath, ["--import", pathToFileURL(register).href, entry, ...args], {
      cwd: repoRoot,
      encoding: "utf8",
      // No cluster is reachable: the kube commands stop at connecting, after loading what they need.
      env: { ...process.env, KUBECONFIG: join(dir, "no-kubeconfig") },
    });
    if (script !== undefined) assert.equal(r.status, 0, r.stderr);
    const files = [...r.stderr.matchAll(/^LOADED (file:\S+)$/gm)].map((m) => fileURLToPath(m[1]!));
    assert.ok(files.length > 0, `the hook saw no file: ${r.stderr}`);
    const parts = new Set<string>();
    for (const f of files) {
      if (f.includes("/node_modules/")) {
        const [scope, name] = f.split("/node_modules/").pop()!.split("/");
        parts.add(`npm:${scope!.startsWith("@") ? `${scope}/${name}` : scope}`);
      } else if (existsSync(`${f}.map`)) {
        const map = JSON.parse(readFileSync(`${f}.map`, "utf8")) as { sources: string[] };
        for (const s of map.sources) {
          const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(s) ?? /src\/([^/]+)/.exec(s);
          if (m) parts.add(s.includes("node_modules/") ? `npm:${m[1]}` : `src/${m[1]}`);
        }
      }
    }
    return { parts, files: files.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = existsSync(join(repoRoot, "dist/cli.js.map"))
  ? false
  : "no dist/ with source maps: run npm run build";
const HEAVY = ["npm:yaml", "npm:zod", "src/manifest", "src/template", "src/payload"];
const CLIENTS = [
  "npm:@kubernetes/client-node",
  "npm:@aws-sdk/client-s3",
  "npm:prom-client",
  "npm:pino",
  "npm:tar",
];

test("--help and --version load the command definitions and commander, nothing else", { skip }, () => {
  for (const args of [["--help"], ["--version"], ["render", "--help"], ["exporter", "--help"]]) {
    const { parts } = loadedBy(args);
    assert.deepEqual(
      [...parts].filter((p) => p.startsWith("npm:")),
      ["npm:commander"],
      `${args.join(" ")}: ${[...parts].join(" ")}`,
    );
    for (const heavy of HEAVY) assert.ok(!parts.has(heavy), `${args.join(" ")} loads ${heavy}`);
  }
});

test("render loads the template engine, yaml, zod and the validator, and no client", { skip }, () => {
  const { parts } = loadedBy([
    "render",
    "--variant",
    "standard",
    "--conf",
    "test/fixtures/triggers/visits-daily.json",
    "--ds",
    "2026-03-15",
  ]);
  for (const needed of HEAVY) assert.ok(parts.has(needed), `render uses ${needed}: ${[...parts].join(" ")}`);
  for (const client of [...CLIENTS, "src/kube", "src/local", "src/artifact", "src/ivy", "src/metrics"]) {
    assert.ok(!parts.has(client), `render loads ${client}`);
  }
});

test(
  "a cluster command loads the Kubernetes client, not zod, the validator or the template engine",
  { skip },
  () => {
    const { parts } = loadedBy(["status", "some-app"]);
    assert.ok(parts.has("npm:@kubernetes/client-node"), [...parts].join(" "));
    for (const heavy of [
      "npm:zod",
      "src/manifest",
      "src/template",
      "src/payload",
      "npm:@aws-sdk/client-s3",
    ]) {
      assert.ok(!parts.has(heavy), `status loads ${heavy}`);
    }
  },
);

test(
  "the library's root export is the pure core: no client loads until its subpath is imported",
  { skip },
  () => {
    const dist = (name: string) => JSON.stringify(pathToFileURL(join(repoRoot, "dist", `${name}.js`)).href);
    const core = loadedBy(
      [],
      `const lib = await import(${dist("index")});\nif (typeof lib.renderAndCheck !== "function") throw new Error("no renderAndCheck");\n`,
    );
    assert.ok(core.parts.has("src/render"), [...core.parts].join(" "));
    for (const part of [
      ...CLIENTS,
      "npm:better-sqlite3",
      "npm:pg",
      "src/kube",
      "src/ivy",
      "src/metrics",
      "src/artifact",
      "src/bootstrap",
      "src/ledger",
      "src/cost",
      "src/ui",
    ])
      assert.ok(!core.parts.has(part), `import "sparklane" loads ${part}`);

    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      exports: Record<string, string>;
    };
    const clientOf: Record<string, string> = {
      "./kube": "npm:@kubernetes/client-node",
      "./metrics": "npm:prom-client",
      "./ivy": "npm:prom-client",
      "./artifact": "npm:tar",
      "./bootstrap": "npm:tar",
      "./ledger": "src/ledger",
      "./cost": "src/cost",
      "./ui": "src/ui",
    };
    assert.deepEqual(Object.keys(pkg.exports).sort(), [".", ...Object.keys(clientOf)].sort());
    for (const [sub, client] of Object.entries(clientOf)) {
      const file = pkg.exports[sub]!.replace(/^\.\/dist\/|\.js$/g, "");
      const { parts } = loadedBy([], `await import(${dist(file)});\n`);
      assert.ok(parts.has(client), `sparklane${sub.slice(1)} loads ${client}: ${[...parts].join(" ")}`);
    }
  },
);
