// Image builders behind one small interface: buildah (daemonless, chroot isolation, vfs where overlay is
// unavailable), docker and podman. sparklane bundles none; it drives the CLI that is on PATH.
import { existsSync } from "node:fs";
import { InfraError, UserError } from "../errors.js";
import { which } from "../runtime/host.js";
import { runProcess, type RunResult } from "../runtime/process.js";

export type BuilderName = "buildah" | "docker" | "podman";
export const BUILDERS: readonly BuilderName[] = ["buildah", "docker", "podman"];

export interface BuildRequest {
  readonly contextDir: string;
  readonly containerfile: string;
  readonly tag: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string) => void;
}

export interface Builder {
  readonly name: BuilderName;
  /** Runs a shell script inside `image` as root, outside any build; resolves with the result. */
  run(image: string, script: string, opts?: { signal?: AbortSignal; network?: boolean }): Promise<RunResult>;
  build(req: BuildRequest): Promise<void>;
  /** The image's manifest digest in local storage, or undefined when it is not there. */
  localDigest(image: string): Promise<string | undefined>;
  /** Pulls `image` when it is not in local storage (a no-op otherwise). */
  ensureLocal(image: string, signal?: AbortSignal): Promise<void>;
  tag(image: string, tag: string): Promise<void>;
  removeTag(tag: string): Promise<void>;
  push(image: string, dest: string, opts: PushOptions): Promise<void>;
}

export interface PushOptions {
  readonly tlsVerify: boolean;
  readonly credentials?: { username: string; password: string };
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string) => void;
}

const tail = (r: RunResult, n = 8): string =>
  r.tail
    .filter((l) => l.trim())
    .slice(-n)
    .join("\n  ");

/** The environment buildah runs in: vfs and chroot unless the caller chose otherwise. */
function buildahEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    STORAGE_DRIVER: env.STORAGE_DRIVER ?? "vfs",
    BUILDAH_ISOLATION: env.BUILDAH_ISOLATION ?? "chroot",
  };
}

class CliBuilder implements Builder {
  constructor(
    readonly name: BuilderName,
    private readonly bin: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private exec(
    args: readonly string[],
    signal?: AbortSignal,
    onLine?: (l: string) => void,
  ): Promise<RunResult> {
    return runProcess(this.bin, args, {
      env: this.name === "buildah" ? buildahEnv(this.env) : this.env,
      signal,
      onLine: onLine ? (l) => onLine(l) : undefined,
    });
  }

  async run(image: string, script: string, opts: { signal?: AbortSignal } = {}): Promise<RunResult> {
    if (this.name !== "buildah") {
      return this.exec(
        ["run", "--rm", "--user", "root", "--entrypoint", "sh", image, "-c", script],
        opts.signal,
      );
    }
    const from = await this.exec(["from", "--pull=never", "--quiet", image], opts.signal);
    const ctr = from.tail.filter((l) => l.trim()).at(-1);
    if (from.code !== 0 || !ctr) throw new InfraError(`buildah from ${image} failed:\n  ${tail(from)}`);
    try {
      return await this.exec(["run", "--user", "root", ctr, "--", "sh", "-c", script], opts.signal);
    } finally {
      await this.exec(["rm", ctr]);
    }
  }

  async build(req: BuildRequest): Promise<void> {
    const args =
      this.name === "buildah"
        ? ["bud", "--pull=never", "--layers=false", "-f", req.containerfile, "-t", req.tag]
        : ["build", "-f", req.containerfile, "-t", req.tag];
    for (const [k, v] of Object.entries(req.labels).sort()) args.push("--label", `${k}=${v}`);
    args.push(req.contextDir);
    const r = await this.exec(args, req.signal, req.onLine);
    if (r.code !== 0) {
      const marked = r.tail.find((l) => l.startsWith("sparklane-bake: "));
      // The build script reports bad input (two versions of one JAR, an unresolvable requirement) on a
      // marked line; anything else is the builder's own failure.
      if (marked) throw new UserError(marked.slice("sparklane-bake: ".length));
      throw new InfraError(`${this.name} build failed (exit ${r.code}):\n  ${tail(r, 12)}`);
    }
  }

  async localDigest(image: string): Promise<string | undefined> {
    // docker has no manifest digest for a local build; its image id still says the image is there.
    const fmt =
      this.name === "buildah" ? "{{.FromImageDigest}}" : this.name === "podman" ? "{{.Digest}}" : "{{.Id}}";
    const args =
      this.name === "buildah"
        ? ["inspect", "--type", "image", "--format", fmt, image]
        : ["image", "inspect", "--format", fmt, image];
    const r = await this.exec(args);
    if (r.code !== 0) return undefined;
    const out = r.tail
      .filter((l) => l.trim())
      .at(-1)
      ?.trim();
    return out && /^sha256:[0-9a-f]{64}$/.test(out) ? out : out ? "" : undefined;
  }

  async ensureLocal(image: string, signal?: AbortSignal): Promise<void> {
    if ((await this.localDigest(image)) !== undefined) return;
    const args = ["pull", ...(this.name === "docker" ? [] : ["--quiet"]), image];
    const r = await this.exec(args, signal);
    if (r.code !== 0) {
      throw new UserError(
        `--base ${image}: the image is neither in ${this.name}'s storage nor pullable:\n  ${tail(r, 4)}`,
        "check the name, or pull it first",
      );
    }
  }

  async tag(image: string, tag: string): Promise<void> {
    const r = await this.exec(["tag", image, tag]);
    if (r.code !== 0) throw new InfraError(`${this.name} tag ${image} ${tag} failed:\n  ${tail(r)}`);
  }

  async removeTag(tag: string): Promise<void> {
    const args = this.name === "buildah" ? ["rmi", tag] : ["image", "rm", tag];
    await this.exec(args);
  }

  async push(image: string, dest: string, opts: PushOptions): Promise<void> {
    let args: string[];
    if (this.name === "docker") {
      if (image !== dest) await this.tag(image, dest);
      args = ["push", dest];
    } else {
      args = ["push", `--tls-verify=${opts.tlsVerify}`];
      if (opts.credentials) args.push("--creds", `${opts.credentials.username}:${opts.credentials.password}`);
      args.push(image, `docker://${dest}`);
    }
    const r = await this.exec(args, opts.signal, opts.onLine);
    if (r.code !== 0) {
      throw new InfraError(
        `the registry refused the push of ${dest} (${this.name} exit ${r.code}):\n  ${tail(r, 4)}`,
        "check the registry address and the credentials (SPARKLANE_REGISTRY_USER / SPARKLANE_REGISTRY_PASSWORD)",
      );
    }
  }
}

/** The chosen builder, found on PATH; absent is bad input with an install hint. */
export function findBuilder(name: BuilderName, env: NodeJS.ProcessEnv = process.env): Builder {
  const bin = which(name, env.PATH);
  if (!bin || !existsSync(bin)) {
    throw new UserError(
      `--builder ${name}: ${name} was not found on PATH`,
      name === "buildah"
        ? "install it (Debian/Ubuntu: apt-get install buildah), or pass --builder docker|podman"
        : `install ${name}, or pass --builder buildah`,
    );
  }
  return new CliBuilder(name, bin, env);
}
