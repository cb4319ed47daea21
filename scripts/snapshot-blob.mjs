// Turns dist/snapshot-entry.cjs (bundled by build-snapshot.mjs) into dist/snapshot.blob and its sidecar
// dist/snapshot.meta, with the node that runs this script. Node builtins only: it also runs at install time
// (`postinstall`), where neither esbuild nor the sources are present, since a blob only loads in the node
// that built it and so cannot be shipped. Any failure is one warning: the CLI runs without the blob.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The sidecar's first line; bin/sparklane ignores a sidecar with any other. */
export const SNAPSHOT_FORMAT = "sparklane-snapshot 1";

/** SPARKLANE_NO_SNAPSHOT set (and not 0): build no blob (build-snapshot.mjs then skips the bundle too). */
export function disabled() {
  return !!process.env.SPARKLANE_NO_SNAPSHOT && process.env.SPARKLANE_NO_SNAPSHOT !== "0";
}

export function skip(why) {
  console.warn(
    `warning: start-up snapshot not built (${why}); sparklane works without it, only starts slower`,
  );
  return why;
}

/**
 * Builds `${outDir}/snapshot.blob` and `${outDir}/snapshot.meta` from `${outDir}/snapshot-entry.cjs`.
 * finalDir is where outDir will be once in place: the package folder frozen into the blob.
 * @returns undefined when built, else the reason it was not (already printed as a warning)
 */
export function makeBlob(outDir, finalDir = outDir) {
  if (disabled()) return skip("SPARKLANE_NO_SNAPSHOT is set");
  const entry = join(outDir, "snapshot-entry.cjs");
  // Written under temporary names and renamed into place: node aborts on a half-written blob.
  const blob = join(outDir, `snapshot.blob.tmp-${process.pid}`);
  const meta = join(outDir, `snapshot.meta.tmp-${process.pid}`);
  try {
    const root = realpathSync(dirname(resolve(finalDir)));
    const dist = join(root, basename(resolve(finalDir)));
    const node = realpathSync(process.execPath);
    const r = spawnSync(node, ["--snapshot-blob", blob, "--build-snapshot", entry], {
      cwd: root,
      // The entry takes its import.meta.url (the package folder) from here, else from its own folder.
      env: { ...process.env, SPARKLANE_SNAPSHOT_DIST: dist },
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
    writeFileSync(meta, metaText(node, dist));
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
  }
}

function metaText(node, dist) {
  return `${SNAPSHOT_FORMAT}\n${node}\n${process.version} ${process.platform} ${process.arch}\n${dist}\n`;
}

/** The blob in `dir` was built by this very node for this folder (what bin/sparklane checks, less the mtime). */
function current(dir) {
  try {
    const dist = realpathSync(dir);
    return (
      existsSync(join(dist, "snapshot.blob")) &&
      readFileSync(join(dist, "snapshot.meta"), "utf8") === metaText(realpathSync(process.execPath), dist)
    );
  } catch {
    return false;
  }
}

// `node scripts/snapshot-blob.mjs [--if-needed] [dist-folder]`. --if-needed (the postinstall) does nothing when
// there is no bundled entry yet (a source checkout before its build) or the blob already fits this node.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ifNeeded = args.includes("--if-needed");
  const dir = args.find((a) => a !== "--if-needed") ?? fileURLToPath(new URL("../dist", import.meta.url));
  if (ifNeeded && (!existsSync(join(dir, "snapshot-entry.cjs")) || current(dir))) {
    process.exitCode = 0;
  } else {
    const failed = makeBlob(dir, dir) !== undefined;
    // At install time a missing blob only means a slower start: never fail the install over it.
    process.exitCode = failed && !ifNeeded ? 1 : 0;
  }
}
