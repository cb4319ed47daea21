// `sparklane bake` for real: Debian buildah (vfs, chroot isolation) builds the example's pre-baked image on the
// stand-in apache/spark base, pushes it to docker-registry on loopback, skopeo reads the labels back, and the
// image runs the example pipeline with spark-submit --master local in a network namespace with loopback only.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { imageFingerprint } from "../../src/bake/index.js";
import { computeFingerprint } from "../../src/runtime/fingerprint.js";
import { readProjectLock } from "../../src/runtime/lockfile.js";
import { runCli } from "../helpers/cli.js";
import { copyExample, type ExampleCopy } from "../local/example.js";
import {
  buildah,
  imageEnv,
  imageExists,
  imageSkip,
  removeImagesOf,
  skopeoLabels,
  startRegistry,
  testBase,
  type Registry,
} from "./tools.js";

const env = { ...imageEnv, SPARKLANE_REGISTRY_USER: "", SPARKLANE_REGISTRY_PASSWORD: "" };
const LONG = 20 * 60_000;

let base = "";
let reg: Registry | undefined;
let locked: Registry | undefined;
let ex: ExampleCopy | undefined;
before(async () => {
  if (imageSkip) return;
  base = testBase();
  reg = await startRegistry();
  locked = await startRegistry({ user: "bob", password: "s3cret" });
  ex = copyExample();
});
after(async () => {
  if (reg) removeImagesOf(reg.host);
  await reg?.stop();
  await locked?.stop();
  ex?.cleanup();
});

const bake = (project: string, ...args: string[]) =>
  runCli(["bake", "--project", project, "--base", base, ...args], { env, timeoutMs: LONG });

/** A private copy of the example with one file changed. */
function variantCopy(change: (project: string) => void): ExampleCopy {
  const c = copyExample();
  change(c.project);
  return c;
}

const oneLine = (stderr: string): string => {
  const lines = stderr.split("\n").filter((l) => l.trim() && !l.startsWith("sparklane: bake"));
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  return lines[0]!;
};

test(
  "the image's fingerprint is run --local's function with the image's Python, platform and base",
  { skip: imageSkip },
  () => {
    const lock = readProjectLock(ex!.project);
    const jars = ["org.apache.spark:spark-avro_2.13:4.0.1"];
    const img = imageFingerprint({ projectDir: ex!.project, lock, coordinates: jars, base: "b:1" });
    assert.equal(
      img.id,
      computeFingerprint({
        projectDir: ex!.project,
        lock,
        jars,
        python: "UV_PYTHON=/usr/bin/python3",
        platform: `linux-${process.arch}`,
        base: "b:1",
      }).id,
    );
    assert.notEqual(
      img.id,
      imageFingerprint({ projectDir: ex!.project, lock, coordinates: jars, base: "b:2" }).id,
    );
    assert.notEqual(
      img.id,
      imageFingerprint({ projectDir: ex!.project, lock, coordinates: [], base: "b:1" }).id,
    );
    // A local runtime's inputs carry no base key, so their ids are what they were before images existed.
    assert.equal(
      "base" in computeFingerprint({ projectDir: ex!.project, lock, jars, python: "x" }).inputs,
      false,
    );
  },
);

