// `doctor`: a preflight against the current cluster for what otherwise fails late or silently: a missing or
// different SparkApplication CRD, an operator webhook that is not configured (env, volumes, sidecars,
// tolerations ... are then dropped without a word), a missing namespace, driver ServiceAccount or RBAC
// right, and an operator that does not watch the namespace. Each finding names its fix. Reads only.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  type V1MutatingWebhook,
  type V1MutatingWebhookConfiguration,
  type V1LabelSelector,
} from "@kubernetes/client-node";
import { schema as ourSchema } from "../manifest/generated/validate-sparkapplication.js";
import { isRecord } from "../manifest/paths.js";
import { GROUP, PLURAL, VERSION, statusOf, toKubeError, type Kube } from "./client.js";
import { withRetry } from "./retry.js";

export type Severity = "ok" | "warning" | "error";

export interface Finding {
  check: "api" | "crd" | "webhook" | "namespace" | "service-account" | "rbac" | "operator";
  severity: Severity;
  message: string;
  /** What to do about it; absent for "ok". */
  fix?: string;
}

export interface DoctorInput {
  namespace: string;
  /** The driver's ServiceAccount (the manifest's spec.driver.serviceAccount), default "spark". */
  serviceAccount?: string;
  /** A rendered manifest: decides whether a missing webhook is an error (it uses webhook-only fields). */
  manifest?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  namespace: string;
  errors: number;
  warnings: number;
  findings: Finding[];
}

/** Role fields that only the operator's mutating webhook puts on the pods (spark-operator.md §1.2). */
const WEBHOOK_ROLE_FIELDS = [
  "env",
  "envFrom",
  "volumeMounts",
  "configMaps",
  "initContainers",
  "sidecars",
  "tolerations",
  "affinity",
  "nodeSelector",
  "securityContext",
  "podSecurityContext",
  "schedulerName",
  "priorityClassName",
  "hostNetwork",
  "hostAliases",
  "dnsConfig",
  "shareProcessNamespace",
  "terminationGracePeriodSeconds",
  "lifecycle",
  "memoryLimit",
  "gpu",
  "ports",
];

