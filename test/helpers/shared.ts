// Locates ../shared (the steering repo's reference files). Tests that need it skip, with this message,
// when it is absent, so the project passes on a fresh machine.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const candidates = [
  process.env.SPARKLANE_SHARED,
  fileURLToPath(new URL("../../../shared", import.meta.url)),
].filter((p): p is string => Boolean(p));

export const sharedDir: string | undefined = candidates.find((p) => existsSync(join(p, "schemas")));

/** `test(..., { skip: sharedSkip }, ...)`: false when ../shared is there, else the reason to skip. */
export const sharedSkip: string | false = sharedDir
  ? false
  : "../shared is absent (set SPARKLANE_SHARED to its path to run this test)";

export function sharedPath(...parts: string[]): string {
  if (!sharedDir) throw new Error(String(sharedSkip));
  return join(sharedDir, ...parts);
}
