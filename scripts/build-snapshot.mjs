// Builds the start-up snapshot (dist/snapshot.blob) that bin/sparklane starts render, validate and lint from,
// and its sidecar (dist/snapshot.meta) saying which node and which folder it was built for. A blob only loads
// in the exact node that built it, so it is built here, with the node that runs the build, by `npm ci`
// (prepare) and `npm run build`. Any failure is one warning: the CLI runs without the blob, only slower.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const entrySource = fileURLToPath(new URL("../src/cli/snapshot.ts", import.meta.url));

// What only the other commands load becomes a stub that throws when loaded: the clients (a snapshot has no
// require() for packages), and everything those commands import lazily (less heap to deserialize on every
// start: about 10 ms). The warm-up proves render, validate and lint never load a stub.
const notInSnapshot = /^(@kubernetes\/client-node|@aws-sdk\/[^/]+|prom-client|pino|tar)(\/.*)?$/;
const snapshotCommands = /[/\\]src[/\\]cli[/\\]commands[/\\](render|validate|lint|index)\.ts$/;
const otherCommand = /[/\\]src[/\\]cli[/\\]commands[/\\][^/\\]+\.ts$/;

/** The sidecar's first line; bin/sparklane ignores a sidecar with any other. */
export const SNAPSHOT_FORMAT = "sparklane-snapshot 1";

/**
 * Builds `${outDir}/snapshot.blob` and `${outDir}/snapshot.meta`. outDir is the build's fresh folder;
 * finalDir is where it will be once swapped in, the path frozen into the blob.
 * @returns undefined when built, else the reason it was not (already printed as a warning)
 */
export async function buildSnapshot(outDir, finalDir) {
  if (process.env.SPARKLANE_NO_SNAPSHOT && process.env.SPARKLANE_NO_SNAPSHOT !== "0") {
    return skip("SPARKLANE_NO_SNAPSHOT is set");
  }
  const entry = join(outDir, "snapshot-entry.cjs");
  // Written under temporary names and renamed into place: node aborts on a half-written blob.
  const blob = join(outDir, `snapshot.blob.tmp-${process.pid}`);
  const meta = join(outDir, `snapshot.meta.tmp-${process.pid}`);
  try {
    const root = realpathSync(dirname(resolve(finalDir)));
    const dist = join(root, basename(resolve(finalDir)));
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
      // bundle has no import.meta, so the final bundle's own URL stands in for it.
      define: { "import.meta.url": JSON.stringify(pathToFileURL(join(dist, "index.js")).href) },
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
    const node = realpathSync(process.execPath);
    const r = spawnSync(node, ["--snapshot-blob", blob, "--build-snapshot", entry], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      timeout: 180_000,
    });
    if (r.error) return skip(r.error.message);
    if (r.status !== 0 || !existsSync(blob) || statSync(blob).size === 0) {
      // Skip node's notes that some built-in modules are "not yet fully verified" in snapshots (commander
      // loads child_process at start); render, validate and lint use none of them.
      const why =
        (r.stderr ?? "")
          .split("\n")
          .find(
            (l) => l.trim() && !/^(\(node:\d+\)|It may still work|To request support|\(Use `node)/.test(l),
          ) ?? `exit ${r.status ?? r.signal}`;
      return skip(`node --build-snapshot: ${why}`);
    }
    // bin/sparklane reads this with the shell's `read`, one value a line. Its mtime is set to node's, so the
    // launcher can see (with `test -nt/-ot`, no process) that node was replaced in place since the build.
    writeFileSync(
      meta,
      `${SNAPSHOT_FORMAT}\n${node}\n${process.version} ${process.platform} ${process.arch}\n${dist}\n`,
    );
    const touch = spawnSync("touch", ["-r", node, meta], { encoding: "utf8" });
    if (touch.status !== 0) {
      return skip(`touch -r: ${touch.error?.message ?? touch.stderr.trim()}`);
    }
    renameSync(blob, join(outDir, "snapshot.blob"));
    renameSync(meta, join(outDir, "snapshot.meta"));
    return undefined;
  } catch (e) {
    return skip(e instanceof Error ? e.message.split("\n")[0] : String(e));
  } finally {
    rmSync(blob, { force: true });
    rmSync(meta, { force: true });
    // SPARKLANE_KEEP_SNAPSHOT_ENTRY=1 keeps the bundle, to see what went into a blob.
    if (!process.env.SPARKLANE_KEEP_SNAPSHOT_ENTRY) rmSync(entry, { force: true });
  }
}

function skip(why) {
  console.warn(
    `warning: start-up snapshot not built (${why}); sparklane works without it, only starts slower`,
  );
  return why;
}

// `node scripts/build-snapshot.mjs [dist-folder]` rebuilds just the snapshot of an already built folder (the
// tests build one for a copy of the package); exit 1 when it was not built.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL("../dist", import.meta.url));
  process.exitCode = (await buildSnapshot(dir, dir)) === undefined ? 0 : 1;
}