test(
  "bad input exits 2 with one line naming the cause, and builds nothing",
  { skip: imageSkip, timeout: LONG },
  async () => {
    const registry = `${reg!.host}/etl/bad`;
    const cases: { name: string; copy: ExampleCopy; args?: string[]; expect: RegExp }[] = [
      {
        name: "no lock",
        copy: variantCopy((p) => rmSync(join(p, "uv.lock"))),
        expect: /uv\.lock not found.*uv lock/,
      },
      {
        name: "lock out of date",
        copy: variantCopy((p) =>
          writeFileSync(
            join(p, "pyproject.toml"),
            readFileSync(join(p, "pyproject.toml"), "utf8").replace(
              '"sparklane-etl",',
              '"sparklane-etl",\n    "six==1.16.0",',
            ),
          ),
        ),
        expect: /uv\.lock is out of date with pyproject\.toml/,
      },
      {
        name: "dynamic revision",
        copy: variantCopy((p) =>
          writeFileSync(
            join(p, "sparklane.yaml"),
            readFileSync(join(p, "sparklane.yaml"), "utf8").replace(
              "spark-avro_2.13:4.0.1",
              "spark-avro_2.13:latest.release",
            ),
          ),
        ),
        expect: /spark-avro_2\.13:latest\.release has a dynamic revision/,
      },
      {
        name: "requires-python not met",
        copy: variantCopy((p) => {
          const f = join(p, "pyproject.toml");
          writeFileSync(
            f,
            readFileSync(f, "utf8").replace('requires-python = ">=3.10"', 'requires-python = ">=3.11.5"'),
          );
          execFileSync("uv", ["lock", "--quiet", "--project", p], { cwd: p, stdio: "ignore" });
        }),
        expect: /its Python 3\.11\.\d+ does not meet requires-python ">=3\.11\.5"/,
      },
    ];
    try {
      for (const c of cases) {
        const r = await bake(c.copy.project, "--registry", registry);
        assert.equal(r.code, 2, `${c.name}: ${r.stderr}`);
        assert.match(oneLine(r.stderr), c.expect, c.name);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      }
    } finally {
      for (const c of cases) c.copy.cleanup();
    }

    // Bases that are not Spark images: one without anything (no Python), one without Java.
    const empty = `localhost/sparklane-test-empty:${process.pid}`;
    const ctr = buildah(["from", "scratch"]).trim();
    buildah(["commit", "--quiet", "--rm", ctr, empty]);
    const noJava = `localhost/sparklane-test-nojava:${process.pid}`;
    const c2 = buildah(["from", "--pull=never", base]).trim();
    buildah([
      "run",
      "--user",
      "root",
      c2,
      "--",
      "sh",
      "-c",
      "rm -rf /usr/lib/jvm /opt/java /usr/bin/java /etc/alternatives/java",
    ]);
    buildah(["commit", "--quiet", "--rm", c2, noJava]);
    try {
      let r = await runCli(["bake", "--project", ex!.project, "--base", empty, "--registry", registry], {
        env,
        timeoutMs: LONG,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLine(r.stderr), /the image has no Python/);
      r = await runCli(["bake", "--project", ex!.project, "--base", noJava, "--registry", registry], {
        env,
        timeoutMs: LONG,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLine(r.stderr), /the image has no Java/);
    } finally {
      buildah(["rmi", empty, noJava]);
    }
  },
);

test(
  "an unreachable registry or one that refuses exits 3 before building",
  { skip: imageSkip, timeout: LONG },
  async () => {
    let r = await bake(ex!.project, "--registry", "127.0.0.1:1/etl/visits", "--push");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /registry 127\.0\.0\.1:1 is unreachable/);
    r = await bake(ex!.project, "--registry", `${locked!.host}/etl/visits`, "--push");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /requires credentials/);
    r = await bake(ex!.project, "--registry", `${locked!.host}/etl/visits`, "--check");
    assert.equal(r.code, 3, r.stderr);
  },
);

