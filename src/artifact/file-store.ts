// `file:///dir` store: for tests, local runs and image builds. Writes go to a temp file then rename, so a
// reader never sees half an object; `ifAbsent` uses link(2), which fails if the name exists.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { InfraError } from "../errors.js";
import { PermanentStoreError, retrying, type ArtifactStore, type RetryPolicy } from "./store.js";

export class FileStore implements ArtifactStore {
  readonly uri: string;
  constructor(
    readonly root: string,
    private readonly policy: RetryPolicy,
  ) {
    this.uri = pathToFileURL(root).href;
  }

  private path(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  private async checkRoot(): Promise<void> {
    try {
      if ((await fs.stat(this.root)).isDirectory()) return;
    } catch {
      // fall through
    }
    throw new InfraError(
      `store ${this.uri}: folder ${this.root} does not exist`,
      "check --store / ARTIFACT_STORE",
    );
  }

  async prepareWrite(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
  }

  async get(key: string): Promise<Buffer | undefined> {
    await this.checkRoot();
    return retrying(this.uri, `reading ${key}`, this.policy, async () => {
      try {
        return await fs.readFile(this.path(key));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        if (code === "EACCES" || code === "EISDIR") throw new PermanentStoreError((err as Error).message);
        throw err;
      }
    });
  }

  async put(key: string, body: Buffer, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    return retrying(this.uri, `writing ${key}`, this.policy, async () => {
      const target = this.path(key);
      await fs.mkdir(dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
      await fs.writeFile(tmp, body);
      try {
        if (opts.ifAbsent) {
          try {
            await fs.link(tmp, target);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
            throw err;
          }
          return true;
        }
        await fs.rename(tmp, target);
        return true;
      } finally {
        await fs.rm(tmp, { force: true });
      }
    });
  }

  async listDirs(prefix: string): Promise<string[]> {
    await this.checkRoot();
    return retrying(this.uri, `listing ${prefix}/`, this.policy, async () => {
      try {
        const entries = await fs.readdir(this.path(prefix), { withFileTypes: true });
        return entries
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
      }
    });
  }
}
