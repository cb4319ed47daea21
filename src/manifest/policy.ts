// Security policy on the rendered SparkApplication, before anything reaches a cluster. Pod Security Admission
// only sees the pods the operator creates later, where a violation shows up as SUBMISSION_FAILED or missing
// executors; here it is refused early, naming the manifest path.
import { isRecord } from "./paths.js";
import { show, type Finding } from "./findings.js";
import type { ManifestPath, Policy } from "./types.js";

/** Pod Security Standards "baseline": capabilities a container may add without being privileged. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];
const BASELINE_SET = new Set(BASELINE_CAPABILITIES);

const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;
const SPARK_HOSTPATH = /^spark\.kubernetes\.(driver|executor)\.volumes\.hostPath\./;
const POD_TEMPLATE_FILE = /^spark\.kubernetes\.(driver|executor)\.podTemplateFile$/;
const ROLES = ["driver", "executor"] as const;

class Checker {
  readonly out: Finding[] = [];
  private readonly caps: ReadonlySet<string>;

  constructor(private readonly policy: Policy) {
    this.caps = policy.allowedCapabilities ? new Set(policy.allowedCapabilities) : BASELINE_SET;
  }

  image(v: unknown, path: ManifestPath): void {
    const allowed = this.policy.allowedImages;
    if (!allowed || typeof v !== "string") return;
    const ok = allowed.some((p) => (p.endsWith("*") ? v.startsWith(p.slice(0, -1)) : v === p));
    if (!ok) {
      this.out.push({
        path,
        message: `image ${show(v)} is not in the policy's allowed images`,
        hint: `allowed: ${allowed.join(", ")}`,
      });
    }
  }

  securityContext(sc: unknown, path: ManifestPath): void {
    if (!isRecord(sc)) return;
    if (sc.privileged === true) {
      this.out.push({
        path: [...path, "privileged"],
        message: "privileged containers are refused by the security policy",
      });
    }
    if (sc.allowPrivilegeEscalation === true) {
      this.out.push({
        path: [...path, "allowPrivilegeEscalation"],
        message: "allowPrivilegeEscalation: true is refused by the security policy",
        hint: "remove it or set it to false",
      });
    }
    const add = isRecord(sc.capabilities) ? sc.capabilities.add : undefined;
    if (Array.isArray(add)) {
      (add as unknown[]).forEach((cap, i) => {
        const name = typeof cap === "string" ? cap.replace(/^CAP_/, "") : cap;
        if (typeof name !== "string" || !this.caps.has(name)) {
          this.out.push({
            path: [...path, "capabilities", "add", i],
            message: `adding capability ${show(cap)} is refused by the security policy`,
            hint: `allowed: ${[...this.caps].join(", ")}`,
          });
        }
      });
    }
  }

  container(c: unknown, path: ManifestPath): void {
    if (!isRecord(c)) return;
    this.image(c.image, [...path, "image"]);
    this.securityContext(c.securityContext, [...path, "securityContext"]);
    if (Array.isArray(c.ports)) {
      c.ports.forEach((p, i) => {
        if (isRecord(p) && typeof p.hostPort === "number" && p.hostPort !== 0) {
          this.out.push({
            path: [...path, "ports", i, "hostPort"],
            message: "host ports are refused by the security policy",
          });
        }
      });
    }
  }

  containers(list: unknown, path: ManifestPath): void {
    if (Array.isArray(list)) list.forEach((c, i) => this.container(c, [...path, i]));
  }

  hostNamespaces(pod: Record<string, unknown>, path: ManifestPath): void {
    for (const field of HOST_NAMESPACES) {
      if (pod[field] === true) {
        this.out.push({
          path: [...path, field],
          message: `${field}: true is refused by the security policy`,
          hint: "remove it",
        });
      }
    }
  }

  volumes(list: unknown, path: ManifestPath): void {
    if (!Array.isArray(list)) return;
    list.forEach((v, i) => {
      if (isRecord(v) && v.hostPath !== undefined) {
        this.out.push({
          path: [...path, i, "hostPath"],
          message: `hostPath volume ${show(v.name)} is refused by the security policy`,
          hint: "use emptyDir, configMap, secret or a persistentVolumeClaim",
        });
      }
    });
  }

  /** The schemaless pod template: the same rules, since anything passes the CRD there. */
  template(t: unknown, path: ManifestPath): void {
    if (!isRecord(t) || !isRecord(t.spec)) return;
    const spec = t.spec;
    const at = [...path, "spec"];
    this.hostNamespaces(spec, at);
    this.volumes(spec.volumes, [...at, "volumes"]);
    this.securityContext(spec.securityContext, [...at, "securityContext"]);
    this.containers(spec.containers, [...at, "containers"]);
    this.containers(spec.initContainers, [...at, "initContainers"]);
    this.containers(spec.ephemeralContainers, [...at, "ephemeralContainers"]);
  }
}

/** Applies the security policy; returns one finding per violation, with its manifest path. */
export function checkPolicy(manifest: Record<string, unknown>, policy: Policy = {}): Finding[] {
  const c = new Checker(policy);
  const spec = isRecord(manifest.spec) ? manifest.spec : {};
  c.image(spec.image, ["spec", "image"]);
  c.volumes(spec.volumes, ["spec", "volumes"]);
  if (isRecord(spec.sparkConf)) {
    for (const key of Object.keys(spec.sparkConf)) {
      if (SPARK_HOSTPATH.test(key)) {
        c.out.push({
          path: ["spec", "sparkConf", key],
          message: "hostPath volumes set through sparkConf are refused by the security policy",
          hint: "use an emptyDir or persistentVolumeClaim volume in spec.volumes",
        });
      } else if (POD_TEMPLATE_FILE.test(key)) {
        c.out.push({
          path: ["spec", "sparkConf", key],
          message: "pod template files set through sparkConf are refused by the security policy",
          hint: "the operator overrides them anyway (v2.4+); use the role's fields",
        });
      }
    }
  }
  for (const role of ROLES) {
    const r = spec[role];
    if (!isRecord(r)) continue;
    const base = ["spec", role];
    c.image(r.image, [...base, "image"]);
    c.hostNamespaces(r, base);
    c.securityContext(r.securityContext, [...base, "securityContext"]);
    c.securityContext(r.podSecurityContext, [...base, "podSecurityContext"]);
    c.containers(r.initContainers, [...base, "initContainers"]);
    c.containers(r.sidecars, [...base, "sidecars"]);
    c.template(r.template, [...base, "template"]);
  }
  return c.out;
}
