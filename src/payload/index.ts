// Reading and checking trigger payloads. Pure apart from `readPayload`, which reads the file it is given.
import { readFileSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { closest, distance } from "fastest-levenshtein";
import { UserError, ValidationError, type Issue } from "../errors.js";
import { copyPyJson, parseJsonPy, type PyDict, type PyJson } from "../pyjson.js";
import { isCalendarDate, yamlUnsafeReason } from "./patterns.js";
import { defaultLimits, knownKeys, payloadShape, requiredKeys, type Limits, type Payload } from "./schema.js";
import { extraKeySchema, type ExtraKeys } from "./extra-keys.js";

export { payloadSchema, payloadShape, knownKeys, limitsSchema, type Payload, type Limits } from "./schema.js";
export { extraKeysSchema, type ExtraKeys } from "./extra-keys.js";

/** `--ds`, Airflow's logical date: a real calendar date, since it becomes names and partition paths. */
export function checkLogicalDate(ds: string): string {
  if (!isCalendarDate(ds)) {
    throw new UserError(
      `--ds ${ds}: expected a real calendar date as YYYY-MM-DD`,
      "for example --ds 2026-03-15",
    );
  }
  return ds;
}

/** Payloads larger than this are refused before parsing: no real `dag_run.conf` comes close. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * A payload read from JSON text (and `--set` flags): the values twice, from the same text. `python` is what
 * Python's json.loads gives Airflow (dicts as ordered Maps, `2.0` a PyFloat): the template renders it, so key
 * order and float-ness are part of the value, not something to recover later. `values` is the same data as
 * plain JSON, for the schema and for hashing. Instances are never changed: applySets returns a new one.
 */
export class ParsedPayload {
  constructor(
    /** Where it came from, for messages: a file path, `stdin` or `--set`. */
    readonly source: string,
    readonly values: Readonly<Record<string, unknown>>,
    readonly python: ReadonlyMap<string, PyJson>,
  ) {}
}

/** A payload as the library takes it: parsed from JSON text, or a hand-built object (rendered as given). */
export type PayloadInput = ParsedPayload | Record<string, unknown>;

/** The payload's values as plain JSON data. */
export function payloadValues(payload: PayloadInput): Record<string, unknown> {
  return payload instanceof ParsedPayload ? payload.values : payload;
}

/**
 * The payload as the template sees `dag_run.conf`: a fresh copy of the Python values when it was parsed (a
 * template may change its conf; the next render must not see that), else the object as given.
 */
export function pythonConf(payload: PayloadInput): PyDict | Record<string, unknown> {
  return payload instanceof ParsedPayload ? (copyPyJson(new Map(payload.python)) as PyDict) : payload;
}

export interface PayloadRules {
  readonly limits?: Limits;
  readonly extraKeys?: ExtraKeys;
}

/** Parses payload JSON text. `source` names it in errors (a file path, or `stdin`). */
export function parsePayloadText(text: string, source: string): ParsedPayload {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new UserError(
      `${source}: payload is ${bytes} bytes; the limit is ${MAX_PAYLOAD_BYTES} (1 MiB)`,
      "a trigger payload carries keys, not data: pass large inputs by path",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `${source}:${lineCol(text, Number(pos[1]))}` : source;
    throw new UserError(
      `${where}: invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, "")}`,
      "the payload must be a JSON object, as Airflow's dag_run.conf",
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const found = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new UserError(
      `${source}: expected a JSON object as the payload, found ${found}`,
      'e.g. {"etl_module": "visits_distinct", ...}',
    );
  }
  return new ParsedPayload(source, value as Record<string, unknown>, parseJsonPy(text, source) as PyDict);
}

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  return `${line}:${pos - before.lastIndexOf("\n")}`;
}

/** Reads a payload file (not stdin: the CLI reads that) and parses it. */
export function readPayloadFile(path: string): ParsedPayload {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new UserError(
      `--conf ${path}: no such file`,
      "pass the path of a JSON trigger payload, or - for stdin",
    );
  }
  if (!stat.isFile()) {
    throw new UserError(
      `--conf ${path}: is ${stat.isDirectory() ? "a folder" : "not a regular file"}, expected a JSON payload file`,
      stat.isDirectory()
        ? `pass one file, e.g. --conf ${join(path, "<trigger>.json")}; validate and lint take every triggers/*.json of --project`
        : "pass the path of a JSON trigger payload, or - for stdin",
    );
  }
  const size = stat.size;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new UserError(`${path}: payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES} (1 MiB)`);
  }
  return parsePayloadText(readFileSync(path, "utf8"), path);
}

/**
 * Applies `--set key=value` flags over a payload. A value is read as JSON when it is an integer, true/false/null,
 * or starts with `{`, `[` or `"`; anything else is a string (so `--set etl_version=1.10` stays "1.10").
 */
