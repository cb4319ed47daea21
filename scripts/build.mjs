// Bundles the CLI and the library with esbuild. Type checking is `tsc --noEmit` (npm test runs both):
// keeping them apart makes `npm ci` fast and keeps CLI start-up to a few bundled files, which the
// render benchmark depends on. Commands are split into lazy chunks so `render` never loads the
// Kubernetes or AWS clients. The build goes to a fresh folder that is swapped in at the end, so a
// CLI test running meanwhile never sees a half-written dist/.
import { build } from "esbuild";
import { renameSync, rmSync, existsSync } from "node:fs";

const tmp = `dist.tmp-${process.pid}`;
await build({
  // The library's subpath exports (package.json "exports"): each domain that talks to the outside world is
  // its own entry, so `import "sparklane"` loads none of their clients.
  entryPoints: {
    cli: "src/cli/index.ts",
    index: "src/index.ts",
    ...Object.fromEntries(
      ["artifact", "bootstrap", "kube", "ivy", "metrics", "ledger", "cost", "ui"].map((d) => [
        d,
        `src/${d}/index.ts`,
      ]),
    ),
  },
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Small, always-needed dependencies are bundled (start-up reads one file instead of hundreds); the large
  // clients that only some commands use stay external and load lazily with their command's chunk.
  external: ["@kubernetes/client-node", "@aws-sdk/*", "prom-client", "pino", "tar", "better-sqlite3", "pg"],
  sourcemap: true,
  minify: process.env.SPARKLANE_NO_MINIFY ? false : true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  // Bundled CommonJS dependencies (commander) call require() for node builtins.
  banner: {
    js: 'import { createRequire as __slCreateRequire } from "node:module"; const require = __slCreateRequire(import.meta.url);',
  },
});
const old = `dist.old-${process.pid}`;
if (existsSync("dist")) renameSync("dist", old);
renameSync(tmp, "dist");
rmSync(old, { recursive: true, force: true });
