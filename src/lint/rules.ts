// Lint rules taken from the seed's lessons, as data: each is an id, a severity, what it means, how to fix
// it, and a small pure function over the parsed manifest or the app config. Lint findings are advice about
// where things belong and what silently fails later; the hard checks live in src/manifest.
import { isRecord } from "../manifest/paths.js";
import { privateJarsRule } from "./rules/private-jars.js";
import launchOnly from "../../python/sparklane-etl/src/sparklane_etl/launch_only_keys.json" with { type: "json" };

export type { Severity, RuleFinding, ManifestRule, AppConfigRule, LintRule } from "./rule.js";
import type { RuleFinding, LintRule } from "./rule.js";

/** Read by the driver's SparkSession at run time: per-pipeline tuning that belongs in the app config. */
const APP_LEVEL = /^(spark\.sql\.|spark\.hadoop\.fs\.s3a\.|spark\.shuffle\.s3\.|spark\.reducer\.)/;
const APP_LEVEL_HADOOP = /^fs\.s3a\./;

/**
 * Read by spark-submit or the cluster manager before the driver exists; setting them on a running session
 * does nothing. The list is data shared with python/sparklane-etl, which refuses the same keys at run time.
 */
export const LAUNCH_ONLY_KEYS: ReadonlySet<string> = new Set(launchOnly.keys);
const LAUNCH_ONLY_PREFIXES: readonly string[] = launchOnly.prefixes;

export const COST_LABELS: readonly string[] = [
  "airflow-dag-id",
  "airflow-task-id",
  "airflow-execution-date",
  "etl-module",
];

/** Volume types a pod can write to; configMap, secret, projected and downwardAPI are mounted read-only. */
const WRITABLE_VOLUMES = ["emptyDir", "persistentVolumeClaim", "ephemeral", "nfs"];

const JMX = /jmx/i;

/** A string field as text; anything else (absent, or not a string) as empty. */
const text = (v: unknown): string => (typeof v === "string" ? v : "");

