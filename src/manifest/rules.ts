// Rules the CRD does not express but the operator's webhook enforces, or Kubernetes refuses later, when the
// driver pod is created: names, label syntax, denied sparkConf keys, selector exclusivity, memory strings,
// affinity terms. Type errors are the schema's job; these rules look only at values of the right type.
import { isRecord } from "./paths.js";
import { show, type Finding } from "./findings.js";
import { dns1035Label, dns1123Label, labelValue, qualifiedName, sparkMemory } from "./k8s.js";
import type { ManifestPath } from "./types.js";

const ROLES = ["driver", "executor"] as const;

/** sparkConf keys the operator's validating webhook refuses (v2.5.2, sparkconf_validator.go). */
const DENIED_SPARK_CONF: Readonly<Record<string, string>> = {
  "spark.master": "the operator sets the master",
  "spark.kubernetes.driver.master": "the operator sets the master",
  "spark.kubernetes.container.image": "set spec.image instead",
  "spark.kubernetes.driver.container.image": "set spec.driver.image instead",
  "spark.kubernetes.executor.container.image": "set spec.executor.image instead",
  "spark.kubernetes.authenticate.driver.serviceAccountName": "set spec.driver.serviceAccount instead",
  "spark.kubernetes.authenticate.executor.serviceAccountName": "set spec.executor.serviceAccount instead",
};
/** Every oauthToken/oauthTokenFile key (submission, driver, executor, mounted): credentials are the operator's. */
const OAUTH_KEY = /^spark\.kubernetes\.authenticate\..*oauthToken(File)?$/;

const NODE_OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]);
const FIELD_OPERATORS = new Set(["In", "NotIn"]);
const LABEL_OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

function stringMap(
  out: Finding[],
  value: unknown,
  path: ManifestPath,
  what: "label" | "annotation" | "node selector",
): void {
  if (!isRecord(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = qualifiedName(k);
    if (keyProblem) {
      out.push({
        path: [...path, k],
        message: `${what} key ${show(k)} ${keyProblem}`,
        hint: "keys are [prefix/]name, e.g. example.com/team or airflow-dag-id",
      });
    }
    if (what !== "annotation" && typeof v === "string") {
      const valueProblem = labelValue(v);
      if (valueProblem) out.push({ path: [...path, k], message: `${what} value ${show(v)} ${valueProblem}` });
    }
  }
}

function matchExpressions(out: Finding[], exprs: unknown, path: ManifestPath, operators: Set<string>): void {
  if (!Array.isArray(exprs)) return;
  exprs.forEach((e, i) => {
    if (!isRecord(e)) return;
    const at = [...path, i];
    const op = e.operator;
    const values = e.values;
    const n = Array.isArray(values) ? values.length : 0;
    if (typeof e.key === "string") {
      const problem = qualifiedName(e.key);
      if (problem) out.push({ path: [...at, "key"], message: `key ${show(e.key)} ${problem}` });
    }
    if (typeof op !== "string") return;
    if (!operators.has(op)) {
      out.push({
        path: [...at, "operator"],
        message: `expected one of ${[...operators].join(", ")}, found ${show(op)}`,
      });
      return;
    }
    if ((op === "In" || op === "NotIn") && n === 0) {
      out.push({ path: [...at, "values"], message: `operator ${op} needs at least one value, found none` });
    } else if ((op === "Exists" || op === "DoesNotExist") && n > 0) {
      out.push({ path: [...at, "values"], message: `operator ${op} takes no values, found ${n}` });
    } else if (op === "Gt" || op === "Lt") {
      if (n !== 1 || !/^-?[0-9]+$/.test(String((values as unknown[])[0]))) {
        out.push({
          path: [...at, "values"],
          message: `operator ${op} needs exactly one integer value, found ${show(values)}`,
        });
      }
    }
  });
}

function weighted(
  out: Finding[],
  terms: unknown,
  path: ManifestPath,
  inner: (t: Record<string, unknown>, at: ManifestPath) => void,
): void {
  if (!Array.isArray(terms)) return;
  terms.forEach((t, i) => {
    if (!isRecord(t)) return;
    const w = t.weight;
    if (typeof w === "number" && (!Number.isInteger(w) || w < 1 || w > 100)) {
      out.push({
        path: [...path, i, "weight"],
        message: `expected an integer from 1 to 100, found ${show(w)}`,
      });
    }
    inner(t, [...path, i]);
  });
}

function affinity(out: Finding[], aff: unknown, path: ManifestPath): void {
  if (!isRecord(aff)) return;
  const node = aff.nodeAffinity;
  if (isRecord(node)) {
    const base = [...path, "nodeAffinity"];
    const term = (t: unknown, at: ManifestPath): void => {
      if (!isRecord(t)) return;
      matchExpressions(out, t.matchExpressions, [...at, "matchExpressions"], NODE_OPERATORS);
      matchExpressions(out, t.matchFields, [...at, "matchFields"], FIELD_OPERATORS);
    };
    weighted(
      out,
      node.preferredDuringSchedulingIgnoredDuringExecution,
      [...base, "preferredDuringSchedulingIgnoredDuringExecution"],
      (t, at) => term(t.preference, [...at, "preference"]),
    );
    const req = node.requiredDuringSchedulingIgnoredDuringExecution;
    if (isRecord(req) && Array.isArray(req.nodeSelectorTerms)) {
      req.nodeSelectorTerms.forEach((t, i) =>
        term(t, [...base, "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", i]),
      );
    }
  }
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const pa = aff[kind];
    if (!isRecord(pa)) continue;
    const base = [...path, kind];
    const podTerm = (t: unknown, at: ManifestPath): void => {
      if (!isRecord(t) || !isRecord(t.labelSelector)) return;
      matchExpressions(
        out,
        t.labelSelector.matchExpressions,
        [...at, "labelSelector", "matchExpressions"],
        LABEL_OPERATORS,
      );
    };
    weighted(
      out,
      pa.preferredDuringSchedulingIgnoredDuringExecution,
      [...base, "preferredDuringSchedulingIgnoredDuringExecution"],
      (t, at) => podTerm(t.podAffinityTerm, [...at, "podAffinityTerm"]),
    );
    const req = pa.requiredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(req))
      req.forEach((t, i) => podTerm(t, [...base, "requiredDuringSchedulingIgnoredDuringExecution", i]));
  }
}

