// Atomic file replacement for a file that another process (spark-submit in the controller) reads at
// any moment: temp file in the same folder, write, fsync, chmod, rename, fsync the folder. A reader
// sees the old file or the new one, never a partial one.
import * as fsp from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { InfraError, UserError } from "../errors.js";

/** The slice of node:fs/promises the writer uses, so tests can inject ENOSPC or EROFS. */
export interface WriterFs {
  open: typeof fsp.open;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
  readFile: typeof fsp.readFile;
}

export interface WriterOptions {
  /** Owning group for the file; the mode becomes 0640 instead of 0600 when given. */
  readonly gid?: number;
  readonly fs?: WriterFs;
}

export class SettingsWriter {
  private last: string | undefined;
  private readonly fs: WriterFs;
  readonly mode: number;

  constructor(
    readonly path: string,
    private readonly opts: WriterOptions = {},
  ) {
    this.fs = opts.fs ?? fsp;
    this.mode = opts.gid === undefined ? 0o600 : 0o640;
  }

  /** Writes `content` unless the file already holds it. Returns whether it wrote. */
  async write(content: string): Promise<boolean> {
    if (this.last === undefined) {
      // After a sidecar restart the shared volume still holds the previous file.
      this.last = await this.fs.readFile(this.path, "utf8").catch(() => undefined);
    }
    if (this.last === content) return false;
    const dir = dirname(this.path);
    const tmp = join(dir, `.${basename(this.path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await this.fs.open(tmp, "wx", this.mode);
      await handle.writeFile(content, "utf8");
      await handle.sync();
      // The open() mode passes through the umask; set it explicitly.
      await handle.chmod(this.mode);
      if (this.opts.gid !== undefined) await handle.chown(-1, this.opts.gid);
      await handle.close();
      handle = undefined;
      await this.fs.rename(tmp, this.path);
    } catch (err) {
      await handle?.close().catch(() => {});
      await this.fs.unlink(tmp).catch(() => {});
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw new InfraError(
        `cannot write ${this.path} (${code}${code === "ENOSPC" ? ": no space left on device" : code === "EROFS" ? ": read-only file system" : ""})`,
        `the previous file, if any, is left in place`,
      );
    }
    // Makes the rename itself durable; failures here cannot undo the write, so they are ignored.
    const dirHandle = await this.fs.open(dir, "r").catch(() => undefined);
    await dirHandle?.sync().catch(() => {});
    await dirHandle?.close().catch(() => {});
    this.last = content;
    return true;
  }
}

/**
 * Checked once at start, so a bad --out is a usage error (exit 2) rather than a daemon that retries
 * forever. A probe file is created because access(2) says yes to root even on a read-only mount.
 */
export async function checkOutputFolder(path: string, fs: WriterFs = fsp): Promise<void> {
  const dir = dirname(path);
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st)
    throw new UserError(
      `output folder ${dir} (from --out ${path}) does not exist`,
      "create it, or mount the shared volume there",
    );
  if (!st.isDirectory()) throw new UserError(`output folder ${dir} (from --out ${path}) is not a folder`);
  const probe = join(dir, `.${basename(path)}.probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const h = await fs.open(probe, "wx", 0o600);
    await h.close();
    await fs.unlink(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new UserError(
      `output folder ${dir} is not writable (${code})`,
      "mount a writable volume (an emptyDir) there; the file is replaced by rename, so the folder itself must be writable",
    );
  }
}
