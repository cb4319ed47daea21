// `uv sync --frozen --no-dev` for the bootstrap. A private index token reaches uv only through its
// per-index environment variables (UV_INDEX_<NAME>_USERNAME/PASSWORD); it is never on the command line,
// and any output shown to the user is scrubbed of it.
import { spawn } from "node:child_process";
import { InfraError, InterruptedError } from "../errors.js";

/** Names of the `[[tool.uv.index]]` entries in a pyproject.toml. A narrow scan, not a TOML parser: it reads
 *  only `name = "..."` inside those tables, which is all uv's credential variables need. */
export function uvIndexNames(pyproject: string): string[] {
  const names: string[] = [];
  const tables = pyproject.split(/^\s*\[\[\s*tool\.uv\.index\s*\]\]\s*$/m).slice(1);
  for (const t of tables) {
    const body = t.split(/^\s*\[/m)[0] ?? "";
    const m = /^\s*name\s*=\s*["']([^"']+)["']/m.exec(body);
    if (m) names.push(m[1]);
  }
  return names;
}

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
  await new Promise<void>((resolve, reject) => {
    if (o.signal?.aborted) return reject(new InterruptedError());
    const child = spawn(uv, args, { cwd: o.projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-8000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const onAbort = (): void => {
      child.kill("SIGTERM");
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (err: NodeJS.ErrnoException) => {
      o.signal?.removeEventListener("abort", onAbort);
      reject(
        err.code === "ENOENT"
          ? new InfraError(
              `'${uv}' was not found on PATH; full bootstrap needs uv`,
              "use the sparklane base image, or install uv",
            )
          : err,
      );
    });
    child.on("close", (code, sig) => {
      o.signal?.removeEventListener("abort", onAbort);
      if (o.signal?.aborted) return reject(new InterruptedError());
      if (code === 0) return resolve();
      const tail = redact(output, [o.token]).trim().split("\n").slice(-15).join("\n  ");
      reject(
        new InfraError(
          `uv sync --frozen --no-dev failed (${sig ? `signal ${sig}` : `exit ${code}`}) for ${o.projectDir}:\n  ${tail}`,
          "check the package index is reachable and the token valid; uv.lock must match pyproject.toml",
        ),
      );
    });
  });
}
