// SparkApplication v1beta2 schema check with the precompiled (ajv standalone) validator, so nothing is
// compiled at start-up. Ajv's raw errors become one finding per problem, in the manifest's own words.
import type { ErrorObject } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import validate, { schema } from "./generated/validate-sparkapplication.js";
import { isRecord, pointerToPath } from "./paths.js";
import { show, type Finding } from "./findings.js";

type Schema = Record<string, unknown>;
const root = schema as Schema;
const defs = (root.$defs ?? {}) as Record<string, Schema>;

const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

function deref(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === "string" && i < 8; i++)
    cur = defs[cur.$ref.slice("#/$defs/".length)];
  return cur;
}

/** The schema that applies at a data path, following properties, items and map values. */
function schemaAt(path: readonly string[]): Schema | undefined {
  let cur = deref(root);
  for (const seg of path) {
    if (!cur) return undefined;
    const props = cur.properties as Record<string, Schema> | undefined;
    if (props && Object.hasOwn(props, seg)) cur = deref(props[seg]);
    else if (cur.items && /^\d+$/.test(seg)) cur = deref(cur.items as Schema);
    else if (isRecord(cur.additionalProperties)) cur = deref(cur.additionalProperties);
    else return undefined;
  }
  return cur;
}

function valueAt(doc: unknown, path: readonly string[]): unknown {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isRecord(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

const article = (t: string): string =>
  t === "integer" || t === "object" || t === "array" ? `an ${t}` : `a ${t}`;
const typeName = (t: unknown): string =>
  (Array.isArray(t) ? t : [t])
    .map((x) => (x === "object" ? "a mapping" : x === "array" ? "a list" : article(String(x))))
    .join(" or ");

function found(v: unknown): string {
  if (typeof v === "string") return `the string ${show(v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  if (typeof v === "boolean") return `the boolean ${v}`;
  return show(v);
}

function unknownField(path: Array<string | number>, key: string): Finding {
  const allowed = Object.keys((schemaAt(path.map(String))?.properties as Schema | undefined) ?? {});
  const guess = allowed.length ? closest(key, allowed) : undefined;
  const near = guess !== undefined && levenshteinClose(key, guess);
  return {
    path: [...path, key],
    message: `unknown field ${JSON.stringify(key)} (the API server refuses it under strict field validation)`,
    hint: near
      ? `did you mean ${JSON.stringify(guess)}?`
      : allowed.length
        ? `allowed here: ${allowed.slice(0, 12).join(", ")}${allowed.length > 12 ? ", …" : ""}`
        : undefined,
  };
}

function levenshteinClose(a: string, b: string): boolean {
  // `closest` always answers; only suggest what a typo could plausibly have come from.
  const max = Math.max(2, Math.floor(Math.max(a.length, b.length) / 3));
  return distance(a.toLowerCase(), b.toLowerCase()) <= max;
}

/** Pointer segments with list indexes as numbers, so paths print as `initContainers[0]`. */
function typedPath(doc: unknown, segs: readonly string[]): Array<string | number> {
  let cur = doc;
  return segs.map((seg) => {
    const inList = Array.isArray(cur);
    cur = valueAt(cur, [seg]);
    return inList ? Number(seg) : seg;
  });
}

function toFinding(e: ErrorObject, doc: unknown): Finding | undefined {
  const segs = pointerToPath(e.instancePath);
  const value = valueAt(doc, segs);
  const path = typedPath(doc, segs);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { path, message: `required field ${JSON.stringify(p.missingProperty)} is missing` };
    case "additionalProperties":
      return unknownField(path, String(p.additionalProperty));
    case "type":
      return { path, message: `expected ${typeName(p.type)}, found ${found(value)}` };
    case "enum":
      return {
        path,
        message: `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, found ${found(value)}`,
      };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        path,
        message: `expected a number ${String(p.comparison)} ${String(p.limit)}, found ${found(value)}`,
      };
    case "pattern":
      return p.pattern === QUANTITY_PATTERN
        ? { path, message: `expected a Kubernetes quantity such as 500m, 2, 1.5Gi, found ${found(value)}` }
        : { path, message: `expected a string matching /${String(p.pattern)}/, found ${found(value)}` };
    case "anyOf":
      return { path, message: `expected an integer or a string (int-or-string), found ${found(value)}` };
    case "minItems":
    case "maxItems":
    case "minLength":
    case "maxLength":
    case "minProperties":
    case "maxProperties":
      return { path, message: `expected ${e.keyword} ${String(p.limit)}, found ${found(value)}` };
    default:
      return {
        path,
        message: `fails the schema's ${e.keyword} rule (${JSON.stringify(p)}), found ${found(value)}`,
      };
  }
}

/** Validates against the strict SparkApplication v1beta2 schema (CRD of operator v2.5.2). */
export function checkSchema(doc: Record<string, unknown>): Finding[] {
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];
  // anyOf reports each failed branch too; one "integer or string" message says it all.
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const out: Finding[] = [];
  for (const e of errors) {
    if (e.keyword !== "anyOf" && anyOfAt.has(e.instancePath) && e.keyword === "type") continue;
    const f = toFinding(e, doc);
    if (f) out.push(f);
  }
  return out;
}