export function applySets(payload: PayloadInput, sets: readonly string[]): ParsedPayload {
  const parsed =
    payload instanceof ParsedPayload ? payload : new ParsedPayload("--set", payload, toPython(payload));
  const out: Record<string, unknown> = { ...parsed.values };
  const python = new Map(parsed.python);
  for (const set of sets) {
    const eq = set.indexOf("=");
    const key = eq > 0 ? set.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new UserError(
        `--set ${set}: expected key=value with a plain key name`,
        "e.g. --set executor_instances=8",
      );
    }
    const raw = set.slice(eq + 1);
    let value: unknown = raw;
    let py: PyJson = raw;
    const json = /^(-?[0-9]+|true|false|null)$/.test(raw) || /^[[{"]/.test(raw);
    if (json) {
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new UserError(
          `--set ${key}: invalid JSON value: ${(err as Error).message.replace(/ in JSON.*$/, "")}`,
        );
      }
      py = parseJsonPy(raw, `--set ${key}`);
    }
    out[key] = value;
    python.set(key, py);
  }
  return new ParsedPayload(parsed.source, out, python);
}

/** A hand-built object as Python would hold it: key order as the object iterates, numbers as they are. */
function toPython(v: unknown): PyDict {
  const conv = (x: unknown): PyJson =>
    Array.isArray(x)
      ? x.map(conv)
      : x !== null && typeof x === "object"
        ? new Map(Object.entries(x).map(([k, y]) => [k, conv(y)]))
        : (x as PyJson);
  return conv(v) as PyDict;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || "(payload)";
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Finds keys and strings anywhere in the payload that could change YAML structure, and forbidden keys. */
// One path array, pushed and popped on the way down (a new array per value was a tenth of checkPayload).
function scanUnsafe(value: unknown, path: PropertyKey[], issues: Issue[]): void {
  if (typeof value === "string") {
    const reason = yamlUnsafeReason(value);
    if (reason)
      issues.push({
        where: formatPath(path),
        message: `${reason}; found ${describe(value)}`,
        hint: "payload values are plain names, dates, sizes and label syntax",
      });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      scanUnsafe(value[i], path, issues);
      path.pop();
    }
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      path.push(k);
      if (FORBIDDEN_KEYS.has(k)) {
        issues.push({
          where: formatPath(path),
          message: `the key '${k}' is not allowed in a payload`,
          hint: "remove it",
        });
      } else {
        const reason = yamlUnsafeReason(k);
        if (reason) issues.push({ where: formatPath(path), message: `key ${reason}` });
        scanUnsafe(v, path, issues);
      }
      path.pop();
    }
  } else if (typeof value === "number" && !Number.isFinite(value)) {
    issues.push({ where: formatPath(path), message: "expected a finite number" });
  }
}

// Building a zod object schema compiles a parser: done once per set of rules, not once per payload.
const schemas = new Map<string, { shape: Record<string, z.ZodType>; schema: z.ZodType }>();
function schemaFor(rules: PayloadRules): { shape: Record<string, z.ZodType>; schema: z.ZodType } {
  const key = JSON.stringify([rules.limits ?? null, rules.extraKeys ?? null]);
  let entry = schemas.get(key);
  if (!entry) {
    const shape: Record<string, z.ZodType> = { ...payloadShape(rules.limits ?? defaultLimits) };
    for (const [name, spec] of Object.entries(rules.extraKeys ?? {}))
      shape[name] = extraKeySchema(name, spec);
    entry = { shape, schema: z.object(shape).passthrough() };
    schemas.set(key, entry);
  }
  return entry;
}

/**
 * Checks a payload against the schema (seed keys, project extra keys, caps). Returns the same object, typed;
 * throws ValidationError listing every problem, each with its key path, what was expected and what was found.
 */
export function checkPayload(payload: Record<string, unknown>, rules: PayloadRules = {}): Payload {
  const issues: Issue[] = [];
  scanUnsafe(payload, [], issues);
  const flagged = new Set(issues.map((i) => i.where));

  const { shape, schema } = schemaFor(rules);
  const allKeys = Object.keys(shape);

  for (const key of Object.keys(payload)) {
    if (key in shape || FORBIDDEN_KEYS.has(key)) continue;
    const guess = allKeys.length ? closest(key, allKeys) : undefined;
    const near = guess !== undefined && distance(key, guess) <= Math.max(2, Math.floor(key.length / 3));
    issues.push({
      where: formatPath([key]),
      message: `unknown key${near ? `; did you mean '${guess}'?` : ""}`,
      hint: near
        ? undefined
        : `known keys: ${allKeys.join(", ")}; a project can declare more under payload.extra_keys in sparklane.yaml`,
    });
    flagged.add(formatPath([key]));
  }

  const result = schema.safeParse(payload);
  if (!result.success) {
    for (const zi of result.error.issues) {
      const where = formatPath(zi.path);
      if ([...flagged].some((f) => where === f || where.startsWith(`${f}.`) || where.startsWith(`${f}[`)))
        continue;
      // A bad record key (e.g. a node-label key) carries its own reason one level down.
      const keyIssue = zi.code === "invalid_key" ? zi.issues[0] : undefined;
      const found = keyIssue ? zi.path[zi.path.length - 1] : valueAt(payload, zi.path);
      const required =
        zi.path.length === 1 &&
        found === undefined &&
        (requiredKeys as readonly string[]).includes(String(zi.path[0]));
      issues.push({
        where,
        message: required
          ? "required key is missing"
          : `${keyIssue?.message ?? zi.message}; found ${keyIssue ? "key " : ""}${describe(found)}`,
        hint: required ? `add "${String(zi.path[0])}" to the payload` : undefined,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError("payload", issues);
  return payload as Payload;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

export { knownKeys as seedKeys };
