// The uv binary itself (PATH may hold a version-manager shim that only works with its own PATH entries).
import { execFileSync } from "node:child_process";

export function realUv(): string {
  return execFileSync("python3", ["-c", "import uv; print(uv.find_uv_bin())"], { encoding: "utf8" }).trim();
}
