// `sparklane bake`: the pre-baked image, built FROM the base with the project's locked venv in /app/.venv
// (built inside the base, so the interpreter paths match) and the JARs resolved by Spark's own Ivy inside the
// image, tagged with the dependency fingerprint `run --local` uses (src/runtime/fingerprint.ts). `bake --check`
// and `--variant auto` ask the registry whether that tag exists.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { x as untar } from "tar";
import { UserError } from "../errors.js";
import { packageProject } from "../artifact/package.js";
import { computeFingerprint, normaliseCoordinates, type Fingerprint } from "../runtime/fingerprint.js";
import { detectUv } from "../runtime/host.js";
import { readProjectLock, type ProjectLock } from "../runtime/lockfile.js";
import { runProcess } from "../runtime/process.js";
import { findBuilder, type Builder, type BuilderName } from "./builder.js";
import { checkFixedRevisions, POST_PROCESS_PY } from "./jars.js";
import {
  credentialsFromEnv,
  isLoopback,
  parseRepoRef,
  RegistryClient,
  type Credentials,
} from "./registry.js";

export { findBuilder, BUILDERS, type Builder, type BuilderName } from "./builder.js";
export { RegistryClient, parseRepoRef, parseChallenge, MANIFEST_TYPES, type RepoRef } from "./registry.js";
export { checkFixedRevisions, isDynamicRevision, parseJarList, POST_PROCESS_PY } from "./jars.js";

/** Where the venv lives in both image variants, so spark.pyspark.python is the same path. */
export const VENV = "/app/.venv";
/** The interpreter the venv is built with, inside the base (the apache/spark images' system Python). */
export const IMAGE_PYTHON = "/usr/bin/python3";
export const JAR_LIST = ".sparklane-jars.txt";
export const LABEL = {
  role: "io.sparklane.role",
  fingerprint: "io.sparklane.fingerprint",
  inputs: "io.sparklane.fingerprint.inputs",
  project: "io.sparklane.project",
  lock: "io.sparklane.lock.sha256",
  spark: "io.sparklane.spark.version",
  python: "io.sparklane.python.version",
  java: "io.sparklane.java.version",
  jars: "io.sparklane.jars",
  baseName: "org.opencontainers.image.base.name",
  baseDigest: "org.opencontainers.image.base.digest",
} as const;

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The image's fingerprint: the same function as a local runtime's, with the image's Python, platform and base. */
export function imageFingerprint(args: {
  projectDir: string;
  lock: ProjectLock;
  coordinates: readonly string[];
  base: string;
}): Fingerprint {
  return computeFingerprint({
    projectDir: args.projectDir,
    lock: args.lock,
    jars: args.coordinates,
    python: `UV_PYTHON=${IMAGE_PYTHON}`,
    platform: `linux-${process.arch}`,
    base: args.base,
  });
}