let image = "";
test(
  "bake builds, labels and pushes the pre-baked image; a rerun builds nothing; --check and the Airflow Variables",
  { skip: imageSkip, timeout: LONG },
  async () => {
    const registry = `${reg!.host}/etl/visits-etl`;
    let r = await bake(ex!.project, "--registry", registry, "--push");
    assert.equal(r.code, 0, r.stderr);
    const m = /built (\S+):([0-9a-f]{20}) and pushed it/.exec(r.stdout);
    assert.ok(m, r.stdout);
    image = `${m[1]}:${m[2]}`;
    const fp = m[2]!;
    for (const s of ["check", "probe", "context", "build", "push"])
      assert.match(r.stderr, new RegExp(`sparklane: bake ${s}: `));

    const labels = skopeoLabels(image);
    const lock = readFileSync(join(ex!.project, "uv.lock"), "utf8");
    assert.equal(labels["io.sparklane.fingerprint"], fp);
    assert.equal(labels["io.sparklane.project"], "visits-etl");
    assert.equal(labels["io.sparklane.role"], "pre-baked");
    assert.equal(labels["io.sparklane.spark.version"], "4.0.1");
    assert.match(labels["io.sparklane.python.version"] ?? "", /^3\.11\.\d+$/);
    assert.match(labels["io.sparklane.java.version"] ?? "", /^17\./);
    assert.equal(labels["io.sparklane.jars"], "org.apache.spark:spark-avro_2.13:4.0.1");
    assert.equal(labels["org.opencontainers.image.base.name"], base);
    assert.match(labels["org.opencontainers.image.base.digest"] ?? "", /^sha256:[0-9a-f]{64}$/);
    const { createHash } = await import("node:crypto");
    assert.equal(labels["io.sparklane.lock.sha256"], createHash("sha256").update(lock).digest("hex"));
    assert.equal(JSON.parse(labels["io.sparklane.fingerprint.inputs"]!).base, base);
    assert.equal(imageExists(image), true);
    assert.deepEqual(
      buildah(["images", "--noheading", "--format", "{{.Name}}"])
        .split("\n")
        .filter((n) => n.includes("sparklane-bake-tmp")),
      [],
    );

    r = await bake(ex!.project, "--registry", registry, "--push");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already in the registry for fingerprint [0-9a-f]{20}; built nothing/);
    assert.doesNotMatch(r.stderr, /bake build/);

    const vars = join(ex!.root, "airflow-variables.json");
    r = await bake(ex!.project, "--registry", registry, "--check", "--airflow-variables", vars);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`fresh: ${registry.replace(/\./g, "\\.")}:${fp} \\(sha256:`));
    const v = JSON.parse(readFileSync(vars, "utf8")) as Record<string, string>;
    assert.equal(v.sparklane_sparkapp_suffix, "-pre-baked");
    assert.match(
      v.sparklane_pre_baked_image ?? "",
      new RegExp(`^${registry.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`),
    );

    // A dependency change makes the image stale: --check exits 1 naming the new fingerprint, and auto picks
    // standard with one line saying why.
    const stale = variantCopy((p) => {
      const f = join(p, "sparklane.yaml");
      writeFileSync(
        f,
        readFileSync(f, "utf8").replace("spark-avro_2.13:4.0.1", "spark-protobuf_2.13:4.0.1") +
          `bake:\n  base: ${base}\n  registry: ${registry}\n`,
      );
    });
    const fresh = variantCopy((p) => {
      writeFileSync(
        join(p, "sparklane.yaml"),
        readFileSync(join(p, "sparklane.yaml"), "utf8") + `bake:\n  base: ${base}\n  registry: ${registry}\n`,
      );
    });
    try {
      r = await runCli(["bake", "--check", "--project", stale.project, "--airflow-variables", "-"], { env });
      assert.equal(r.code, 1, r.stderr);
      const sv = JSON.parse(r.stdout) as Record<string, string>;
      assert.equal(sv.sparklane_sparkapp_suffix, "");
      assert.notEqual(sv.sparklane_deps_fingerprint, fp);
      const conf = join(stale.project, "triggers", "visits-daily.json");
      r = await runCli(
        [
          "submit",
          "--project",
          stale.project,
          "--conf",
          conf,
          "--variant",
          "auto",
          "--dry-run",
          "client",
          "--ds",
          "2026-03-15",
        ],
        { env },
      );
      assert.match(
        r.stderr,
        new RegExp(
          `--variant auto: standard, no image ${registry.replace(/\./g, "\\.")}:${sv.sparklane_deps_fingerprint} in the registry`,
        ),
      );
      assert.match(r.stdout, /sparklane-variant: "?standard/);
      r = await runCli(
        [
          "submit",
          "--project",
          fresh.project,
          "--conf",
          join(fresh.project, "triggers", "visits-daily.json"),
          "--variant",
          "auto",
          "--dry-run",
          "client",
          "--ds",
          "2026-03-15",
        ],
        { env },
      );
      assert.match(r.stderr, /--variant auto: pre-baked, /);
      assert.match(r.stdout, new RegExp(`image: "?${registry.replace(/\./g, "\\.")}@sha256:`));
    } finally {
      stale.cleanup();
      fresh.cleanup();
    }
  },
);

