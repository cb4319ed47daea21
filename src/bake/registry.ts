// The few OCI distribution API calls `bake --check` needs: is there a manifest under this tag, and what are the
// image's labels. Both OCI and Docker manifest types go in Accept (a registry holding an OCI manifest answers
// 404 to a request that accepts only Docker types), Basic and Bearer-token auth are answered as challenged,
// and Authorization never follows a redirect to another host.
import { InfraError, UserError } from "../errors.js";

export const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
] as const;

export interface RepoRef {
  /** host[:port] */
  readonly registry: string;
  readonly repository: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryOptions {
  readonly credentials?: Credentials;
  /** Plain HTTP instead of HTTPS (default: only for loopback hosts). */
  readonly plainHttp?: boolean;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const REPO = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** `host[:port]/path` (no tag): the registry must be named, so no default registry is ever assumed. */
export function parseRepoRef(text: string, flag = "--registry"): RepoRef {
  const slash = text.indexOf("/");
  const host = slash > 0 ? text.slice(0, slash) : "";
  const repository = slash > 0 ? text.slice(slash + 1) : "";
  if (
    !host ||
    !(host.includes(".") || host.includes(":") || host === "localhost") ||
    !REPO.test(repository)
  ) {
    throw new UserError(
      `${flag} ${text}: expected REGISTRY/REPOSITORY such as registry.example.com:5000/etl/visits-etl (lower case, no tag)`,
    );
  }
  return { registry: host, repository };
}

export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

export function isLoopback(registry: string): boolean {
  return LOOPBACK.test(registry);
}

/** Credentials from SPARKLANE_REGISTRY_USER / SPARKLANE_REGISTRY_PASSWORD, if both are set. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const username = env.SPARKLANE_REGISTRY_USER;
  const password = env.SPARKLANE_REGISTRY_PASSWORD;
  return username && password ? { username, password } : undefined;
}

interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** `Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull"` or `Basic realm="x"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

const basic = (c: Credentials): string =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

export class RegistryClient {
  private authorization: string | undefined;
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(
    readonly ref: RepoRef,
    private readonly opts: RegistryOptions = {},
  ) {
    const plain = opts.plainHttp ?? isLoopback(ref.registry);
    this.base = `${plain ? "http" : "https"}://${ref.registry}`;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** One request, following redirects by hand so Authorization is dropped when the host changes. */
  private async send(method: string, url: string, headers: Record<string, string>): Promise<Response> {
    let target = new URL(url);
    const origin = new URL(this.base).host;
    for (let hop = 0; hop < 5; hop++) {
      const h: Record<string, string> = { ...headers };
      if (this.authorization && target.host === origin) h.authorization = this.authorization;
      let res: Response;
      try {
        res = await this.fetchFn(target, {
          method,
          headers: h,
          redirect: "manual",
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new InfraError(
          `registry ${this.ref.registry} is unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
          "check the registry address (and --plain-http for a registry without TLS)",
        );
      }
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        target = new URL(location, target);
        continue;
      }
      return res;
    }
    throw new InfraError(`registry ${this.ref.registry}: too many redirects for ${url}`);
  }

  /** Answers a 401 challenge once: Basic with the credentials, Bearer through the token endpoint. */
  private async authenticate(res: Response, scope: string): Promise<void> {
    const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
    const creds = this.opts.credentials;
    if (challenge?.scheme === "basic") {
      if (!creds) {
        throw new InfraError(
          `registry ${this.ref.registry} requires credentials (Basic)`,
          "set SPARKLANE_REGISTRY_USER and SPARKLANE_REGISTRY_PASSWORD",
        );
      }
      this.authorization = basic(creds);
      return;
    }
    if (challenge?.scheme === "bearer" && challenge.params.realm) {
      const url = new URL(challenge.params.realm);
      if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
      url.searchParams.set("scope", challenge.params.scope ?? scope);
      let tokenRes: Response;
      try {
        tokenRes = await this.fetchFn(url, {
          headers: creds ? { authorization: basic(creds) } : {},
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
        });
      } catch (err) {
        throw new InfraError(
          `token endpoint ${url.origin} of registry ${this.ref.registry} is unreachable: ${(err as Error).message}`,
        );
      }
      if (!tokenRes.ok) {
        throw new InfraError(
          `registry ${this.ref.registry}: the token endpoint refused (HTTP ${tokenRes.status})`,
          creds ? "check the credentials" : "set SPARKLANE_REGISTRY_USER and SPARKLANE_REGISTRY_PASSWORD",
        );
      }
      const body = (await tokenRes.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new InfraError(`registry ${this.ref.registry}: the token endpoint gave no token`);
      this.authorization = `Bearer ${token}`;
      return;
    }
    throw new InfraError(
      `registry ${this.ref.registry} answered 401 with an unsupported challenge: ${res.headers.get("www-authenticate") ?? "none"}`,
    );
  }

  private async request(method: string, path: string, headers: Record<string, string>): Promise<Response> {
    const url = `${this.base}/v2/${path}`;
    let res = await this.send(method, url, headers);
    if (res.status === 401) {
      await this.authenticate(res, `repository:${this.ref.repository}:pull`);
      res = await this.send(method, url, headers);
      if (res.status === 401) {
        throw new InfraError(
          `registry ${this.ref.registry} refused the credentials for ${this.ref.repository}`,
          "check SPARKLANE_REGISTRY_USER and SPARKLANE_REGISTRY_PASSWORD",
        );
      }
    }
    return res;
  }

  /** `GET /v2/`: reachable and, when it challenges, accepting our credentials. */
  async ping(): Promise<void> {
    const res = await this.request("GET", "", {});
    await res.body?.cancel();
    if (!res.ok) throw new InfraError(`registry ${this.ref.registry}: GET /v2/ answered HTTP ${res.status}`);
  }

  /** HEAD by tag: the manifest digest, or undefined when the tag (or the repository) does not exist. */
  async manifestDigest(tag: string): Promise<string | undefined> {
    const res = await this.request("HEAD", `${this.ref.repository}/manifests/${tag}`, {
      accept: MANIFEST_TYPES.join(", "),
    });
    if (res.status === 404) return undefined;
    if (!res.ok) {
      throw new InfraError(
        `registry ${this.ref.registry}: HEAD ${this.ref.repository}:${tag} answered HTTP ${res.status}`,
      );
    }
    return res.headers.get("docker-content-digest") ?? "";
  }

  private async getJson(path: string, accept?: string): Promise<Record<string, unknown>> {
    const res = await this.request("GET", `${this.ref.repository}/${path}`, accept ? { accept } : {});
    if (!res.ok)
      throw new InfraError(
        `registry ${this.ref.registry}: GET ${this.ref.repository}/${path} answered HTTP ${res.status}`,
      );
    return (await res.json()) as Record<string, unknown>;
  }

  /** The image config's labels (for an index: its linux/amd64 image, else its first). */
  async labels(reference: string): Promise<Record<string, string>> {
    let manifest = await this.getJson(`manifests/${reference}`, MANIFEST_TYPES.join(", "));
    if (Array.isArray(manifest.manifests)) {
      const list = manifest.manifests as {
        digest: string;
        platform?: { os?: string; architecture?: string };
      }[];
      const pick =
        list.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64") ?? list[0];
      if (!pick) return {};
      manifest = await this.getJson(`manifests/${pick.digest}`, MANIFEST_TYPES.join(", "));
    }
    const configDigest = (manifest.config as { digest?: string } | undefined)?.digest;
    if (!configDigest) return {};
    const config = await this.getJson(`blobs/${configDigest}`);
    return (config.config as { Labels?: Record<string, string> } | undefined)?.Labels ?? {};
  }
}