function memory(out: Finding[], v: unknown, path: ManifestPath): void {
  if (typeof v !== "string") return;
  const problem = sparkMemory(v);
  if (problem) out.push({ path, message: `${problem}, found ${show(v)}` });
}

/** Findings that do not stop a render: things that work today but are on their way out. */
export function checkWarnings(doc: Record<string, unknown>): Finding[] {
  const spec = isRecord(doc.spec) ? doc.spec : {};
  if (spec.nodeSelector === undefined) return [];
  return [
    {
      path: ["spec", "nodeSelector"],
      message: "spec.nodeSelector is deprecated by the operator",
      hint: "set spec.driver.nodeSelector and spec.executor.nodeSelector instead",
    },
  ];
}

export function checkRules(doc: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const spec = isRecord(doc.spec) ? doc.spec : {};

  const name = metadata.name;
  if (typeof name === "string") {
    const problem = dns1035Label(name);
    if (problem)
      out.push({
        path: ["metadata", "name"],
        message: `${show(name)} ${problem}`,
        hint: "the operator's webhook refuses other names",
      });
  } else if (name === undefined && metadata.generateName === undefined) {
    out.push({
      path: ["metadata"],
      message: "metadata.name is missing",
      hint: "the operator needs a name for the application and its pods",
    });
  }
  const namespace = metadata.namespace;
  if (typeof namespace === "string") {
    const problem = dns1123Label(namespace);
    if (problem) out.push({ path: ["metadata", "namespace"], message: `${show(namespace)} ${problem}` });
  }
  stringMap(out, metadata.labels, ["metadata", "labels"], "label");
  stringMap(out, metadata.annotations, ["metadata", "annotations"], "annotation");
  stringMap(out, spec.nodeSelector, ["spec", "nodeSelector"], "node selector");

  const sparkConf = spec.sparkConf;
  if (isRecord(sparkConf)) {
    for (const [key, value] of Object.entries(sparkConf)) {
      const denied =
        DENIED_SPARK_CONF[key] ??
        (OAUTH_KEY.test(key) ? "credentials are managed by the operator" : undefined);
      if (denied) {
        out.push({
          path: ["spec", "sparkConf", key],
          message: `sparkConf key ${show(key)} is refused by the operator's webhook`,
          hint: denied,
        });
      } else if (key === "spark.kubernetes.namespace" && value !== namespace) {
        out.push({
          path: ["spec", "sparkConf", key],
          message: `must equal metadata.namespace ${show(namespace)}, found ${show(value)}`,
          hint: "the operator's webhook refuses a different namespace; remove the key",
        });
      }
    }
  }

  const sparkMajor =
    typeof spec.sparkVersion === "string" ? Number(/^v?(\d+)/.exec(spec.sparkVersion)?.[1]) : NaN;

  for (const role of ROLES) {
    const r = spec[role];
    if (!isRecord(r)) continue;
    const base = ["spec", role];
    if (r.template !== undefined && sparkMajor < 3) {
      out.push({
        path: [...base, "template"],
        message: `a pod template needs sparkVersion 3.0.0 or later, found ${show(spec.sparkVersion)}`,
        hint: "the operator's webhook refuses it",
      });
    }
    stringMap(out, r.labels, [...base, "labels"], "label");
    stringMap(out, r.annotations, [...base, "annotations"], "annotation");
    stringMap(out, r.nodeSelector, [...base, "nodeSelector"], "node selector");
    if (spec.nodeSelector !== undefined && r.nodeSelector !== undefined) {
      out.push({
        path: [...base, "nodeSelector"],
        message: "spec.nodeSelector and a role nodeSelector cannot both be set",
        hint: "the operator's webhook refuses both; keep the role ones",
      });
    }
    memory(out, r.memory, [...base, "memory"]);
    memory(out, r.memoryOverhead, [...base, "memoryOverhead"]);
    memory(out, r.memoryLimit, [...base, "memoryLimit"]);
    affinity(out, r.affinity, [...base, "affinity"]);
  }
  return out;
}
