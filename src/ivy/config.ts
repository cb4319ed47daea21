// Turns the command's flags into a refresher configuration, refusing bad combinations up front
// (exit 2), so the daemon never starts half-configured.
import { UserError } from "../errors.js";
import { codeArtifactProvider } from "./providers/codeartifact.js";
import { envProvider } from "./providers/env.js";
import { execProvider } from "./providers/exec.js";
import { fileProvider } from "./providers/file.js";
import type { TokenProvider } from "./providers/types.js";
import { defaultTiming, type RepoRef, type Timing } from "./refresher.js";
import type { PublicRepo } from "./settings.js";
import { redactUrl } from "./token.js";

export const providerNames = ["codeartifact", "env", "file", "exec"] as const;
export type ProviderName = (typeof providerNames)[number];

/** The flags of `sparklane ivy-settings`, as commander hands them over (strings, unset when absent). */
export interface IvySettingsFlags {
  provider?: string;
  tokenFile?: string;
  tokenEnv?: string;
  tokenCommand?: string;
  domain?: string;
  domainOwner?: string;
  repository?: string;
  region?: string;
  duration?: string;
  endpointUrl?: string;
  repoUrl?: string;
  repoName?: string;
  realm?: string;
  username?: string;
  privateRepo?: string[];
  publicRepo?: string[];
  out?: string;
  cacheDir?: string;
  centralRoot?: string;
  central?: boolean;
  privateFirst?: boolean;
  group?: string;
  watch?: boolean;
  interval?: string;
  refreshBefore?: string;
  margin?: string;
  jitter?: string;
  startJitter?: string;
  timeout?: string;
  backoffMax?: string;
  listen?: string;
}

export interface IvySettingsPlan {
  readonly provider: TokenProvider;
  readonly providerName: ProviderName;
  readonly out: string;
  readonly gid?: number;
  readonly cacheDir: string;
  readonly centralRoot?: string | false;
  readonly privateFirst: boolean;
  readonly publicRepos: PublicRepo[];
  readonly privateRepos: RepoRef[];
  readonly timing: Timing;
  readonly watch: boolean;
  readonly listen: { host: string; port: number };
}

