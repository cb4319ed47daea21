// JSON as Python's json.loads gives it to Airflow, shared by the payload (which parses it) and the template
// engine (which renders it). A dict is a Map, keeping key order exactly (JSON.parse moves integer-like keys
// first); a JSON number written as a float stays a float, so an integral one such as `2.0` is a PyFloat and
// prints "2.0", not "2".
import { UserError } from "./errors.js";

/** A Python float whose value is integral (2.0): a JS number would print as an int. */
export class PyFloat {
  constructor(readonly v: number) {}
}

export type PyJson = string | number | boolean | null | PyFloat | PyJson[] | PyDict;
export type PyDict = Map<string, PyJson>;

/** A float as Python holds it: integral values wrapped so they stay floats. */
export function pyFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

/** The same value as plain JSON data (dicts as objects, floats as numbers), for schema checks and hashing. */
export function toPlainJson(v: PyJson): unknown {
  if (v instanceof PyFloat) return v.v;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlainJson(x)]));
  if (Array.isArray(v)) return v.map(toPlainJson);
  return v;
}

/** A deep copy, for a consumer allowed to change it (a template may `{% do conf.update(...) %}`). */
export function copyPyJson(v: PyJson): PyJson {
  if (v instanceof Map) {
    const out: PyDict = new Map();
    for (const [k, x] of v) out.set(k, copyPyJson(x));
    return out;
  }
  if (Array.isArray(v)) return v.map(copyPyJson);
  return v;
}

/** Parses JSON text as Python's json.loads; `what` names it in errors (file:line:col). */
export function parseJsonPy(text: string, what = "JSON"): PyJson {
  let i = 0;
  const fail = (msg: string): never => {
    const before = text.slice(0, i);
    const line = before.split("\n").length;
    const col = i - before.lastIndexOf("\n");
    throw new UserError(`${what}:${line}:${col}: invalid JSON: ${msg}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const str = (): string => {
    // eslint-disable-next-line no-control-regex -- Python treats these control characters specially
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = i;
    const r = m.exec(text);
    if (!r) return fail("bad string");
    i += r[0].length;
    return JSON.parse(r[0]) as string;
  };
  const value = (depth: number): PyJson => {
    if (depth > 512) fail("nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m: PyDict = new Map<string, PyJson>();
      ws();
      if (text[i] === "}") {
        i++;
        return m;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const k = str();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        m.set(k, value(depth + 1));
        ws();
        const d = text[i++];
        if (d === "}") return m;
        if (d !== ",") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: PyJson[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        const d = text[i++];
        if (d === "]") return a;
        if (d !== ",") fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const lit = /true|false|null|-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    lit.lastIndex = i;
    const r = lit.exec(text);
    if (!r) return fail(i >= text.length ? "unexpected end" : `unexpected ${JSON.stringify(text[i])}`);
    i += r[0].length;
    if (r[0] === "true") return true;
    if (r[0] === "false") return false;
    if (r[0] === "null") return null;
    const n = Number(r[0]);
    return r[1] || r[2] ? pyFloat(n) : n;
  };
  const v = value(0);
  ws();
  if (i < text.length) fail("trailing data");
  return v;
}
