// The init container's settings: flags that mirror the seed's environment variables, checked here so a
// misconfigured pod fails with exit 2 before touching the store.
import { UserError } from "../errors.js";
import { attemptsFrom, storeFromEnv } from "../artifact/store.js";
import { BOOTSTRAP_MODES, type BootstrapMode, type BootstrapOptions } from "./index.js";

/** `sparklane bootstrap`'s flags, as commander hands them over (environment defaults applied). */
export interface BootstrapFlags {
  readonly version: string;
  readonly store?: string;
  readonly bucket?: string;
  readonly projectName?: string;
  readonly module?: string;
  readonly mode: string;
  readonly appDir: string;
  readonly strict: boolean;
  readonly endpointUrl?: string;
  readonly retries: string;
  readonly indexTokenFile?: string;
  readonly indexName?: string[];
  readonly indexUser: string;
}

export function bootstrapOptions(
  f: BootstrapFlags,
  env: NodeJS.ProcessEnv,
): Omit<BootstrapOptions, "signal" | "onStep" | "onWarning"> {
  const store = storeFromEnv(f.store, f.bucket);
  if (!store)
    throw new UserError("no artifact store: set ARTIFACT_STORE or S3_BUCKET (or --store / --bucket)");
  if (!f.projectName) throw new UserError("no project: set ETL_PROJECT_NAME (or --project-name)");
  if (!BOOTSTRAP_MODES.includes(f.mode as BootstrapMode)) {
    throw new UserError(
      `BOOTSTRAP_MODE / --mode: expected one of ${BOOTSTRAP_MODES.join(", ")}, found '${f.mode}'`,
    );
  }
  return {
    store,
    project: f.projectName,
    version: f.version,
    mode: f.mode as BootstrapMode,
    appDir: f.appDir,
    module: f.module || undefined,
    strict: f.strict || /^(1|true|yes)$/i.test(env.BOOTSTRAP_STRICT ?? ""),
    endpoint: f.endpointUrl,
    retry: { attempts: attemptsFrom(f.retries) },
    indexToken: env.SPARKLANE_INDEX_TOKEN || undefined,
    indexTokenFile: f.indexTokenFile,
    indexNames: f.indexName,
    indexUser: f.indexUser,
  };
}