export interface BakeTarget {
  readonly projectDir: string;
  readonly base: string;
  /** REGISTRY/REPOSITORY; the tag is the fingerprint. */
  readonly registry: string;
  readonly coordinates: readonly string[];
  readonly credentials?: Credentials;
  readonly plainHttp?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface CheckResult {
  readonly fresh: boolean;
  readonly fingerprint: string;
  /** REGISTRY/REPO:fingerprint */
  readonly image: string;
  /** Set when fresh: the manifest digest, for submitting by digest. */
  readonly digest?: string;
  /** Why not fresh: no such tag, or a tag whose labels do not carry this fingerprint. */
  readonly reason?: string;
}

function targetFacts(t: BakeTarget): { lock: ProjectLock; coordinates: string[]; fingerprint: Fingerprint } {
  const coordinates = normaliseCoordinates(t.coordinates);
  const lockFile = join(t.projectDir, "uv.lock");
  if (!existsSync(lockFile)) {
    throw new UserError(
      `${lockFile} not found: the image installs the locked dependencies; run uv lock --project ${t.projectDir}`,
    );
  }
  const lock = readProjectLock(t.projectDir);
  return { lock, coordinates, fingerprint: imageFingerprint({ ...t, lock, coordinates }) };
}

export function client(t: {
  registry: string;
  credentials?: Credentials;
  plainHttp?: boolean;
  env?: NodeJS.ProcessEnv;
}): RegistryClient {
  return new RegistryClient(parseRepoRef(t.registry), {
    credentials: t.credentials ?? credentialsFromEnv(t.env),
    plainHttp: t.plainHttp,
  });
}

/** Does the registry hold an image for the project's current fingerprint? HEAD by tag, then its labels. */
export async function checkImage(t: BakeTarget): Promise<CheckResult> {
  const { fingerprint } = targetFacts(t);
  return checkTag(client(t), t.registry, fingerprint.id);
}

async function checkTag(reg: RegistryClient, registry: string, id: string): Promise<CheckResult> {
  const image = `${registry}:${id}`;
  const digest = await reg.manifestDigest(id);
  if (digest === undefined) {
    return { fresh: false, fingerprint: id, image, reason: `no image ${image} in the registry` };
  }
  const labels = await reg.labels(digest || id);
  if (labels[LABEL.fingerprint] !== id) {
    return {
      fresh: false,
      fingerprint: id,
      image,
      reason: `${image} exists but its ${LABEL.fingerprint} label is ${labels[LABEL.fingerprint] ?? "missing"}`,
    };
  }
  return { fresh: true, fingerprint: id, image, digest: digest || undefined };
}

/** What the Airflow DAG needs: the template suffix and, when pre-baked, the image (by digest where known). */
export function airflowVariables(r: CheckResult): Record<string, string> {
  return r.fresh
    ? {
        sparklane_sparkapp_suffix: "-pre-baked",
        sparklane_pre_baked_image: r.digest ? `${r.image.replace(/:[^:/]+$/, "")}@${r.digest}` : r.image,
        sparklane_deps_fingerprint: r.fingerprint,
      }
    : { sparklane_sparkapp_suffix: "", sparklane_deps_fingerprint: r.fingerprint };
}

export interface BaseFacts {
  readonly python: string;
  readonly java: string;
  readonly spark: string;
  readonly sparkHome: string;
  readonly pip: boolean;
  readonly requiresPythonOk: boolean;
}

/** Facts about the base, read by running a probe inside it. */
export async function probeBase(
  builder: Builder,
  base: string,
  requiresPython: string | undefined,
  signal?: AbortSignal,
): Promise<BaseFacts> {
  const spec = (requiresPython ?? "").replace(/'/g, "");
  const script = [
    `py=$(command -v ${IMAGE_PYTHON} python3 2>/dev/null | head -1)`,
    `echo "python=$([ -n "$py" ] && "$py" -c 'import platform; print(platform.python_version())' 2>/dev/null)"`,
    `echo "pip=$([ -n "$py" ] && "$py" -m pip --version >/dev/null 2>&1 && echo yes)"`,
    `j=\${JAVA_HOME:+$JAVA_HOME/bin/java}; [ -x "$j" ] || j=$(command -v java 2>/dev/null)`,
    `echo "java=$([ -n "$j" ] && "$j" -version 2>&1 | sed -n 's/.*version "\\([^"]*\\)".*/\\1/p' | head -1)"`,
    `sh_=\${SPARK_HOME:-/opt/spark}; echo "sparkHome=$sh_"`,
    `echo "spark=$(ls "$sh_/jars" 2>/dev/null | sed -n 's/^spark-core_[0-9.]*-\\(.*\\)\\.jar$/\\1/p' | head -1)"`,
    spec
      ? `echo "requires=$([ -n "$py" ] && "$py" -c 'import platform, sys; from pip._vendor.packaging.specifiers import SpecifierSet; print(platform.python_version() in SpecifierSet(sys.argv[1]))' '${spec}' 2>/dev/null)"`
      : `echo "requires=True"`,
  ].join("\n");
  const r = await builder.run(base, script, { signal });
  const facts: Record<string, string> = {};
  for (const line of r.tail) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) facts[m[1]] = m[2]!;
  }
  return {
    python: facts.python ?? "",
    java: facts.java ?? "",
    spark: facts.spark ?? "",
    sparkHome: facts.sparkHome || "/opt/spark",
    pip: facts.pip === "yes",
    requiresPythonOk: facts.requires === "True",
  };
}

export type BakeStep = "check" | "probe" | "context" | "build" | "push";

export interface BakeOptions extends BakeTarget {
  readonly push: boolean;
  readonly builder: BuilderName;
  /** An ivysettings.xml for Ivy inside the image (the standard variant's); must hold no secrets. */
  readonly ivySettings?: string;
  readonly tlsVerify?: boolean;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: BakeStep, detail: string) => void;
  readonly onLine?: (line: string) => void;
}

export interface BakeResult {
  /** found: an image for this fingerprint already existed, nothing was built. */
  readonly state: "found" | "built";
  readonly fingerprint: string;
  readonly image: string;
  readonly pushed: boolean;
  readonly digest?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly facts?: BaseFacts;
}

