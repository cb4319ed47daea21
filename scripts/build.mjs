// Bundles the CLI and the library with esbuild. Type checking is `tsc --noEmit` (npm test runs both):
// keeping them apart makes `npm ci` fast and keeps CLI start-up to a few bundled files, which the
// render benchmark depends on. Commands are split into lazy chunks so `render` never loads the
// Kubernetes or AWS clients. The build goes to a fresh folder that is swapped in at the end, so a
// CLI test running meanwhile never sees a half-written dist/.
import { build } from "esbuild";
import { renameSync, rmSync, existsSync } from "node:fs";

const tmp = `dist.tmp-${process.pid}`;
await build({
  entryPoints: { cli: "src/cli/index.ts", index: "src/index.ts" },
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
const old = `dist.old-${process.pid}`;
if (existsSync("dist")) renameSync("dist", old);
renameSync(tmp, "dist");
rmSync(old, { recursive: true, force: true });
