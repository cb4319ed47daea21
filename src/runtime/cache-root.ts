// Where sparklane keeps what it can rebuild: runtimes (venv + JARs) and parsed template skeletons. Apart from
// cache.ts so that commands needing only the folder (render) do not load the runtime builder.
import { homedir } from "node:os";
import { join } from "node:path";

/** `$SPARKLANE_CACHE_DIR`, else `$XDG_CACHE_HOME/sparklane`, else `~/.cache/sparklane`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPARKLANE_CACHE_DIR) return env.SPARKLANE_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sparklane");
}
