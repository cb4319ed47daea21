import { readFile } from "node:fs/promises";
import { watch as fsWatch } from "node:fs";
import { basename, dirname } from "node:path";
import { InfraError } from "../../errors.js";
import { parseTokenOutput, type Token } from "../token.js";
import type { TokenProvider } from "./types.js";

/**
 * Reads the token (bare, or JSON with an expiry) from a file on every refresh. The folder is watched,
 * not the file: a mounted Kubernetes Secret is updated by swapping a `..data` symlink, which a watch
 * on the file itself would never see.
 */
export function fileProvider(path: string): TokenProvider {
  const name = `file ${path}`;
  return {
    name,
    async fetch(): Promise<Token> {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        throw new InfraError(
          `cannot read token file ${path} (${code})`,
          "check --token-file and the volume it lives on",
        );
      }
      return parseTokenOutput(name, text);
    },
    watch(onChange: () => void): () => void {
      let timer: NodeJS.Timeout | undefined;
      const target = basename(path);
      let watcher: ReturnType<typeof fsWatch>;
      try {
        watcher = fsWatch(dirname(path), (_event, file) => {
          if (file !== null && file !== target && !String(file).startsWith("..")) return;
          // Editors and the kubelet produce bursts of events for one change.
          clearTimeout(timer);
          timer = setTimeout(onChange, 200);
        });
      } catch {
        return () => {};
      }
      watcher.on("error", () => {});
      return () => {
        clearTimeout(timer);
        watcher.close();
      };
    },
  };
}