const providerFlags: Record<ProviderName, (keyof IvySettingsFlags)[]> = {
  file: ["tokenFile"],
  env: ["tokenEnv"],
  exec: ["tokenCommand"],
  codeartifact: ["domain", "domainOwner", "repository", "region", "duration", "endpointUrl"],
};
const flagName = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`${flag} expects a duration like 30s, 5m or 1h, found "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit]!;
}

function checkUrl(flag: string, text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UserError(`${flag} expects an http(s) URL, found "${redactUrl(text)}"`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new UserError(`${flag} expects an http(s) URL, found scheme ${u.protocol}`);
  if (u.username || u.password) {
    throw new UserError(
      `${flag} must not carry credentials (${redactUrl(text)})`,
      "the token comes from --provider; a URL with credentials ends up in logs and process listings",
    );
  }
  return text.endsWith("/") ? text : `${text}/`;
}

function namedRepos(flag: string, values: string[] | undefined): PublicRepo[] {
  return (values ?? []).map((v) => {
    const i = v.indexOf("=");
    if (i <= 0) throw new UserError(`${flag} expects NAME=URL, found "${redactUrl(v)}"`);
    const name = v.slice(0, i);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      throw new UserError(`${flag}: resolver name "${name}" should be letters, digits, . _ -`);
    return { name, url: checkUrl(flag, v.slice(i + 1)) };
  });
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UserError(`--listen expects HOST:PORT or :PORT, found "${text}"`);
  return { host: (m[1] ?? "").replace(/^\[|\]$/g, "") || "0.0.0.0", port };
}

/**
 * 9477 because the spark-operator controller, whose pod the sidecar shares, already uses 8080
 * (metrics), 8081 (probes) and 9443 (webhook).
 */
export const defaultListen = "0.0.0.0:9477";

export function planIvySettings(f: IvySettingsFlags, env: NodeJS.ProcessEnv = process.env): IvySettingsPlan {
  const name = providerOf(f);
  const provider = tokenProvider(name, f, env);
  if (!f.out) throw new UserError("--out is required: the path of the ivysettings.xml to write");
  if (name !== "codeartifact" && !f.repoUrl)
    throw new UserError(`--provider ${name} needs --repo-url URL: the private Maven repository root`);
  const { publicRepos, privateRepos } = repositories(name, f);
  if (f.central === false && f.centralRoot)
    throw new UserError("--central-root and --no-central contradict each other");
  const gid = groupId(f.group);
  const timing = timingOf(f);
  return {
    provider,
    providerName: name,
    out: f.out,
    ...(gid !== undefined ? { gid } : {}),
    cacheDir: f.cacheDir ?? "/ivy-cache",
    ...(f.central === false
      ? { centralRoot: false as const }
      : f.centralRoot
        ? { centralRoot: checkUrl("--central-root", f.centralRoot) }
        : {}),
    privateFirst: f.privateFirst ?? false,
    publicRepos,
    privateRepos,
    timing,
    watch: f.watch ?? false,
    listen: parseListen(f.listen ?? defaultListen),
  };
}

/** The provider named by --provider; flags that belong to another provider are refused. */
function providerOf(f: IvySettingsFlags): ProviderName {
  if (!f.provider) throw new UserError(`--provider is required: one of ${providerNames.join(", ")}`);
  if (!(providerNames as readonly string[]).includes(f.provider)) {
    throw new UserError(`unknown --provider "${f.provider}": expected one of ${providerNames.join(", ")}`);
  }
  const name = f.provider as ProviderName;
  for (const [other, keys] of Object.entries(providerFlags)) {
    if (other === name) continue;
    for (const k of keys) {
      if (f[k] !== undefined)
        throw new UserError(`${flagName(k)} only applies to --provider ${other}, not --provider ${name}`);
    }
  }
  return name;
}

function tokenProvider(name: ProviderName, f: IvySettingsFlags, env: NodeJS.ProcessEnv): TokenProvider {
  switch (name) {
    case "file":
      if (!f.tokenFile) throw new UserError("--provider file needs --token-file FILE");
      return fileProvider(f.tokenFile);
    case "env":
      if (!f.tokenEnv) throw new UserError("--provider env needs --token-env NAME");
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.tokenEnv))
        throw new UserError(`--token-env expects an environment variable name, found "${f.tokenEnv}"`);
      return envProvider(f.tokenEnv, env);
    case "exec":
      if (!f.tokenCommand) throw new UserError("--provider exec needs --token-command CMD");
      return execProvider(f.tokenCommand, env);
    case "codeartifact":
      return codeArtifactFrom(f, env);
  }
}

function codeArtifactFrom(f: IvySettingsFlags, env: NodeJS.ProcessEnv): TokenProvider {
  const region = f.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const lacking = (["domain", "domainOwner", "repository"] as const).filter((k) => !f[k]).map(flagName);
  if (!region) lacking.push("--region");
  if (lacking.length > 0)
    throw new UserError(
      `--provider codeartifact is missing ${lacking.join(", ")}`,
      "all of --domain, --domain-owner, --repository and --region (or AWS_REGION) are needed",
    );
  if (!/^\d{12}$/.test(f.domainOwner!))
    throw new UserError(`--domain-owner expects a 12-digit AWS account id, found "${f.domainOwner}"`);
  let durationSeconds: number | undefined;
  if (f.duration !== undefined) {
    durationSeconds = Math.round(parseDuration("--duration", f.duration) / 1000);
    if (durationSeconds !== 0 && (durationSeconds < 900 || durationSeconds > 43_200)) {
      throw new UserError(
        `--duration must be 0 or between 15m and 12h (CodeArtifact's limits), found ${f.duration}`,
      );
    }
  }
  return codeArtifactProvider({
    domain: f.domain!,
    domainOwner: f.domainOwner!,
    repository: f.repository!,
    region: region!,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(f.endpointUrl ? { endpoint: checkUrl("--endpoint-url", f.endpointUrl) } : {}),
  });
}

