// A private copy of examples/visits-etl (plus the sparklane-etl runtime it depends on by relative path), so a
// test can write outputs, run folders and broken files without touching the repository or other tests.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { repoRoot } from "../helpers/cli.js";

const SKIP = new Set([".sparklane", "output", ".venv", "__pycache__", ".pytest_cache", "spark-warehouse"]);

export interface ExampleCopy {
  readonly root: string;
  readonly project: string;
  readonly cache: string;
  cleanup(): void;
}

/**
 * The example does not commit its uv.lock (uv writes the package index's URLs into it); `uv lock` writes the
 * same file on every machine because the example's pyproject pins `exclude-newer`. Done once, in the repo,
 * as the quick start's first run would.
 */
export function ensureExampleLock(): void {
  const project = join(repoRoot, "examples", "visits-etl");
  if (!existsSync(join(project, "uv.lock"))) {
    execFileSync("uv", ["lock", "--quiet", "--project", project], {
      cwd: project,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
}

export function copyExample(): ExampleCopy {
  ensureExampleLock();
  const root = mkdtempSync(join(tmpdir(), "sparklane-local-"));
  const filter = (src: string): boolean => !SKIP.has(basename(src));
  cpSync(join(repoRoot, "examples", "visits-etl"), join(root, "examples", "visits-etl"), {
    recursive: true,
    filter,
  });
  cpSync(join(repoRoot, "python", "sparklane-etl"), join(root, "python", "sparklane-etl"), {
    recursive: true,
    filter,
  });
  return {
    root,
    project: join(root, "examples", "visits-etl"),
    cache: join(root, "cache"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
