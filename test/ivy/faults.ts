// Fault helpers: a real tmpfs (disk full, read-only) when this process may mount, else the same errors
// injected through the writer's fs interface; and a scripted token provider on a fake clock.
import { spawnSync } from "node:child_process";
import * as fsp from "node:fs/promises";
import type { WriterFs } from "../../src/ivy/writer.js";
import type { TokenProvider } from "../../src/ivy/providers/types.js";
import { InfraError } from "../../src/errors.js";
import type { Token } from "../../src/ivy/token.js";

export function tryMountTmpfs(dir: string, sizeKb: number): boolean {
  // SPARKLANE_TEST_NO_MOUNT=1 exercises the injected-errno path on machines that could mount.
  if (process.getuid?.() !== 0 || process.env.SPARKLANE_TEST_NO_MOUNT) return false;
  return spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0755`, "tmpfs", dir]).status === 0;
}
export function remountReadOnly(dir: string): boolean {
  return spawnSync("mount", ["-o", "remount,ro", dir]).status === 0;
}
export function unmount(dir: string): void {
  spawnSync("umount", ["-l", dir]);
}

/** fs/promises with one failure injected where the real one would happen. */
export function failingFs(code: "ENOSPC" | "EROFS"): WriterFs {
  const err = () => Object.assign(new Error(`${code}: injected`), { code });
  return {
    ...fsp,
    async open(path, flags, mode) {
      if (code === "EROFS" && String(flags).includes("w")) throw err();
      const h = await fsp.open(path, flags, mode);
      if (code === "ENOSPC") {
        h.writeFile = async () => {
          throw err();
        };
      }
      return h;
    },
  } as WriterFs;
}

/** A provider whose every answer the test decides: a token, or a failure. */
export class ScriptedProvider implements TokenProvider {
  readonly name = "scripted";
  calls = 0;
  next: (() => Token) | Error = new InfraError("scripted provider: nothing scripted");
  async fetch(): Promise<Token> {
    this.calls++;
    if (this.next instanceof Error) throw this.next;
    return this.next();
  }
}

export class LogSink {
  lines: { level: string; msg: string; fields?: object }[] = [];
  readonly info = (msg: string, fields?: object) =>
    this.lines.push({ level: "info", msg, ...(fields ? { fields } : {}) });
  readonly warn = (msg: string, fields?: object) =>
    this.lines.push({ level: "warn", msg, ...(fields ? { fields } : {}) });
  readonly error = (msg: string, fields?: object) =>
    this.lines.push({ level: "error", msg, ...(fields ? { fields } : {}) });
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields ?? {})}`).join("\n");
  }
}
