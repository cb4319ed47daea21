// bench/bake: the pre-baked image on the stand-in apache/spark base (scripts/build-test-base.sh), with buildah
// and docker-registry on loopback, as the image tests use them.
//
//   bake cold   sparklane bake --push of the example into an empty registry (builder caches as they are: the
//               pip/uv cache mount of earlier bakes on this machine is reused, so "cold" is the image, not
//               the network)
//   bake warm   the same command again: nothing changed, nothing built
//   size        the baked image's layers over the base's, compressed as pushed
//   first job   inside a fresh container of each image, from `buildah run` to the first SparkListenerJobStart
//               of the example pipeline:
//                 pre-baked  spark-submit (venv and JARs in the image)
//                 standard   sparklane bootstrap (uv sync with an empty uv cache, as in a new pod), then
//                            spark-submit --packages (Ivy with an empty cache)
//               printed with the ratio standard / pre-baked, the local measure of the seed's 5 min vs 10 s.
//
// Run: npm run bench -- bake   (root, buildah, docker-registry, debootstrap; BENCH_N=1 runs of each first-job)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTimeline } from "../src/local/events.js";
import { copyExample } from "../test/local/example.js";
import {
  buildah,
  imageEnv,
  imageSkip,
  removeImagesOf,
  startRegistry,
  testBase,
} from "../test/images/tools.js";
import { median } from "./stats.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const N = Number(process.env.BENCH_N ?? 1);
if (imageSkip) {
  console.log(`skipped: ${imageSkip}`);
  process.exit(0);
}
spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: repo, stdio: "ignore" });

const cli = (args: string[]): { ms: number; stdout: string } => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(repo, "bin", "sparklane.js"), ...args], {
    env: { ...process.env, ...imageEnv },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`sparklane ${args.join(" ")} failed:\n${r.stderr}`);
  return { ms: performance.now() - t0, stdout: r.stdout };
};

const base = testBase();
const reg = await startRegistry();
const ex = copyExample();
try {
  const registry = `${reg.host}/bench/visits-etl`;
  const bakeArgs = ["bake", "--project", ex.project, "--base", base, "--registry", registry, "--push"];
  const cold = cli(bakeArgs);
  const image = /built (\S+) and pushed/.exec(cold.stdout)![1];
  const warm = cli(bakeArgs);
  const std = cli([
    "bake",
    "--image",
    "standard",
    "--base",
    base,
    "--registry",
    `${reg.host}/bench/spark`,
    "--push",
  ]);
  const standard = /(\S+:standard-[0-9a-f]{20})/.exec(std.stdout)![1];

  // Sizes as pushed: the baked image's manifest lists the base's layers first.
  const layers = (ref: string): number[] => {
    const m = JSON.parse(
      spawnSync("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${ref}`], { encoding: "utf8" })
        .stdout,
    ) as { layers: { size: number }[] };
    return m.layers.map((l) => l.size);
  };
  const baked = layers(image);
  const baseLayers = (
    JSON.parse(buildah(["inspect", "--type", "image", base])) as { OCIv1: { rootfs: { diff_ids: string[] } } }
  ).OCIv1.rootfs.diff_ids;
  const over = baked.slice(baseLayers.length).reduce((a, b) => a + b, 0);
  const total = baked.reduce((a, b) => a + b, 0);

  cli([
    "publish",
    "--project",
    ex.project,
    "--version",
    "1.0.0",
    "--store",
    `file://${join(ex.root, "store")}`,
    "--latest",
  ]);
  spawnSync("chmod", ["-R", "a+rwX", ex.root]);
  const certs = process.env.SSL_CERT_FILE;
  const trust =
    certs && existsSync("/etc/ssl/certs/java/cacerts")
      ? "export SPARK_SUBMIT_OPTS=-Djavax.net.ssl.trustStore=/host-java-cacerts; "
      : "";
  const submit = (extra: string, events: string): string =>
    `${trust}cd /data && SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost SPARKLANE_DATA_ROOT=/data spark-submit --master 'local[1]' ` +
    `--conf spark.ui.enabled=false --conf spark.eventLog.enabled=true --conf spark.eventLog.compress=false --conf spark.eventLog.dir=file://${events} ${extra} ` +
    "/app/etl/visits_distinct/visits_distinct_daily.py --config /app/etl/visits_distinct/config/dev-daily.yaml --process-date 2026-03-15";
  const firstJob = (img: string, script: (events: string) => string, mounts: string[]): number => {
    const name = `events-${Date.now()}`;
    const hostEvents = join(ex.project, name);
    mkdirSync(hostEvents);
    spawnSync("chmod", ["a+rwx", hostEvents]);
    const ctr = buildah(["from", "--pull=never", img]).trim();
    try {
      const args = ["run", "-v", `${ex.project}:/data`, ...mounts];
      if (certs) args.push("-v", `${certs}:/host-ca.pem:ro`, "--env", "SSL_CERT_FILE=/host-ca.pem");
      if (trust) args.push("-v", "/etc/ssl/certs/java/cacerts:/host-java-cacerts:ro");
      const t0 = Date.now();
      const r = spawnSync("buildah", [...args, ctr, "--", "sh", "-c", script(`/data/${name}`)], {
        env: { ...process.env, ...imageEnv },
        encoding: "utf8",
        maxBuffer: 256 << 20,
      });
      if (r.status !== 0) throw new Error(`${img}: ${r.stderr.slice(-2000)}`);
      const t = readTimeline(hostEvents).timeline?.firstJobStart;
      if (!t) throw new Error(`${img}: no job in the event log (${readdirSync(hostEvents).join(",")})`);
      return t - t0;
    } finally {
      buildah(["rm", ctr]);
      rmSync(hostEvents, { recursive: true, force: true });
    }
  };
  const pre: number[] = [];
  const stdTimes: number[] = [];
  for (let i = 0; i < N; i++) {
    pre.push(firstJob(image, (ev) => submit("", ev), ["-v", `${ex.project}:/app/etl`]));
    stdTimes.push(
      firstJob(
        standard,
        (ev) =>
          "sparklane bootstrap >/dev/null && " +
          submit(
            "--conf spark.jars.ivy=/tmp/ivy --conf spark.pyspark.python=/app/.venv/bin/python --packages org.apache.spark:spark-avro_2.13:4.0.1",
            ev,
          ).replace(/\/app\/etl\//g, "/app/"),
        [
          "-v",
          `${join(ex.root, "store")}:/store`,
          ...["ETL_VERSION=1.0.0", "ARTIFACT_STORE=file:///store", "ETL_PROJECT_NAME=visits-etl"].flatMap(
            (e) => ["--env", e],
          ),
        ],
      ),
    );
  }
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  console.log(`bake cold (build + push)         ${s(cold.ms)}`);
  console.log(`bake warm (nothing changed)      ${s(warm.ms)}  (${(cold.ms / warm.ms).toFixed(0)}x faster)`);
  console.log(`standard image build             ${s(std.ms)}`);
  console.log(
    `pre-baked image over the base    ${mb(over)} compressed (${((over / total) * 100).toFixed(1)}% of ${mb(total)})`,
  );
  console.log(`first Spark job, pre-baked       ${s(median(pre))}  (median of ${N})`);
  console.log(
    `first Spark job, standard        ${s(median(stdTimes))}  (bootstrap with an empty uv cache + Ivy at submit)`,
  );
  console.log(`ratio standard / pre-baked       ${(median(stdTimes) / median(pre)).toFixed(1)}x`);
} finally {
  removeImagesOf(reg.host);
  await reg.stop();
  ex.cleanup();
}
