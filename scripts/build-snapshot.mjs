// Builds the start-up snapshot (dist/snapshot.blob) that bin/sparklane starts render, validate and lint from,
// and its sidecar (dist/snapshot.meta) saying which node and which folder it was built for. A blob only loads
// in the exact node that built it, so it is built here, with the node that runs the build, by `npm ci`
// (prepare) and `npm run build`. Any failure is one warning: the CLI runs without the blob, only slower.
import { build } from "esbuild";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { disabled, makeBlob, skip } from "./snapshot-blob.mjs";

const entrySource = fileURLToPath(new URL("../src/cli/snapshot.ts", import.meta.url));

// What only the other commands load becomes a stub that throws when loaded: the clients (a snapshot has no
// require() for packages), and everything those commands import lazily (less heap to deserialize on every
// start: about 10 ms). The warm-up proves render, validate and lint never load a stub.
const notInSnapshot = /^(@kubernetes\/client-node|@aws-sdk\/[^/]+|prom-client|pino|tar)(\/.*)?$/;
const snapshotCommands = /[/\\]src[/\\]cli[/\\]commands[/\\](render|validate|lint|index)\.ts$/;
const otherCommand = /[/\\]src[/\\]cli[/\\]commands[/\\][^/\\]+\.ts$/;

export { SNAPSHOT_FORMAT } from "./snapshot-blob.mjs";

/**
 * Builds `${outDir}/snapshot.blob` and `${outDir}/snapshot.meta`. outDir is the build's fresh folder;
 * finalDir is where it will be once swapped in, the path frozen into the blob.
 * @returns undefined when built, else the reason it was not (already printed as a warning)
 */
export async function buildSnapshot(outDir, finalDir) {
  if (disabled()) return skip("SPARKLANE_NO_SNAPSHOT is set");
  // Kept in dist/ and shipped: the postinstall (snapshot-blob.mjs) builds a blob from it where it is installed.
  const entry = join(outDir, "snapshot-entry.cjs");
  try {
    await build({
      entryPoints: [entrySource],
      outfile: entry,
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      minify: process.env.SPARKLANE_NO_MINIFY ? false : true,
      logLevel: "warning",
      // builtinTemplateDir (src/project) walks up from import.meta.url to the package root. A CommonJS
      // bundle has no import.meta: the dist folder the blob is built for stands in (snapshot-blob.mjs passes
      // it; else the entry's own folder), read when the blob is built, never at this bundle's build.
      define: { "import.meta.url": "__slImportMetaUrl" },
      banner: {
        js: 'var __slImportMetaUrl = require("node:url").pathToFileURL(require("node:path").join(process.env.SPARKLANE_SNAPSHOT_DIST || __dirname, "index.js")).href;',
      },
      plugins: [
        {
          name: "not-in-snapshot",
          setup(b) {
            b.onResolve({ filter: notInSnapshot }, (a) => ({ path: a.path, namespace: "not-in-snapshot" }));
            b.onResolve({ filter: /^\./ }, (a) =>
              a.kind === "dynamic-import" &&
              otherCommand.test(a.importer) &&
              !snapshotCommands.test(a.importer)
                ? {
                    path: `${a.path} (from ${a.importer.replace(/.*[/\\]/, "")})`,
                    namespace: "not-in-snapshot",
                  }
                : undefined,
            );
            b.onLoad({ filter: /.*/, namespace: "not-in-snapshot" }, (a) => ({
              // CommonJS (module.exports), so esbuild lets the importers name exports without a warning.
              contents: `module.exports = {}; throw new Error(${JSON.stringify(`${a.path} is not in sparklane's start-up snapshot; set SPARKLANE_NO_SNAPSHOT=1 and report this`)});`,
              loader: "js",
            }));
          },
        },
      ],
    });
    return makeBlob(outDir, finalDir);
  } catch (e) {
    return skip(e instanceof Error ? e.message.split("\n")[0] : String(e));
  }
}

// `node scripts/build-snapshot.mjs [dist-folder]` rebuilds just the snapshot of an already built folder (the
// tests build one for a copy of the package); exit 1 when it was not built.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL("../dist", import.meta.url));
  process.exitCode = (await buildSnapshot(dir, dir)) === undefined ? 0 : 1;
}