test(
  "inside the baked image, with no network: the venv imports the deps and spark-submit runs the example",
  { skip: imageSkip, timeout: LONG },
  async (t) => {
    if (!image) return t.skip("the bake test did not produce an image");
    const project = ex!.project;
    execFileSync("chmod", ["-R", "a+rwX", project]);
    const script = [
      "set -e",
      "cat /opt/spark/jars/.sparklane-jars.txt",
      "/app/.venv/bin/python -c 'import yaml, sparklane_etl; print(\"imports ok\")'",
      "cd /app/etl",
      "export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost",
      "spark-submit --master 'local[1]' --conf spark.ui.enabled=false /app/etl/visits_distinct/visits_distinct_daily.py --config /app/etl/visits_distinct/config/dev-daily.yaml --process-date 2026-03-15 2>&1 | tail -3",
      // A class from the baked spark-avro JAR, loaded on Spark's classpath.
      'printf \'from pyspark.sql import SparkSession\\ns=SparkSession.builder.getOrCreate()\\nprint("avro", s._jvm.java.lang.Class.forName("org.apache.spark.sql.avro.AvroFileFormat").getName())\\n\' > /tmp/avro.py',
      "spark-submit --master 'local[1]' --conf spark.ui.enabled=false /tmp/avro.py 2>/dev/null",
      "python3 -c 'import socket; socket.create_connection((\"8.8.8.8\", 53), timeout=2)' 2>/dev/null && echo NETWORK || echo 'no network'",
    ].join("\n");
    const ctr = buildah(["from", "--pull=never", image]).trim();
    try {
      const out = execFileSync(
        "unshare",
        [
          "-n",
          "sh",
          "-c",
          'ip link set lo up && exec buildah run -v "$0":/app/etl "$1" -- sh -c "$2"',
          project,
          ctr,
          script,
        ],
        { encoding: "utf8", env: { ...process.env, ...imageEnv }, maxBuffer: 64 << 20 },
      );
      assert.match(
        out,
        /org\.apache\.spark:spark-avro_2\.13:4\.0\.1 org\.apache\.spark_spark-avro_2\.13-4\.0\.1\.jar [0-9a-f]{64}/,
      );
      assert.match(out, /imports ok/);
      assert.match(out, /avro org\.apache\.spark\.sql\.avro\.AvroFileFormat/);
      assert.match(out, /no network/);
      assert.ok(existsSync(join(project, "output", "visits_distinct", "visit_date=2026-03-15")), out);
    } finally {
      buildah(["rm", ctr]);
    }
  },
);

test("a bake that fails leaves no tag behind", { skip: imageSkip, timeout: LONG }, async () => {
  const c = variantCopy((p) => {
    const f = join(p, "sparklane.yaml");
    writeFileSync(
      f,
      readFileSync(f, "utf8").replace(
        "org.apache.spark:spark-avro_2.13:4.0.1",
        "org.example.sparklane:does-not-exist:1.0.0",
      ),
    );
  });
  try {
    const registry = `${reg!.host}/etl/broken`;
    const r = await bake(c.project, "--registry", registry, "--push");
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /build failed/);
    const names = buildah(["images", "--noheading", "--format", "{{.Name}}:{{.Tag}}"]);
    assert.doesNotMatch(names, /etl\/broken|sparklane-bake-tmp/);
    const tags = await fetch(`http://${reg!.host}/v2/etl/broken/tags/list`);
    assert.equal(tags.status, 404);
  } finally {
    c.cleanup();
  }
});