/** The private repository (--repo-url) and any --private-repo share one login; every resolver name is distinct. */
function repositories(
  name: ProviderName,
  f: IvySettingsFlags,
): { publicRepos: PublicRepo[]; privateRepos: RepoRef[] } {
  const username = f.username ?? "aws";
  const realm = f.realm ? { realm: f.realm } : {};
  const privateRepos: RepoRef[] = [
    {
      name: f.repoName ?? (name === "codeartifact" ? "codeartifact" : "private"),
      ...(f.repoUrl ? { url: checkUrl("--repo-url", f.repoUrl) } : {}),
      ...realm,
      username,
    },
    ...namedRepos("--private-repo", f.privateRepo).map((r) => ({ ...r, ...realm, username })),
  ];
  const publicRepos = namedRepos("--public-repo", f.publicRepo);
  const names = ["central", ...publicRepos.map((r) => r.name), ...privateRepos.map((r) => r.name)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup)
    throw new UserError(
      `resolver name "${dup}" is used twice`,
      "give each --public-repo/--private-repo a distinct NAME",
    );
  return { publicRepos, privateRepos };
}

function groupId(group: string | undefined): number | undefined {
  if (group === undefined) return undefined;
  if (!/^\d+$/.test(group)) throw new UserError(`--group expects a numeric group id, found "${group}"`);
  return Number(group);
}

const watchOnly: readonly (keyof IvySettingsFlags)[] = [
  "interval",
  "refreshBefore",
  "margin",
  "jitter",
  "startJitter",
  "backoffMax",
  "listen",
];

/** The refresher's timing; the daemon-only flags are refused without --watch. */
function timingOf(f: IvySettingsFlags): Timing {
  if (!f.watch) {
    const given = watchOnly.filter((k) => f[k] !== undefined).map(flagName);
    if (given.length > 0) throw new UserError(`${given.join(", ")} only make sense with --watch`);
  }
  const jitter = f.jitter === undefined ? defaultTiming.jitter : Number(f.jitter);
  if (!(jitter >= 0 && jitter < 1))
    throw new UserError(`--jitter expects a fraction in [0, 1), found "${f.jitter}"`);
  const timing: Timing = {
    ...defaultTiming,
    jitter,
    ...(f.interval ? { intervalMs: parseDuration("--interval", f.interval) } : {}),
    ...(f.refreshBefore ? { refreshBeforeMs: parseDuration("--refresh-before", f.refreshBefore) } : {}),
    ...(f.margin ? { marginMs: parseDuration("--margin", f.margin) } : {}),
    ...(f.startJitter
      ? { startJitterMs: parseDuration("--start-jitter", f.startJitter) }
      : { startJitterMs: f.watch ? 10_000 : 0 }),
    ...(f.backoffMax ? { backoffMaxMs: parseDuration("--backoff-max", f.backoffMax) } : {}),
    ...(f.timeout ? { timeoutMs: parseDuration("--timeout", f.timeout) } : {}),
  };
  if (timing.intervalMs < 1_000) throw new UserError(`--interval must be at least 1s, found ${f.interval}`);
  if (timing.timeoutMs < 100) throw new UserError(`--timeout must be at least 100ms, found ${f.timeout}`);
  if (timing.refreshBeforeMs < timing.marginMs) {
    throw new UserError(
      `--refresh-before (${timing.refreshBeforeMs / 1000}s) must not be shorter than --margin (${timing.marginMs / 1000}s)`,
      "refreshing must start before the token is considered unusable",
    );
  }
  return timing;
}
