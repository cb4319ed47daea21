// JARs in a pre-baked image: Spark's own Ivy resolves them inside the image (spark-submit --packages, the same
// resolvers and settings as the standard variant); then a small Python step, run there too, post-processes
// what Ivy retrieved.
import { UserError } from "../errors.js";

/** Ivy's dynamic revisions: `latest.*`, `1.+`, and Maven/Ivy ranges `[1.0,2.0)`, `]1,2]`, `(,1.5]`. */
export function isDynamicRevision(revision: string): boolean {
  return /^latest\./.test(revision) || revision.includes("+") || /^[[\]()]|[[\]()]$/.test(revision);
}

/** Refuses coordinates whose revision is not fixed: an image tag must name one set of JARs. */
export function checkFixedRevisions(coordinates: readonly string[], where: string): void {
  for (const c of coordinates) {
    const parts = c.split(":");
    if (parts.length < 3 || parts.some((p) => !p)) {
      throw new UserError(`${where}: ${c} is not group:artifact:version`);
    }
    const revision = parts.slice(2).join(":");
    if (isDynamicRevision(revision)) {
      throw new UserError(
        `${where}: ${c} has a dynamic revision (${revision}); a pre-baked image needs a fixed version such as ${parts[0]}:${parts[1]}:1.2.3`,
      );
    }
  }
}

/**
 * Run inside the image after Ivy: argv = retrieved-jars folder, $SPARK_HOME/jars, list file.
 * (1) drops a retrieved JAR whose artifact Spark already ships (Spark's copy wins, as with parent-first class
 * loading at run time); (2) fails when two versions of one artifact remain; (3) copies the rest into
 * $SPARK_HOME/jars and writes each one's coordinates, file name and sha256 to the list file.
 * Ivy's retrieve pattern is [organization]_[artifact]-[revision](-[classifier]).[ext]; Spark's own jars are
 * [artifact]-[revision].jar.
 */
export const POST_PROCESS_PY = String.raw`import hashlib, os, re, shutil, sys

retrieved, spark_jars, listing = sys.argv[1:4]
split = re.compile(r"^(.*?)-(\d[^/]*)\.jar$")

def artifact_of(name):
    m = split.match(name)
    return (m.group(1), m.group(2)) if m else (name[:-4], "")

shipped = {artifact_of(n)[0] for n in os.listdir(spark_jars) if n.endswith(".jar")}
kept, versions = [], {}
for name in sorted(os.listdir(retrieved)):
    if not name.endswith(".jar"):
        continue
    org, _, rest = name.partition("_")
    artifact, revision = artifact_of(rest)
    if artifact in shipped:
        print("sparklane-jars: dropped %s (Spark ships %s)" % (name, artifact))
        continue
    versions.setdefault((org, artifact), set()).add(revision)
    kept.append((org, artifact, revision, name))
clashes = sorted("%s:%s (%s)" % (o, a, ", ".join(sorted(v))) for (o, a), v in versions.items() if len(v) > 1)
if clashes:
    print("sparklane-bake: two versions of one artifact after Ivy resolution: %s; pin one version in the JAR coordinates" % "; ".join(clashes))
    sys.exit(3)
lines = []
for org, artifact, revision, name in kept:
    target = os.path.join(spark_jars, name)
    shutil.copyfile(os.path.join(retrieved, name), target)
    os.chmod(target, 0o644)
    with open(target, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    lines.append("%s:%s:%s %s %s\n" % (org, artifact, revision, name, digest))
    print("sparklane-jars: added %s" % name)
with open(listing, "w") as f:
    f.write("# JARs added by sparklane bake: coordinates, file in $SPARK_HOME/jars, sha256\n")
    f.writelines(lines)
`;

/** The list file's lines, parsed back (for the smoke test and for readers of an image). */
export function parseJarList(text: string): { coordinates: string; file: string; sha256: string }[] {
  return text
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => {
      const [coordinates = "", file = "", sha256 = ""] = l.trim().split(/\s+/);
      return { coordinates, file, sha256 };
    });
}