test(
  "the standard image: sparklane bootstrap from a file:// store, then spark-submit resolves the JARs and runs the example",
  { skip: imageSkip, timeout: LONG },
  async () => {
    const registry = `${reg!.host}/etl/spark`;
    let r = await runCli(["bake", "--image", "standard", "--base", base, "--registry", registry, "--push"], {
      env,
      timeoutMs: LONG,
    });
    assert.equal(r.code, 0, r.stderr);
    const m = /built (\S+:standard-[0-9a-f]{20}) and pushed it/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const standard = m[1]!;
    assert.equal(skopeoLabels(standard)["io.sparklane.role"], "standard");
    r = await runCli(["bake", "--image", "standard", "--base", base, "--registry", registry, "--push"], {
      env,
      timeoutMs: LONG,
    });
    assert.match(r.stdout, /already there; built nothing/);

    const store = join(ex!.root, "store");
    r = await runCli(
      ["publish", "--project", ex!.project, "--version", "1.0.0", "--store", `file://${store}`, "--latest"],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    execFileSync("chmod", ["-R", "a+rwX", ex!.root]);
    const certs = process.env.SSL_CERT_FILE;
    const script = [
      "set -e",
      "sparklane bootstrap",
      "cd /data",
      "export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost SPARKLANE_DATA_ROOT=/data",
      // The host's CA (a TLS-intercepting proxy's, if any) for Ivy, as the bake passes it.
      `${certs ? "export SPARK_SUBMIT_OPTS=-Djavax.net.ssl.trustStore=/host-java-cacerts; " : ""}spark-submit --master 'local[1]' --conf spark.ui.enabled=false --conf spark.jars.ivy=/tmp/ivy --conf spark.pyspark.python=/app/.venv/bin/python --packages org.apache.spark:spark-avro_2.13:4.0.1 /app/visits_distinct/visits_distinct_daily.py --config /app/visits_distinct/config/dev-daily.yaml --process-date 2026-03-14 2>&1 | grep -E 'spark-avro|Exception' | head -5`,
    ].join("\n");
    const ctr = buildah(["from", "--pull=never", standard]).trim();
    try {
      const args = ["run", "-v", `${store}:/store`, "-v", `${ex!.project}:/data`];
      if (certs) args.push("-v", `${certs}:/host-ca.pem:ro`, "--env", "SSL_CERT_FILE=/host-ca.pem");
      if (certs && existsSync("/etc/ssl/certs/java/cacerts"))
        args.push("-v", "/etc/ssl/certs/java/cacerts:/host-java-cacerts:ro");
      for (const e of [
        "ETL_VERSION=1.0.0",
        "ARTIFACT_STORE=file:///store",
        "ETL_PROJECT_NAME=visits-etl",
        "MODULE_NAME=visits_distinct",
      ])
        args.push("--env", e);
      const out = buildah([...args, ctr, "--", "sh", "-c", script]);
      assert.match(out, /bootstrap: done: visits-etl 1\.0\.0 \(full\)/);
      assert.match(out, /spark-avro_2\.13/);
      assert.doesNotMatch(out, /Exception/);
      assert.ok(existsSync(join(ex!.project, "output", "visits_distinct", "visit_date=2026-03-14")), out);
    } finally {
      buildah(["rm", ctr]);
    }
  },
);

test(
  "the Ivy-settings sidecar image runs sparklane ivy-settings as its entrypoint",
  { skip: imageSkip, timeout: LONG },
  async () => {
    const r = await runCli(
      ["bake", "--image", "ivy-settings", "--base", base, "--registry", `${reg!.host}/etl/ivy-settings`],
      { env, timeoutMs: LONG },
    );
    assert.equal(r.code, 0, r.stderr);
    const m = /built (\S+:ivy-settings-[0-9a-f]{20})/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const config = (
      JSON.parse(buildah(["inspect", "--type", "image", m[1]!])) as {
        OCIv1: { config: { Entrypoint: string[]; User: string } };
      }
    ).OCIv1.config;
    assert.deepEqual(config.Entrypoint, ["sparklane", "ivy-settings"]);
    assert.equal(config.User, "185");
    const ctr = buildah(["from", "--pull=never", m[1]!]).trim();
    try {
      const out = buildah([
        "run",
        "--env",
        "IVY_TOKEN=t0k3n",
        ctr,
        "--",
        "sh",
        "-c",
        "sparklane ivy-settings --provider env --token-env IVY_TOKEN --repo-url https://maven.example.test/releases --realm Private --out /tmp/ivysettings.xml >/dev/null 2>&1; grep -c 'maven.example.test' /tmp/ivysettings.xml; stat -c %a /tmp/ivysettings.xml",
      ]);
      assert.match(out, /^[1-9]\d*\n600\n$/);
    } finally {
      buildah(["rm", ctr]);
    }
  },
);