function record(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function within(path: string, mount: string): boolean {
  const m = mount.endsWith("/") ? mount.slice(0, -1) : mount;
  return path === m || path.startsWith(`${m}/`);
}

/**
 * Why `dir` is not writable in a role's pod, or undefined when a writable volume is mounted there. `who` is
 * left as a placeholder so the same reason for driver and executor is reported once.
 */
function notWritable(
  spec: Record<string, unknown>,
  role: "driver" | "executor",
  dir: string,
): string | undefined {
  const mounts = record(spec[role]).volumeMounts;
  const volumes: unknown[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  const mount = (Array.isArray(mounts) ? mounts : [])
    .filter(
      (m): m is Record<string, unknown> =>
        isRecord(m) && typeof m.mountPath === "string" && within(dir, m.mountPath),
    )
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
  if (!mount) return `no volume is mounted at ${dir} in the {who} (the root filesystem is read-only)`;
  if (mount.readOnly === true) return `the {who} mounts ${String(mount.mountPath)} readOnly`;
  const volume = volumes.find((v) => isRecord(v) && v.name === mount.name);
  if (!isRecord(volume))
    return `the {who} mounts volume ${JSON.stringify(mount.name)} at ${String(mount.mountPath)}, but spec.volumes has no such volume`;
  if (!WRITABLE_VOLUMES.some((t) => volume[t] !== undefined)) {
    return `volume ${JSON.stringify(volume.name)} mounted at ${String(mount.mountPath)} is not a writable type (use emptyDir)`;
  }
  return undefined;
}

export const rules: readonly LintRule[] = [
  {
    id: "app-conf-in-sparkconf",
    target: "manifest",
    severity: "warning",
    description:
      "Application-level Spark settings (spark.sql.*, spark.hadoop.fs.s3a.*, spark.shuffle.s3.*, spark.reducer.*) are per-pipeline tuning read by the running session; in sparkConf they are baked into the shared template for every pipeline.",
    fix: "move the key to the module's app config under spark_config.config",
    check(m) {
      const spec = record(m.spec);
      const out: RuleFinding[] = [];
      for (const key of Object.keys(record(spec.sparkConf))) {
        if (APP_LEVEL.test(key)) {
          out.push({
            path: ["spec", "sparkConf", key],
            message: `${key} is an application-level setting, not a launch setting`,
          });
        }
      }
      for (const key of Object.keys(record(spec.hadoopConf))) {
        if (APP_LEVEL_HADOOP.test(key)) {
          out.push({
            path: ["spec", "hadoopConf", key],
            message: `${key} (spark.hadoop.${key}) is an application-level setting`,
          });
        }
      }
      return out;
    },
  },
  {
    id: "launch-only-in-app-config",
    target: "app-config",
    severity: "error",
    description:
      "Launch-only keys (spark.jars.packages, spark.driver.memory, spark.executor.instances, spark.kubernetes.*, ...) are read by spark-submit before the driver exists; in the app config they have no effect, and the driver runtime refuses them.",
    fix: "move the key to the SparkApplication (sparkConf, or the driver/executor fields) or the trigger payload",
    check(c) {
      const conf = record(record(c.spark_config).config);
      return Object.keys(conf)
        .filter((k) => LAUNCH_ONLY_KEYS.has(k) || LAUNCH_ONLY_PREFIXES.some((p) => k.startsWith(p)))
        .map((k) => ({
          path: ["spark_config", "config", k],
          message: `${k} is read only at launch; here it has no effect`,
        }));
    },
  },
  {
    id: "ivy-cache-not-writable",
    target: "manifest",
    severity: "error",
    description:
      "spark.jars.packages is resolved by Ivy inside the operator's spark-submit and again in the driver; the default Ivy cache (~/.ivy2) is on a read-only root filesystem, so submission fails with a permission error unless spark.jars.ivy points at a writable volume.",
    fix: 'set sparkConf spark.jars.ivy to a path on an emptyDir volume mounted in the driver and executors (e.g. "/ivy-cache"), or pre-bake the JARs into the image',
    check(m) {
      const spec = record(m.spec);
      const conf = record(spec.sparkConf);
      const packages = conf["spark.jars.packages"];
      const depPackages = record(spec.deps).packages;
      const uses =
        (typeof packages === "string" && packages.trim() !== "") ||
        (Array.isArray(depPackages) && depPackages.length > 0);
      if (!uses) return [];
      const at =
        typeof packages === "string"
          ? ["spec", "sparkConf", "spark.jars.packages"]
          : ["spec", "deps", "packages"];
      const ivy = conf["spark.jars.ivy"];
      if (typeof ivy !== "string" || ivy.trim() === "") {
        return [
          {
            path: at,
            message:
              "JAR packages are resolved with Ivy, but spark.jars.ivy is not set: ~/.ivy2 is read-only",
          },
        ];
      }
      const byReason = new Map<string, string[]>();
      for (const role of ["driver", "executor"] as const) {
        const why = notWritable(spec, role, ivy);
        if (why) byReason.set(why, [...(byReason.get(why) ?? []), role]);
      }
      return [...byReason].map(([why, roles]) => ({
        path: ["spec", "sparkConf", "spark.jars.ivy"],
        message: `spark.jars.ivy is ${ivy}, but ${why.replace("{who}", roles.join(" and "))}`,
      }));
    },
  },
  {
    id: "cost-labels",
    target: "manifest",
    severity: "warning",
    description: `Driver and executor pods carry the cost-attribution labels (${COST_LABELS.join(", ")}), so spend can be traced to a DAG, task, run date and module.`,
    fix: 'add the missing labels to spec.driver.labels and spec.executor.labels, e.g. airflow-dag-id: "{{ dag.dag_id }}"',
    check(m) {
      const spec = record(m.spec);
      const out: RuleFinding[] = [];
      for (const role of ["driver", "executor"] as const) {
        const labels = record(record(spec[role]).labels);
        const missing = COST_LABELS.filter((l) => typeof labels[l] !== "string" || labels[l] === "");
        if (missing.length > 0) {
          out.push({
            path: isRecord(record(spec[role]).labels) ? ["spec", role, "labels"] : ["spec", role],
            message: `the ${role} lacks cost label${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
          });
        }
      }
      return out;
    },
  },
  {
    id: "jmx-exporter-native-sidecar",
    target: "manifest",
    severity: "warning",
    description:
      "A JMX exporter runs for the pod's lifetime: as a regular sidecar it keeps the driver pod Running after Spark exits, as a plain init container it blocks start-up forever. A native sidecar (an initContainer with restartPolicy: Always) starts first and stops with the pod.",
    fix: "declare the exporter under initContainers with restartPolicy: Always",
    check(m) {
      const spec = record(m.spec);
      const out: RuleFinding[] = [];
      const isJmx = (c: unknown): c is Record<string, unknown> =>
        isRecord(c) && (JMX.test(text(c.name)) || JMX.test(text(c.image)));
      for (const role of ["driver", "executor"] as const) {
        const r = record(spec[role]);
        (Array.isArray(r.sidecars) ? r.sidecars : []).forEach((c, i) => {
          if (isJmx(c))
            out.push({
              path: ["spec", role, "sidecars", i],
              message: `JMX exporter ${JSON.stringify(c.name)} is a regular sidecar`,
            });
        });
        (Array.isArray(r.initContainers) ? r.initContainers : []).forEach((c, i) => {
          if (isJmx(c) && c.restartPolicy !== "Always") {
            out.push({
              path: ["spec", role, "initContainers", i],
              message: `JMX exporter ${JSON.stringify(c.name)} is an init container without restartPolicy: Always`,
            });
          }
        });
      }
      return out;
    },
  },
  privateJarsRule,
];
