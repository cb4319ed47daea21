// The one rule for the namespace every cluster command works in (submit, status, logs, delete, list):
//   --namespace > the template's metadata.namespace > the kubeconfig context's namespace > "default".
// The template comes before the context because it is where Airflow creates the application in production,
// and where `kubectl create -f` of the rendered manifest would put it; the context is only a personal default.

export type NamespaceSource = "--namespace" | "template" | "kubeconfig context" | "default";

export interface ResolvedNamespace {
  readonly namespace: string;
  readonly source: NamespaceSource;
}

export function resolveNamespace(from: {
  readonly flag?: string;
  readonly template?: string;
  readonly context?: string;
}): ResolvedNamespace {
  if (from.flag) return { namespace: from.flag, source: "--namespace" };
  if (from.template) return { namespace: from.template, source: "template" };
  if (from.context) return { namespace: from.context, source: "kubeconfig context" };
  return { namespace: "default", source: "default" };
}

/** `namespace spark (the template's)`, for messages that must say where sparklane looked and why. */
export function describeNamespace(r: ResolvedNamespace): string {
  const why =
    r.source === "--namespace"
      ? "from --namespace"
      : r.source === "template"
        ? "the template's"
        : r.source === "kubeconfig context"
          ? "the kubeconfig context's"
          : "no namespace in --namespace, the template or the kubeconfig context";
  return `namespace ${r.namespace} (${why})`;
}
