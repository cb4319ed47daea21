// Lint: volumes the Spark Operator's pod webhook does not put on the pod. The webhook (v2.5.2,
// internal/webhook/sparkpod_defaulter.go, addVolumes) adds a volume from spec.volumes to a driver or executor
// pod only when that role's own volumeMounts (the Spark container's) name it, and skips a mount whose volume
// is not in spec.volumes. So:
// - a volume mounted only by an init container or sidecar is missing from the pod, the API server refuses
//   the pod (`spec.initContainers[1].volumeMounts[0].name: Not found: "jmx-exporter-config"`), spark-submit
//   fails and the run ends SUBMISSION_FAILED. The test cluster found this in the seed's templates.
// - a role mount naming no volume in spec.volumes is dropped silently: the container starts without it.
import { isRecord } from "../../manifest/paths.js";
import type { ManifestRule, RuleFinding } from "../rule.js";

const ROLES = ["driver", "executor"] as const;

function names(v: unknown): Set<string> {
  return new Set(
    (Array.isArray(v) ? v : [])
      .filter(isRecord)
      .map((x) => x.name)
      .filter((n): n is string => typeof n === "string"),
  );
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const volumeOnlyInSidecarRule: ManifestRule = {
  id: "volume-only-in-sidecar",
  target: "manifest",
  severity: "error",
  description:
    "The Spark Operator's pod webhook adds a volume of spec.volumes to a driver or executor pod only when that role's volumeMounts (the Spark container's) mount it. A volume mounted only by an init container or sidecar is left off the pod, the API server refuses the pod (Not found: the volume's name), and the run ends SUBMISSION_FAILED.",
  fix: "also mount the volume in the role's volumeMounts (spec.driver.volumeMounts / spec.executor.volumeMounts; readOnly is fine), so the webhook adds it to the pod",
  check(m) {
    const spec = isRecord(m.spec) ? m.spec : {};
    const declared = names(spec.volumes);
    const out: RuleFinding[] = [];
    for (const role of ROLES) {
      const r = isRecord(spec[role]) ? spec[role] : {};
      const main = names(r.volumeMounts);
      // A pod template (Spark >= 3) can carry the volume itself; then spark-submit puts it on the pod.
      const template =
        isRecord(r.template) && isRecord(r.template.spec) ? names(r.template.spec.volumes) : new Set();
      for (const kind of ["initContainers", "sidecars"] as const) {
        list(r[kind]).forEach((c, ci) => {
          if (!isRecord(c)) return;
          list(c.volumeMounts).forEach((vm, mi) => {
            if (!isRecord(vm) || typeof vm.name !== "string") return;
            const v = vm.name;
            if (!declared.has(v) || main.has(v) || template.has(v)) return;
            const what =
              kind === "initContainers"
                ? c.restartPolicy === "Always"
                  ? "sidecar (init container)"
                  : "init container"
                : "sidecar";
            out.push({
              path: ["spec", role, kind, ci, "volumeMounts", mi],
              message: `volume ${JSON.stringify(v)} is mounted only by ${what} ${JSON.stringify(c.name)}, not in spec.${role}.volumeMounts: the operator's webhook leaves it off the ${role} pod and the API server refuses the pod (Not found: ${JSON.stringify(v)})`,
            });
          });
        });
      }
    }
    return out;
  },
};

export const mountWithoutVolumeRule: ManifestRule = {
  id: "mount-without-volume",
  target: "manifest",
  severity: "error",
  description:
    "The Spark Operator's pod webhook skips a driver or executor volumeMount whose volume is not in spec.volumes, without a word: the Spark container starts without the mount.",
  fix: "add the volume to spec.volumes, or remove the mount",
  check(m) {
    const spec = isRecord(m.spec) ? m.spec : {};
    const declared = names(spec.volumes);
    const out: RuleFinding[] = [];
    for (const role of ROLES) {
      const r = isRecord(spec[role]) ? spec[role] : {};
      list(r.volumeMounts).forEach((vm, i) => {
        if (!isRecord(vm) || typeof vm.name !== "string" || declared.has(vm.name)) return;
        out.push({
          path: ["spec", role, "volumeMounts", i],
          message: `spec.${role}.volumeMounts mounts ${JSON.stringify(vm.name)}, but spec.volumes has no such volume: the operator's webhook drops the mount silently`,
        });
      });
    }
    return out;
  },
};
