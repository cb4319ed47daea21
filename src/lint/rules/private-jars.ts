// Lint: private JAR coordinates in spark.jars.packages without spark.jars.ivySettings. The operator's
// spark-submit then resolves them with Ivy's default chain (Maven Central), which has never heard of
// them, and every submission fails before a driver pod exists.
import type { Issue } from "../../errors.js";
import { formatPath } from "../../manifest/paths.js";
import type { ManifestPath } from "../../manifest/types.js";
import type { ManifestRule, RuleFinding } from "../rule.js";

export interface PrivateJarsOptions {
  /**
   * Group ids (or prefixes: "com.acme" covers "com.acme.data") published only to the private
   * registry. When absent, any group outside a list of well-known public ones counts as private.
   */
  readonly privateGroups?: readonly string[];
}

/** Groups whose artifacts live on Maven Central; prefixes match at a dot boundary. */
const PUBLIC_GROUPS = [
  "org.apache",
  "io.delta",
  "io.dataflint",
  "com.amazonaws",
  "software.amazon",
  "org.postgresql",
  "com.google",
  "io.netty",
  "org.scala-lang",
  "com.fasterxml",
  "net.snowflake",
  "com.databricks",
  "io.github",
  "com.github",
  "org.mongodb",
  "com.microsoft",
  "mysql",
  "com.mysql",
  "org.elasticsearch",
  "za.co.absa",
  "io.openlineage",
  "org.projectnessie",
  "com.clickhouse",
  "io.trino",
  "org.xerial",
  "org.json4s",
  "com.typesafe",
  "io.prometheus",
  "org.slf4j",
  "com.crealytics",
  "com.datastax",
  "com.nvidia",
  "org.lz4",
  "com.oracle",
  "io.confluent",
  "org.mariadb",
  "com.h2database",
  "org.hibernate",
  "org.jetbrains",
  "com.clearspring",
  "io.dropwizard",
  "org.neo4j",
  "com.redislabs",
  "org.apache-extras",
  "ch.cern",
  "io.unitycatalog",
  "org.duckdb",
];

const matches = (group: string, prefix: string): boolean =>
  group === prefix || group.startsWith(`${prefix}.`);

function isPrivate(group: string, opts: PrivateJarsOptions): boolean {
  // A placeholder (`<org>`, `{{ ... }}`) is what the seed writes for its private group.
  if (/[<>{}]/.test(group)) return true;
  if (opts.privateGroups && opts.privateGroups.length > 0)
    return opts.privateGroups.some((p) => matches(group, p));
  return !PUBLIC_GROUPS.some((p) => matches(group, p));
}

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function findings(manifest: Record<string, unknown>, opts: PrivateJarsOptions): RuleFinding[] {
  const spec = asRecord(manifest.spec);
  const conf = asRecord(spec.sparkConf);
  const settings = conf["spark.jars.ivySettings"];
  if (typeof settings === "string" && settings.trim() !== "") return [];
  const sources: [ManifestPath, string[]][] = [];
  const packages = conf["spark.jars.packages"];
  if (typeof packages === "string")
    sources.push([["spec", "sparkConf", "spark.jars.packages"], packages.split(",")]);
  const deps = asRecord(spec.deps).packages;
  if (Array.isArray(deps))
    sources.push([["spec", "deps", "packages"], deps.filter((d): d is string => typeof d === "string")]);
  const out: RuleFinding[] = [];
  for (const [path, coords] of sources) {
    const priv = coords
      .map((c) => c.trim())
      .filter((c) => c !== "" && isPrivate(c.split(":")[0] ?? "", opts));
    if (priv.length === 0) continue;
    out.push({
      path,
      message: `${priv.join(", ")} look${priv.length === 1 ? "s" : ""} private, but spark.jars.ivySettings is not set: spark-submit resolves ${priv.length === 1 ? "it" : "them"} from Maven Central only and the submission fails`,
    });
  }
  return out;
}

const fix =
  'set sparkConf spark.jars.ivySettings to the file the `sparklane ivy-settings` sidecar writes (e.g. "/ivy-settings/ivysettings.xml"), on a shared, folder-mounted volume; see docs/private-jars.md';

/** The rule as a plain function: the issues, each naming the manifest path, with a fix as the hint. */
export function privateJarsWithoutIvySettings(
  manifest: Record<string, unknown>,
  opts: PrivateJarsOptions = {},
): Issue[] {
  return findings(manifest, opts).map((f) => ({ where: formatPath(f.path), message: f.message, hint: fix }));
}

/** The same rule in the shape of src/lint/rules.ts, for the lint registry (default options). */
export const privateJarsRule: ManifestRule = {
  id: "private-jars-without-ivy-settings",
  target: "manifest",
  severity: "warning",
  description:
    "Private JAR coordinates in spark.jars.packages are resolved by Ivy inside the operator's spark-submit; without spark.jars.ivySettings Ivy only knows Maven Central and cannot authenticate to the private registry.",
  fix,
  check: (m) => findings(m, {}),
};
