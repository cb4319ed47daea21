// JSON -> Python value model, as Python's json.loads sees it: objects keep their key order (JSON.parse
// moves integer-like keys first) and `2.0` stays a float. Used for payloads that must render exactly as
// Airflow would render the same JSON.
import { UserError } from "../errors.js";
import { mkFloat } from "./values.js";

export function parseJsonPy(text: string, what = "JSON"): unknown {
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
  const value = (depth: number): unknown => {
    if (depth > 512) fail("nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m = new Map<string, unknown>();
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
      const a: unknown[] = [];
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
    return r[1] || r[2] ? mkFloat(n) : n;
  };
  const v = value(0);
  ws();
  if (i < text.length) fail("trailing data");
  return v;
}
