// Bundles the CLI and the library with esbuild. Type checking is `tsc --noEmit` (npm test runs both):
// keeping them apart makes `npm ci` fast and keeps CLI start-up to a few bundled files, which the
// render benchmark depends on. Commands are split into lazy chunks so `render` never loads the
// Kubernetes or AWS clients.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: "src/cli/index.ts", index: "src/index.ts" },
  outdir: "dist",
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
