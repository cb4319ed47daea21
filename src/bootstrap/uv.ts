// `uv sync --frozen --no-dev` for the bootstrap. A private index token reaches uv only through its
// per-index environment variables (UV_INDEX_<NAME>_USERNAME/PASSWORD); it is never on the command line,
// and any output shown to the user is scrubbed of it.
import { InfraError } from "../errors.js";
import { runProcess } from "../runtime/process.js";

export { uvIndexNames } from "../runtime/uv-project.js";

/** uv's variable stem for an index name: upper case, every non-alphanumeric character as '_'. */
export const uvIndexEnvStem = (name: string): string =>
  `UV_INDEX_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}

export interface UvSyncOptions {
  readonly projectDir: string;
  readonly venvDir: string;
  readonly noInstallProject?: boolean;
  readonly token?: string;
  readonly indexNames?: readonly string[];
  readonly indexUser?: string;
  readonly uvBin?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

export async function uvSync(o: UvSyncOptions): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...(o.env ?? process.env),
    UV_PROJECT_ENVIRONMENT: o.venvDir,
    UV_NO_PROGRESS: "1",
  };
  // uv gets the token only under the names of the indexes it is for.
  delete env.SPARKLANE_INDEX_TOKEN;
  if (o.token) {
    for (const name of o.indexNames ?? []) {
      const stem = uvIndexEnvStem(name);
      env[`${stem}_USERNAME`] = o.indexUser ?? "aws";
      env[`${stem}_PASSWORD`] = o.token;
    }
  }
  const args = [
    "sync",
    "--frozen",
    "--no-dev",
    ...(o.noInstallProject ? ["--no-install-project"] : []),
    "--project",
    o.projectDir,
  ];
  const uv = o.uvBin ?? "uv";
  const result = await runProcess(uv, args, {
    cwd: o.projectDir,
    env,
    signal: o.signal,
    name: `'${uv}'`,
    installHint: "full bootstrap needs uv: use the sparklane base image, or install uv and put it on PATH",
  });
  if (result.code === 0) return;
  const tail = redact(result.tail.join("\n"), [o.token]).trim().split("\n").slice(-15).join("\n  ");
  throw new InfraError(
    `uv sync --frozen --no-dev failed (${result.signal ? `signal ${result.signal}` : `exit ${result.code}`}) for ${o.projectDir}:\n  ${tail}`,
    "check the package index is reachable and the token valid; uv.lock must match pyproject.toml",
  );
}
