// The CLI's ParseStore: one file per skeleton in a cache folder, written whole or not at all.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ParseStore } from "./reuse.js";

export function fileParseStore(dir: string): ParseStore {
  let made = false;
  return {
    load(id) {
      try {
        return readFileSync(join(dir, id));
      } catch {
        return undefined;
      }
    },
    save(id, data) {
      if (!made) mkdirSync(dir, { recursive: true });
      made = true;
      // Rename into place, so a reader (another sparklane running now) never sees half a file.
      const tmp = join(dir, `.${id}.${process.pid}.tmp`);
      writeFileSync(tmp, data);
      renameSync(tmp, join(dir, id));
    },
  };
}
