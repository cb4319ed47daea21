// Where the CLI's own text goes: render, validate, lint, help, version and the error boundary.
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";

export function out(text: string): void {
  process.stdout.write(text);
}

export function err(text: string): void {
  process.stderr.write(text);
}

/** Refuses an `--out` whose folder is missing, before any work is done for it. */
export function checkOutPath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError(
      `--out ${path}: the folder ${dir} does not exist`,
      "create it first, or give another path",
    );
}

/** Writes `text` to `path` whole or not at all: a temporary file beside it, renamed over it. */
export function writeOut(path: string, text: string): void {
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(
      `--out ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      "give a file in a folder you can write to",
      { cause: e },
    );
  }
}
