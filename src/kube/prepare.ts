// Turns a rendered, checked manifest into the object sparklane creates: deterministic name, namespace,
// cost-attribution labels on the application and on driver/executor pods, and identity annotations.
// A structured change on the parsed object, never a textual one on the rendered YAML.
import { resolveNamespace } from "./namespace.js";
import {
  ANNOTATION_PAYLOAD_HASH,
  ANNOTATION_RUN_ID,
  ANNOTATION_SPEC_HASH,
  applicationName,
  costLabels,
  payloadHash,
  runHash,
  specHash,
} from "./naming.js";
import type { SparkApplication } from "../manifest/index.js";

export interface PrepareInput {
  manifest: SparkApplication | Record<string, unknown>;
  payload: Record<string, unknown>;
  variant: string;
  context: { dagId: string; taskId: string; ds: string; runId: string };
  /** Overrides the manifest's namespace (--namespace). */
  namespace?: string;
  /** Used when neither --namespace nor the manifest gives one. */
  defaultNamespace?: string;
}

export interface Prepared {
  manifest: Record<string, unknown>;
  name: string;
  namespace: string;
  payloadHash: string;
  specHash: string;
  runHash: string;
  labels: Record<string, string>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

export function moduleOf(payload: Obj, manifest: Obj): string {
  const m = payload.etl_module;
  if (typeof m === "string" && m) return m;
  const l = obj(obj(manifest.metadata).labels)["etl-module"];
  const name = obj(manifest.metadata).name;
  return typeof l === "string" && l ? l : typeof name === "string" ? name : "app";
}

export function prepareApplication(input: PrepareInput): Prepared {
  // Labels and annotations are added to a copy treated as data: the result is what the API server gets.
  const manifest = structuredClone(input.manifest) as Obj;
  const module = moduleOf(input.payload, manifest);
  const hash = runHash({ ...input.context, payload: input.payload });
  const name = applicationName(module, input.context.ds, hash);
  const md = obj(manifest.metadata);
  const { namespace } = resolveNamespace({
    flag: input.namespace,
    template: typeof md.namespace === "string" ? md.namespace : undefined,
    context: input.defaultNamespace,
  });
  const labels = costLabels({ ...input.context, module, variant: input.variant, runHash: hash });
  const spec = obj(manifest.spec);
  for (const role of ["driver", "executor"] as const) {
    const r = obj(spec[role]);
    r.labels = { ...obj(r.labels), ...labels };
    spec[role] = r;
  }
  manifest.spec = spec;
  manifest.metadata = {
    ...md,
    name,
    namespace,
    labels: { ...obj(md.labels), ...labels },
  };
  const sh = specHash(manifest);
  const ph = payloadHash(input.payload);
  (manifest.metadata as Obj).annotations = {
    ...obj(md.annotations),
    [ANNOTATION_PAYLOAD_HASH]: ph,
    [ANNOTATION_SPEC_HASH]: sh,
    [ANNOTATION_RUN_ID]: input.context.runId,
  };
  return { manifest, name, namespace, payloadHash: ph, specHash: sh, runHash: hash, labels };
}
