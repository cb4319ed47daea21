// Renders ivysettings.xml. Pure: the same spec always gives the same bytes, so an unchanged token
// gives an unchanged file and the writer can skip it (no timestamps in the output for that reason).

export interface PublicRepo {
  readonly name: string;
  readonly url: string;
}

export interface PrivateRepo extends PublicRepo {
  /** Must equal the realm in the server's `WWW-Authenticate: Basic realm="..."`, or Ivy sends nothing. */
  readonly realm: string;
  readonly username: string;
}

export interface IvySettingsSpec {
  readonly cacheDir: string;
  /** undefined: Ivy's built-in Maven Central root; a URL: a mirror; false: no Central resolver. */
  readonly centralRoot?: string | false;
  readonly privateFirst?: boolean;
  readonly publicRepos: readonly PublicRepo[];
  readonly privateRepos: readonly PrivateRepo[];
  /** The secret for every private repo. */
  readonly token: string;
}

export function xmlEscape(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

function attrs(pairs: Record<string, string | undefined>): string {
  return Object.entries(pairs)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(v)}"`)
    .join("");
}

/** Ivy keys credentials by realm and host name only (no port, no path). */
export function credentialsHost(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, "");
}

/**
 * No DOCTYPE (Ivy before 2.5.2 resolved external entities in settings, CVE-2022-46751) and no
 * checksum, `ivy.checksums` or `allownomd` override: the defaults (sha1, md5 verified when present) stay.
 */
export function renderIvySettings(spec: IvySettingsSpec): string {
  const lines: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!-- Written by sparklane ivy-settings; rewritten on every token change, do not edit. -->`,
    `<ivysettings>`,
    `  <settings${attrs({ defaultResolver: "chain" })}/>`,
  ];
  const seen = new Set<string>();
  for (const repo of spec.privateRepos) {
    const host = credentialsHost(repo.url);
    const key = `${repo.realm}@${host}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(
      `  <credentials${attrs({ host, realm: repo.realm, username: repo.username, passwd: spec.token })}/>`,
    );
  }
  lines.push(`  <caches${attrs({ defaultCacheDir: spec.cacheDir })}/>`, `  <resolvers>`);
  lines.push(`    <chain${attrs({ name: "chain", returnFirst: "true" })}>`);
  const central =
    spec.centralRoot === false
      ? []
      : [`      <ibiblio${attrs({ name: "central", m2compatible: "true", root: spec.centralRoot })}/>`];
  const publics = spec.publicRepos.map(
    (r) => `      <ibiblio${attrs({ name: r.name, m2compatible: "true", root: r.url })}/>`,
  );
  const privates = spec.privateRepos.map(
    (r) => `      <ibiblio${attrs({ name: r.name, m2compatible: "true", root: r.url })}/>`,
  );
  lines.push(
    ...(spec.privateFirst ? [...privates, ...central, ...publics] : [...central, ...publics, ...privates]),
  );
  lines.push(`    </chain>`, `  </resolvers>`, `</ivysettings>`, ``);
  return lines.join("\n");
}