async function checkLockFresh(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<void> {
  const uv = detectUv(env);
  const e = { ...env };
  delete e.VIRTUAL_ENV;
  const r = await runProcess(uv.path, ["lock", "--check", "--project", projectDir], {
    cwd: projectDir,
    env: e,
    signal,
  });
  if (r.code !== 0) {
    const why = r.tail.filter((l) => l.trim()).at(-1) ?? "";
    throw new UserError(
      `${join(projectDir, "uv.lock")} is out of date with pyproject.toml (${why.trim()}); run uv lock --project ${projectDir} and bake again`,
    );
  }
}

function uvVersionOf(env: NodeJS.ProcessEnv): Promise<string> {
  return runProcess(detectUv(env).path, ["--version"], { env }).then((r) => {
    const v = /uv (\d+\.\d+\.\d+)/.exec(r.tail.join(" "))?.[1];
    if (!v) throw new UserError("could not tell uv's version (uv --version)");
    return v;
  });
}

function containerfile(o: {
  base: string;
  uvVersion: string;
  sparkHome: string;
  coordinates: readonly string[];
  ivySettings: boolean;
  trust: { pem: boolean; java: boolean };
}): string {
  const sh = (lines: string[]): string => lines.join(" \\\n && ");
  // The host's CA trust (a TLS-intercepting proxy's CA, a private index's CA) reaches the build only through a
  // bind mount, so it never lands in a layer.
  const trustMount =
    o.trust.pem || o.trust.java ? "--mount=type=bind,source=trust,target=/tmp/sparklane/trust \\\n    " : "";
  const pemEnv = o.trust.pem
    ? "SSL_CERT_FILE=/tmp/sparklane/trust/ca.pem PIP_CERT=/tmp/sparklane/trust/ca.pem REQUESTS_CA_BUNDLE=/tmp/sparklane/trust/ca.pem "
    : "";
  const javaEnv = o.trust.java
    ? "SPARK_SUBMIT_OPTS=-Djavax.net.ssl.trustStore=/tmp/sparklane/trust/cacerts "
    : "";
  const lines = [
    "# Generated by sparklane bake: the base + the project's locked venv + JARs resolved by Spark's Ivy.",
    `FROM ${o.base}`,
    "USER root",
    // uv comes from the package index into a throwaway folder (never a layer); the venv is built with the
    // base's own interpreter, and uv may not fetch another one.
    "RUN --mount=type=bind,source=project,target=/tmp/sparklane/project,rw \\\n" +
      "    --mount=type=cache,target=/root/.cache,id=sparklane-bake \\\n    " +
      trustMount +
      sh([
        `${pemEnv}PIP_BREAK_SYSTEM_PACKAGES=1 ${IMAGE_PYTHON} -m pip install --quiet --disable-pip-version-check --target /tmp/sparklane/uv "uv==${o.uvVersion}"`,
        "cd /tmp/sparklane/project",
        `env -u VIRTUAL_ENV ${pemEnv}PYTHONPATH=/tmp/sparklane/uv UV_PYTHON=${IMAGE_PYTHON} UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PROJECT_ENVIRONMENT=${VENV} ` +
          "/tmp/sparklane/uv/bin/uv sync --frozen --no-dev --no-install-project --no-editable --no-install-package pyspark",
        `cp fingerprint ${VENV}/.sparklane-fingerprint`,
        "rm -rf /tmp/sparklane/uv",
      ]),
  ];
  if (o.coordinates.length > 0) {
    const settings = o.ivySettings ? " --conf spark.jars.ivySettings=/tmp/sparklane/ctx/ivysettings.xml" : "";
    lines.push(
      // The hostname does not resolve under chroot isolation; Spark needs only loopback here.
      "RUN --mount=type=bind,source=sparklane,target=/tmp/sparklane/ctx \\\n    " +
        trustMount +
        sh([
          "mkdir -p /tmp/sparklane/ivy",
          "echo '# sparklane: resolve --packages only' > /tmp/sparklane/ivy/noop.py",
          `${javaEnv}SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost ${o.sparkHome}/bin/spark-submit --master 'local[1]' ` +
            `--conf spark.jars.ivy=/tmp/sparklane/ivy --conf spark.pyspark.python=${VENV}/bin/python${settings} ` +
            `--packages '${o.coordinates.join(",")}' /tmp/sparklane/ivy/noop.py`,
          `${IMAGE_PYTHON} /tmp/sparklane/ctx/jars.py /tmp/sparklane/ivy/jars ${o.sparkHome}/jars ${o.sparkHome}/jars/${JAR_LIST}`,
          "rm -rf /tmp/sparklane/ivy",
        ]),
    );
  }
  lines.push(
    // Smoke test before anything is tagged: the venv's python runs and imports every installed distribution's
    // top-level modules, with Spark's own pyspark on the path as at run time.
    "RUN --mount=type=bind,source=sparklane,target=/tmp/sparklane/ctx \\\n    " +
      sh([
        `PYTHONPATH=$(ls ${o.sparkHome}/python/lib/*.zip | tr '\\n' ':') ${VENV}/bin/python /tmp/sparklane/ctx/smoke.py`,
        "chown -R 185:185 /app",
      ]),
    `ENV PYSPARK_PYTHON=${VENV}/bin/python BOOTSTRAP_MODE=code-only`,
    "USER 185",
    "",
  );
  return lines.join("\n");
}

/** Imports every top-level module of every distribution in the venv (the project's dependencies). */
const SMOKE_PY = String.raw`import importlib, importlib.metadata as md, sys
names = set()
for dist in md.distributions():
    top = dist.read_text("top_level.txt")
    if top:
        names.update(n.strip() for n in top.split() if n.strip())
        continue
    for f in dist.files or []:
        parts = f.parts
        if len(parts) == 2 and parts[1] == "__init__.py" and not parts[0].endswith((".dist-info", ".data")):
            names.add(parts[0])
        elif len(parts) == 1 and parts[0].endswith(".py") and not parts[0].startswith("_"):
            names.add(parts[0][:-3])
failed = []
for name in sorted(n for n in names if n.isidentifier()):
    try:
        importlib.import_module(name)
    except Exception as e:
        failed.append("%s (%s)" % (name, e))
if failed:
    print("sparklane-bake: the baked venv cannot import: %s" % "; ".join(failed))
    sys.exit(3)
print("sparklane-smoke: %s imports %d modules: %s" % (sys.executable, len(names), ", ".join(sorted(names))))
`;

/** Builds (and pushes) the pre-baked image for the project's current fingerprint, unless it exists. */
export async function bake(o: BakeOptions): Promise<BakeResult> {
  const env = o.env ?? process.env;
  const step = o.onStep ?? (() => {});
  parseRepoRef(o.registry); // a bad --registry is reported before anything else
  const { lock, coordinates, fingerprint } = targetFacts(o);
  checkFixedRevisions(coordinates, "spark.jars.packages");
  const id = fingerprint.id;
  const image = `${o.registry}:${id}`;
  const builder = findBuilder(o.builder, env);
  const reg = client(o);

  step("check", `fingerprint ${id}: is ${image} already there?`);
  if (o.push) {
    await reg.ping();
    const found = await checkTag(reg, o.registry, id);
    if (found.fresh) {
      return { state: "found", fingerprint: id, image, pushed: true, digest: found.digest, labels: {} };
    }
  } else if ((await builder.localDigest(image)) !== undefined) {
    return { state: "found", fingerprint: id, image, pushed: false, labels: {} };
  }
  await checkLockFresh(o.projectDir, env, o.signal);

  step("probe", `reading Python, Java and Spark inside ${o.base}`);
  await builder.ensureLocal(o.base, o.signal);
  const requiresPython = /^requires-python\s*=\s*["']([^"']+)["']/m.exec(lock.pyprojectText)?.[1];
  const facts = await probeBase(builder, o.base, requiresPython, o.signal);
  if (!facts.python)
    throw new UserError(`--base ${o.base}: the image has no Python (${IMAGE_PYTHON} or python3)`);
  if (!facts.java) throw new UserError(`--base ${o.base}: the image has no Java (JAVA_HOME or java on PATH)`);
  if (!facts.spark)
    throw new UserError(
      `--base ${o.base}: the image has no Spark (no spark-core jar in ${facts.sparkHome}/jars)`,
    );
  if (!facts.requiresPythonOk) {
    throw new UserError(
      `--base ${o.base}: its Python ${facts.python} does not meet requires-python "${requiresPython}" of ${lock.pyprojectFile}`,
    );
  }
  if (!facts.pip)
    throw new UserError(`--base ${o.base}: its Python has no pip, which the bake uses to fetch uv`);
  if (lock.sparkVersion !== facts.spark) {
    throw new UserError(
      `${lock.lockFile} locks pyspark ${lock.sparkVersion} but ${o.base} ships Spark ${facts.spark}; lock pyspark==${facts.spark} or choose a base with Spark ${lock.sparkVersion}`,
    );
  }
  const baseDigest = (await builder.localDigest(o.base)) ?? "";

  step("context", "packaging the project's pyproject.toml, uv.lock and path dependencies");
  const ctx = mkdtempSync(join(tmpdir(), "sparklane-bake-"));
  const tmpTag = `localhost/sparklane-bake-tmp:${id}-${process.pid}`;
  try {
    const pkg = packageProject({ projectDir: o.projectDir, version: "0.0.0+bake" });
    const projectCtx = join(ctx, "project");
    mkdirSync(projectCtx);
    writeFileSync(join(ctx, "project.tar.gz"), pkg.archive);
    await untar({ file: join(ctx, "project.tar.gz"), cwd: projectCtx });
    rmSync(join(ctx, "project.tar.gz"));
    writeFileSync(join(projectCtx, "fingerprint"), `${pkg.manifest.fingerprint}\n`);
    mkdirSync(join(ctx, "sparklane"));
    writeFileSync(join(ctx, "sparklane", "jars.py"), POST_PROCESS_PY);
    writeFileSync(join(ctx, "sparklane", "smoke.py"), SMOKE_PY);
    writeFileSync(join(ctx, "sparklane", "fingerprint.json"), `${JSON.stringify(fingerprint, null, 2)}\n`);
    if (o.ivySettings) {
      writeFileSync(join(ctx, "sparklane", "ivysettings.xml"), readFileSync(o.ivySettings));
    }
    const trust = { pem: false, java: false };
    mkdirSync(join(ctx, "trust"));
    const pem = env.SSL_CERT_FILE;
    if (pem && existsSync(pem)) {
      copyFileSync(pem, join(ctx, "trust", "ca.pem"));
      trust.pem = true;
    }
    const javaStore = env.SPARKLANE_JAVA_TRUSTSTORE ?? "/etc/ssl/certs/java/cacerts";
    if (pem && existsSync(javaStore)) {
      copyFileSync(javaStore, join(ctx, "trust", "cacerts"));
      trust.java = true;
    }
    writeFileSync(
      join(ctx, "Containerfile"),
      containerfile({
        base: o.base,
        uvVersion: await uvVersionOf(env),
        sparkHome: facts.sparkHome,
        coordinates,
        ivySettings: !!o.ivySettings,
        trust,
      }),
    );
    const labels: Record<string, string> = {
      [LABEL.role]: "pre-baked",
      [LABEL.fingerprint]: id,
      [LABEL.inputs]: JSON.stringify(fingerprint.inputs),
      [LABEL.project]: pkg.manifest.project,
      [LABEL.lock]: sha256(lock.lockText),
      [LABEL.spark]: facts.spark,
      [LABEL.python]: facts.python,
      [LABEL.java]: facts.java,
      [LABEL.jars]: coordinates.join(","),
      [LABEL.baseName]: o.base,
      ...(baseDigest ? { [LABEL.baseDigest]: baseDigest } : {}),
    };

    step(
      "build",
      `${o.builder}: venv (uv sync --frozen)${coordinates.length ? `, JARs (Ivy: ${coordinates.join(",")})` : ""}, smoke test`,
    );
    const digest = await buildAndPublish({ ...o, builder, reg, ctx, tmpTag, image, tag: id, labels, step });
    return { state: "built", fingerprint: id, image, pushed: o.push, digest, labels, facts };
  } finally {
    await builder.removeTag(tmpTag);
    rmSync(ctx, { recursive: true, force: true });
  }
}

/**
 * The end every image shares: build under a temporary local name, push (when asked) under the final one,
 * and only then tag it locally, so a failure at any step leaves no tag behind. Returns the pushed digest.
 */
export async function buildAndPublish(o: {
  builder: Builder;
  reg: RegistryClient;
  ctx: string;
  tmpTag: string;
  image: string;
  tag: string;
  labels: Record<string, string>;
  push: boolean;
  registry: string;
  tlsVerify?: boolean;
  credentials?: Credentials;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  step: (step: BakeStep, detail: string) => void;
}): Promise<string | undefined> {
  await o.builder.build({
    contextDir: o.ctx,
    containerfile: join(o.ctx, "Containerfile"),
    tag: o.tmpTag,
    labels: o.labels,
    signal: o.signal,
    onLine: o.onLine,
  });
  let digest: string | undefined;
  if (o.push) {
    o.step("push", o.image);
    await o.builder.push(o.tmpTag, o.image, {
      tlsVerify: o.tlsVerify ?? !isLoopback(parseRepoRef(o.registry).registry),
      credentials: o.credentials ?? credentialsFromEnv(o.env ?? process.env),
      signal: o.signal,
      onLine: o.onLine,
    });
    digest = (await o.reg.manifestDigest(o.tag)) || undefined;
  }
  await o.builder.tag(o.tmpTag, o.image);
  return digest;
}