/** The paths of a manifest's fields that only the webhook applies, e.g. spec.driver.env. */
export function webhookOnlyFields(manifest: Record<string, unknown>): string[] {
  const spec = isRecord(manifest.spec) ? manifest.spec : {};
  const out: string[] = [];
  for (const role of ["driver", "executor"]) {
    const r = isRecord(spec[role]) ? spec[role] : {};
    for (const f of WEBHOOK_ROLE_FIELDS) {
      const v = r[f];
      if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
      // spark-local-dir-* mounts go through spark-submit, not the webhook.
      if (
        f === "volumeMounts" &&
        Array.isArray(v) &&
        v.every((m) => isRecord(m) && String(m.name).startsWith("spark-local-dir-"))
      )
        continue;
      out.push(`spec.${role}.${f}`);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------ CRD schema

type Schema = Record<string, unknown>;

/** Field paths under `spec` (a.b[].c), resolving sparklane's hoisted $defs; bounded in depth. */
export function fieldPaths(root: Schema, defs: Record<string, Schema> = {}, maxDepth = 8): Set<string> {
  const out = new Set<string>();
  const walk = (s: unknown, path: string, depth: number) => {
    if (!isRecord(s) || depth > maxDepth) return;
    if (typeof s.$ref === "string") {
      const name = s.$ref.replace(/^#\/\$defs\//, "");
      return walk(defs[name], path, depth);
    }
    if (isRecord(s.properties))
      for (const [k, v] of Object.entries(s.properties)) {
        const p = path ? `${path}.${k}` : k;
        out.add(p);
        walk(v, p, depth + 1);
      }
    if (isRecord(s.items)) walk(s.items, `${path}[]`, depth);
  };
  walk(root, "", 0);
  return out;
}

function ourSpecPaths(): Set<string> {
  const s = ourSchema as Schema;
  const spec = (s.properties as Record<string, Schema>).spec;
  return fieldPaths(spec, (s.$defs ?? {}) as Record<string, Schema>);
}

/** The same paths in a manifest (objects and arrays of objects only). */
function manifestPaths(v: unknown, path = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => manifestPaths(x, `${path}[]`));
  if (!isRecord(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => {
    const p = path ? `${path}.${k}` : k;
    return [p, ...manifestPaths(x, p)];
  });
}

// ------------------------------------------------------------------------------------------ helpers

function matchesSelector(sel: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    const vals = e.values ?? [];
    if (e.operator === "In" && !(has && vals.includes(val))) return false;
    if (e.operator === "NotIn" && has && vals.includes(val)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/** A selector string as the operator's --namespace-selector takes it: a,b=c,d!=e,f in (g,h). */
export function matchesSelectorString(sel: string, labels: Record<string, string>): boolean {
  const parts = sel.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts.every((raw) => {
    const p = raw.trim();
    if (!p) return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      const vals = m[3].split(",").map((x) => x.trim());
      const has = m[1] in labels;
      return m[2] === "in" ? has && vals.includes(labels[m[1]]) : !(has && vals.includes(labels[m[1]]));
    }
    m = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(p);
    if (m) return m[2] === "!=" ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
    if (p.startsWith("!")) return !(p.slice(1) in labels);
    return p in labels;
  });
}

function isPodWebhook(w: V1MutatingWebhook): boolean {
  return (
    (w.rules ?? []).some(
      (r) =>
        (r.resources ?? []).includes("pods") && (r.operations ?? []).some((o) => o === "CREATE" || o === "*"),
    ) && /sparkoperator|spark-operator/.test(w.name)
  );
}

async function forbiddenOr<T>(fn: () => Promise<T>): Promise<T | "forbidden" | "absent"> {
  try {
    return await fn();
  } catch (err) {
    const code = statusOf(err);
    if (code === 403) return "forbidden";
    if (code === 404) return "absent";
    throw err;
  }
}

/**
 * The webhook finding from the cluster's MutatingWebhookConfigurations. `needs`: the manifest's webhook-only
 * fields (undefined when no manifest was given, which makes a missing webhook an error too).
 */
export function webhookFinding(
  configs: V1MutatingWebhookConfiguration[],
  ns: string,
  nsLabels: Record<string, string>,
  needs: string[] | undefined,
): Finding {
  const needText = needs?.length
    ? `; this manifest uses ${needs.slice(0, 4).join(", ")}${needs.length > 4 ? ", ..." : ""}, which only the webhook applies: without it they are silently dropped`
    : "";
  const missingSeverity: Severity = needs === undefined || needs.length > 0 ? "error" : "warning";
  const podHooks = configs.flatMap((c) =>
    (c.webhooks ?? []).filter(isPodWebhook).map((w) => ({ config: c.metadata?.name ?? "?", w })),
  );
  const applying = podHooks.filter((h) => matchesSelector(h.w.namespaceSelector, nsLabels));
  if (podHooks.length === 0)
    return {
      check: "webhook",
      severity: missingSeverity,
      message: `the Spark Operator's pod webhook is not configured: env, volumes, init containers, sidecars, tolerations, affinity and the like are silently dropped from driver and executor pods${needText}`,
      fix: "install the operator with webhook.enable=true (Helm value), and make sure the API server can reach the webhook Service",
    };
  if (applying.length === 0)
    return {
      check: "webhook",
      severity: missingSeverity,
      message: `the Spark Operator's pod webhook (${podHooks.map((h) => h.config).join(", ")}) does not apply to namespace ${ns}: its namespaceSelector does not match, so webhook-only fields are silently dropped there${needText}`,
      fix: `add ${ns} to the operator's spark.jobNamespaces (Helm value), which sets the webhook's namespaceSelector`,
    };
  if (!applying.some((h) => !!h.w.clientConfig?.caBundle))
    return {
      check: "webhook",
      severity: "error",
      message: `the Spark Operator's pod webhook (${applying[0].config}) has no caBundle: the API server cannot call it, and with failurePolicy Fail every driver pod is refused`,
      fix: "check that the operator's webhook is running: it writes its CA into the configuration when it starts",
    };
  return {
    check: "webhook",
    severity: "ok",
    message: `the Spark Operator's pod webhook (${applying[0].config}) applies to namespace ${ns}`,
  };
}

// ------------------------------------------------------------------------------------------ doctor

export async function doctor(kube: Kube, input: DoctorInput): Promise<DoctorReport> {
  const ns = input.namespace;
  const sa = input.serviceAccount ?? "spark";
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const call = <T>(what: string, fn: () => Promise<T>) =>
    forbiddenOr(() => withRetry(what, fn, { attempts: 3 }, kube.server));

  // The API must answer at all; anything else is exit 3, not a finding.
  const version = await withRetry(
    "get the API server's version",
    () => kube.core.getAPIResources(),
    { attempts: 3 },
    kube.server,
  ).catch((err: unknown) => {
    throw toKubeError(err, "reach the API server", kube.server);
  });
  void version;

  // --- CRD
  const ext = kube.kc.makeApiClient(ApiextensionsV1Api);
  const crd = await call("read the SparkApplication CRD", () =>
    ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` }),
  );
  if (crd === "absent") {
    add({
      check: "crd",
      severity: "error",
      message: `the SparkApplication CRD (${PLURAL}.${GROUP}) is not installed: every submit is refused with 404`,
      fix: "install the Kubeflow Spark Operator (its Helm chart installs the CRDs), or apply its CRDs server-side: kubectl apply --server-side -f <chart>/crds/",
    });
  } else if (crd === "forbidden") {
    add({
      check: "crd",
      severity: "warning",
      message: "cannot read CustomResourceDefinitions (forbidden): the CRD version was not checked",
      fix: "ask for get on customresourcedefinitions.apiextensions.k8s.io, or have an admin run sparklane doctor",
    });
  } else {
    const v = crd.spec.versions.find((x) => x.name === VERSION);
    if (!v?.served) {
      add({
        check: "crd",
        severity: "error",
        message: `the SparkApplication CRD does not serve ${VERSION} (serves ${crd.spec.versions.map((x) => x.name).join(", ")})`,
        fix: "upgrade the Spark Operator and its CRDs to v2 (apiVersion sparkoperator.k8s.io/v1beta2)",
      });
    } else {
      const spec = (v.schema?.openAPIV3Schema?.properties as Record<string, Schema> | undefined)?.spec;
      const theirs = spec ? fieldPaths(spec) : new Set<string>();
      const ours = ourSpecPaths();
      const missing = [...ours].filter((p) => !theirs.has(p)).map((p) => `spec.${p}`);
      const extra = [...theirs].filter((p) => !ours.has(p)).map((p) => `spec.${p}`);
      const used = input.manifest
        ? new Set(manifestPaths(input.manifest.spec, "spec").map((p) => p))
        : undefined;
      const usedMissing = used ? missing.filter((p) => used.has(p)) : [];
      if (missing.length === 0 && extra.length === 0) {
        add({
          check: "crd",
          severity: "ok",
          message: `the SparkApplication CRD serves ${VERSION} with the schema sparklane validates against (Spark Operator v2.5.2)`,
        });
      } else if (missing.length > 0) {
        add({
          check: "crd",
          severity: usedMissing.length > 0 || !used ? "error" : "warning",
          message:
            `the cluster's SparkApplication CRD differs from the schema sparklane validates against (Spark Operator v2.5.2): it lacks ${missing.length} field${missing.length === 1 ? "" : "s"} (${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", ..." : ""})` +
            (usedMissing.length
              ? `; this manifest uses ${usedMissing.join(", ")}, which the API server's Strict field validation refuses`
              : ""),
          fix: "upgrade the operator's CRDs to the version sparklane targets (Helm does not upgrade crds/: apply them server-side), or stay on fields the installed CRD has",
        });
      } else {
        add({
          check: "crd",
          severity: "warning",
          message: `the cluster's SparkApplication CRD is newer than the schema sparklane validates against (Spark Operator v2.5.2): ${extra.length} more field${extra.length === 1 ? "" : "s"} (${extra.slice(0, 3).join(", ")}${extra.length > 3 ? ", ..." : ""}), which sparklane refuses`,
          fix: "upgrade sparklane to a version built for this operator",
        });
      }
    }
  }

  // --- namespace
  const nsObj = await call(`read namespace ${ns}`, () => kube.core.readNamespace({ name: ns }));
  const nsLabels: Record<string, string> =
    nsObj !== "absent" && nsObj !== "forbidden" ? { ...(nsObj.metadata?.labels ?? {}) } : {};
  nsLabels["kubernetes.io/metadata.name"] ??= ns;
  if (nsObj === "absent") {
    add({
      check: "namespace",
      severity: "error",
      message: `namespace ${ns} does not exist`,
      fix: `create it (kubectl create namespace ${ns}) and add it to the operator's spark.jobNamespaces, or pass -n with an existing job namespace`,
    });
  } else if (nsObj === "forbidden") {
    add({
      check: "namespace",
      severity: "warning",
      message: `cannot read namespace ${ns} (forbidden): its labels were not checked against the operator's selectors`,
      fix: "ask for get on namespaces, or have an admin run sparklane doctor",
    });
  } else {
    add({ check: "namespace", severity: "ok", message: `namespace ${ns} exists` });
  }

  // --- webhook
  const adm = kube.kc.makeApiClient(AdmissionregistrationV1Api);
  const hooks = await call("list mutating webhook configurations", () =>
    adm.listMutatingWebhookConfiguration(),
  );
  const needs = input.manifest ? webhookOnlyFields(input.manifest) : undefined;
  if (hooks === "forbidden" || hooks === "absent") {
    add({
      check: "webhook",
      severity: "warning",
      message:
        "cannot list MutatingWebhookConfigurations (forbidden): the operator's webhook was not checked",
      fix: "ask for list on mutatingwebhookconfigurations.admissionregistration.k8s.io, or have an admin run sparklane doctor",
    });
  } else {
    add(webhookFinding(hooks.items, ns, nsLabels, needs));
  }

  // --- driver ServiceAccount and RBAC
  if (nsObj !== "absent") {
    const saObj = await call(`read serviceaccount ${ns}/${sa}`, () =>
      kube.core.readNamespacedServiceAccount({ namespace: ns, name: sa }),
    );
    if (saObj === "absent") {
      add({
        check: "service-account",
        severity: "error",
        message: `the driver's ServiceAccount ${ns}/${sa} does not exist: the API server refuses the driver pod and the run ends SUBMISSION_FAILED`,
        fix: `create it (kubectl create serviceaccount ${sa} -n ${ns}) with a Role to manage pods, services and configmaps, or set spec.driver.serviceAccount to one that exists`,
      });
    } else if (saObj === "forbidden") {
      add({
        check: "service-account",
        severity: "warning",
        message: `cannot read serviceaccount ${ns}/${sa} (forbidden)`,
        fix: "ask for get on serviceaccounts, or have an admin run sparklane doctor",
      });
    } else {
      add({
        check: "service-account",
        severity: "ok",
        message: `the driver's ServiceAccount ${ns}/${sa} exists`,
      });
    }

    const authz = kube.kc.makeApiClient(AuthorizationV1Api);
    // What the driver needs to start executors (spark-submit and the driver's Kubernetes backend).
    const driverNeeds: [string, string][] = [
      ["create", "pods"],
      ["delete", "pods"],
      ["watch", "pods"],
      ["create", "services"],
      ["create", "configmaps"],
    ];
    const denied: string[] = [];
    let unknown = false;
    for (const [verb, resource] of driverNeeds) {
      const r = await call(`check ${verb} ${resource} for ${ns}/${sa}`, () =>
        authz.createSubjectAccessReview({
          body: {
            spec: {
              user: `system:serviceaccount:${ns}:${sa}`,
              groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
              resourceAttributes: { namespace: ns, verb, resource },
            },
          },
        }),
      );
      if (r === "forbidden" || r === "absent") {
        unknown = true;
        break;
      }
      if (!r.status?.allowed) denied.push(`${verb} ${resource}`);
    }
    if (unknown) {
      add({
        check: "rbac",
        severity: "warning",
        message: `cannot check the rights of ${ns}/${sa} (creating SubjectAccessReviews is forbidden)`,
        fix: "have an admin run sparklane doctor",
      });
    } else if (denied.length) {
      add({
        check: "rbac",
        severity: "error",
        message: `the driver's ServiceAccount ${ns}/${sa} may not ${denied.join(", ")} in ${ns}: the driver cannot start its executors`,
        fix: `bind ${sa} to a Role in ${ns} allowing create, get, list, watch and delete on pods, services, configmaps and persistentvolumeclaims (the operator chart's spark.rbac does this for spark.jobNamespaces)`,
      });
    } else {
      add({
        check: "rbac",
        severity: "ok",
        message: `the driver's ServiceAccount ${ns}/${sa} may manage pods, services and configmaps`,
      });
    }

    // What sparklane itself needs, as the current user.
    const mine: [string, string, string?][] = [
      ["create", PLURAL, GROUP],
      ["get", PLURAL, GROUP],
      ["watch", PLURAL, GROUP],
      ["delete", PLURAL, GROUP],
      ["watch", "pods"],
      ["get", "pods/log"],
    ];
    const myDenied: string[] = [];
    for (const [verb, res, group] of mine) {
      const [resource, subresource] = res.split("/");
      const r = await call(`check ${verb} ${res}`, () =>
        authz.createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { namespace: ns, verb, resource, subresource, group } } },
        }),
      );
      if (r !== "forbidden" && r !== "absent" && !r.status?.allowed) myDenied.push(`${verb} ${res}`);
    }
    if (myDenied.length)
      add({
        check: "rbac",
        severity: "error",
        message: `you may not ${myDenied.join(", ")} in ${ns}: sparklane submit/status/logs need these`,
        fix: `bind your user to a Role in ${ns} allowing create, get, list, watch and delete on sparkapplications.${GROUP}, and get, list, watch on pods and pods/log`,
      });
  }

  // --- does the operator watch the namespace?
  const apps = kube.kc.makeApiClient(AppsV1Api);
  const deps = await call("list the operator's Deployments", () =>
    apps.listDeploymentForAllNamespaces({ labelSelector: "app.kubernetes.io/name=spark-operator" }),
  );
  if (deps === "forbidden" || deps === "absent") {
    add({
      check: "operator",
      severity: "warning",
      message:
        "cannot list Deployments in all namespaces (forbidden): whether the operator watches this namespace was not checked",
      fix: "have an admin run sparklane doctor",
    });
  } else {
    const controllers = deps.items
      .map((d) => {
        const c = d.spec?.template?.spec?.containers?.find((x) => (x.args ?? []).includes("controller"));
        return c
          ? {
              name: `${d.metadata?.namespace}/${d.metadata?.name}`,
              args: c.args ?? [],
              replicas: d.spec?.replicas ?? 1,
            }
          : undefined;
      })
      .filter((x): x is { name: string; args: string[]; replicas: number } => !!x);
    const arg = (args: string[], flag: string) => {
      const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
      if (i < 0) return undefined;
      return args[i].includes("=") ? args[i].slice(flag.length + 1) : args[i + 1];
    };
    const watching = controllers.filter((c) => {
      const list = (arg(c.args, "--namespaces") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const selector = arg(c.args, "--namespace-selector") ?? "";
      if (list.length === 0 && !selector) return true; // all namespaces
      if (list.includes("") || list.includes(ns)) return true;
      return !!selector && matchesSelectorString(selector, nsLabels);
    });
    if (controllers.length === 0) {
      add({
        check: "operator",
        severity: "error",
        message:
          "no Spark Operator controller Deployment found (label app.kubernetes.io/name=spark-operator): nothing will run submitted applications",
        fix: "install the Kubeflow Spark Operator (Helm chart spark-operator)",
      });
    } else if (watching.length === 0) {
      add({
        check: "operator",
        severity: "error",
        message: `the Spark Operator (${controllers.map((c) => c.name).join(", ")}) does not watch namespace ${ns}: applications there stay without a state for good`,
        fix: `add ${ns} to the operator's spark.jobNamespaces (Helm value: --namespaces), or label the namespace to match its --namespace-selector`,
      });
    } else if (watching.every((c) => c.replicas === 0)) {
      add({
        check: "operator",
        severity: "error",
        message: `the Spark Operator (${watching[0].name}) is scaled to 0 replicas`,
        fix: "scale it up (kubectl scale deployment --replicas=1)",
      });
    } else {
      add({
        check: "operator",
        severity: "ok",
        message: `the Spark Operator (${watching[0].name}) watches namespace ${ns}`,
      });
    }
  }

  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  return { ok: errors === 0, namespace: ns, errors, warnings, findings };
}
