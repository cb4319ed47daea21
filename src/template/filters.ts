// jinja2's builtin filters (jinja2/filters.py), one named function each, on the value model of values.ts.
// Filters that return generators in jinja (map, select, unique, batch...) return lists here: identical
// output whenever the result is iterated, joined or passed to `list`, which is how templates use them.
import { bindArgs } from "./args.js";
import { isConvError, pyFloat, pyInt, pyRound } from "./convert.js";
import { PyError } from "./errors.js";
import { fmtFixed, printf } from "./format.js";
import { callFilter, callTest } from "./registry.js";
import type { Builtins, FilterFn } from "./registry.js";
import { callMethod, getattr, getitem } from "./sandbox.js";
import { pyCapitalize, pyReplace, pySplitlines, pyStrip } from "./str-methods.js";
import {
  Markup,
  contains,
  PyFloat,
  Undefined,
  escapeValue,
  hashKey,
  floatRepr,
  complexParts,
  groupTuple,
  isFloat,
  isInt,
  isIntLike,
  isNumLike,
  isStr,
  isTuple as isTupleArr,
  iterate,
  mkFloat,
  num,
  pyAdd,
  pyEq,
  pyLen,
  pyOrder,
  pyStr,
  sortCmp,
  truthy,
  tuple,
  typeName,
} from "./values.js";
import type { Kwargs } from "./values.js";

const REQ = Symbol("required");

export function soft(v: unknown): string {
  return pyStr(v);
}

function ignoreCase(v: unknown): unknown {
  return typeof v === "string" ? v.toLowerCase() : v instanceof Markup ? v.s.toLowerCase() : v;
}

function attrParts(attribute: unknown): unknown[] {
  if (attribute === null || attribute === undefined) return [];
  if (typeof attribute === "string")
    return attribute.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return [attribute];
}

function makeAttrgetter(attribute: unknown, post?: (v: unknown) => unknown, dflt: unknown = null) {
  const parts = attrParts(attribute);
  return (item: unknown): unknown => {
    for (const p of parts) {
      item = getitem(item, p, null);
      if (dflt !== null && item instanceof Undefined) item = dflt;
    }
    return post ? post(item) : item;
  };
}

function makeMultiAttrgetter(attribute: unknown, post?: (v: unknown) => unknown) {
  const groups = typeof attribute === "string" ? attribute.split(",") : [attribute];
  const getters = groups.map((g) => makeAttrgetter(g, post));
  if (attribute === null || attribute === undefined) return (x: unknown) => (post ? [post(x)] : [x]);
  return (item: unknown) => getters.map((g) => g(item));
}

function listCmp(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (!pyEq(a[i], b[i])) return sortCmp(a[i], b[i]);
  }
  return a.length - b.length;
}

/** json.dumps(v, sort_keys=True) as jinja's tojson calls it. */
export function jsonDumps(v: unknown, indent: unknown = null): string {
  const ind =
    indent === null
      ? null
      : typeof indent === "string"
        ? indent
        : " ".repeat(Math.max(0, +(indent as number)));
  const str = (s: string) =>
    '"' +
    // eslint-disable-next-line no-control-regex -- Python treats these control characters specially
    s.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, (c) => {
      switch (c) {
        case "\\":
          return "\\\\";
        case '"':
          return '\\"';
        case "\n":
          return "\\n";
        case "\r":
          return "\\r";
        case "\t":
          return "\\t";
        case "\b":
          return "\\b";
        case "\f":
          return "\\f";
      }
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    }) +
    '"';
  const numStr = (x: number) =>
    Number.isNaN(x) ? "NaN" : x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : floatRepr(x);
  const keyStr = (k: unknown): string => {
    if (typeof k === "string") return k;
    if (k instanceof Markup) return k.s;
    if (typeof k === "boolean") return k ? "true" : "false";
    if (k === null) return "null";
    if (isInt(k)) return String(k);
    if (isFloat(k)) return numStr(num(k as number));
    throw new PyError("TypeError", `keys must be str, int, float, bool or None, not ${typeName(k)}`);
  };
  const enc = (x: unknown, level: number): string => {
    if (x === null || x === undefined) return "null";
    if (x === true) return "true";
    if (x === false) return "false";
    if (typeof x === "string") return str(x);
    if (x instanceof Markup) return str(x.s);
    if (isInt(x)) return String(x);
    if (isFloat(x)) return numStr(num(x as number));
    const nl = ind === null ? "" : "\n" + ind.repeat(level + 1);
    const close = ind === null ? "" : "\n" + ind.repeat(level);
    const sep = ind === null ? ", " : ",";
    if (Array.isArray(x)) {
      if (!x.length) return "[]";
      return "[" + nl + x.map((e) => enc(e, level + 1)).join(sep + nl) + close + "]";
    }
    if (x instanceof Map) {
      if (!x.size) return "{}";
      const entries = [...x].sort((a, b) => sortCmp(a[0], b[0]));
      return (
        "{" +
        nl +
        entries.map(([k, e]) => str(keyStr(k)) + ": " + enc(e, level + 1)).join(sep + nl) +
        close +
        "}"
      );
    }
    throw new PyError("TypeError", `Object of type ${typeName(x)} is not JSON serializable`);
  };
  return enc(v, 0);
}

function htmlSafeJson(v: unknown, indent: unknown): Markup {
  return new Markup(
    jsonDumps(v, indent)
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e")
      .replace(/&/g, "\\u0026")
      .replace(/'/g, "\\u0027"),
  );
}

function minMax(value: unknown, a: unknown[], kw: Kwargs, max: boolean, name: string): unknown {
  const [cs, attribute] = bindArgs(name, a, kw, [
    ["case_sensitive", false],
    ["attribute", null],
  ]);
  const items = iterate(value);
  if (!items.length) return new Undefined("No aggregated item, sequence was empty.", undefined);
  const key = makeAttrgetter(attribute, truthy(cs) ? undefined : ignoreCase);
  let best = items[0];
  let bestK = key(best);
  for (const it of items.slice(1)) {
    const k = key(it);
    if (max ? pyOrder(">", k, bestK) : pyOrder("<", k, bestK)) {
      best = it;
      bestK = k;
    }
  }
  return best;
}

function selectReject(
  value: unknown,
  args: unknown[],
  kw: Kwargs,
  keep: boolean,
  lookupAttr: boolean,
  env: Builtins,
): unknown[] {
  if (!truthy(value)) return [];
  let trans = (x: unknown) => x;
  let off = 0;
  if (lookupAttr) {
    if (!args.length) throw new PyError("FilterArgumentError", "Missing parameter for attribute name");
    trans = makeAttrgetter(args[0]);
    off = 1;
  }
  let pred: (x: unknown) => boolean = truthy;
  if (args.length > off) {
    const name = args[off];
    const rest = args.slice(off + 1);
    pred = (x) => callTest(env, name, x, rest, kw);
  }
  return iterate(value).filter((item) => pred(trans(item)) === keep);
}

/** jinja's url_quote: UTF-8 percent-encoding with urllib's safe set; `+` for spaces in query strings. */
function urlQuote(v: unknown, forQs: boolean): string {
  const bytes = new TextEncoder().encode(soft(v));
  let out = "";
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(c) || (!forQs && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return forQs ? out.replace(/%20/g, "+") : out;
}

const WORD_SPLIT = /([-\s({[<]+)/;

function filterDefault(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [d, boolean] = bindArgs("default", a, k, [
    ["default_value", ""],
    ["boolean", false],
  ]);
  return v instanceof Undefined || (truthy(boolean) && !truthy(v)) ? d : v;
}

function filterReplace(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [o, n, c] = bindArgs("replace", a, k, [
    ["old", REQ],
    ["new", REQ],
    ["count", null],
  ]);
  const [so, sn] = [soft(o), soft(n)];
  if (c instanceof Undefined)
    throw new PyError("TypeError", "'StrictUndefined' object cannot be interpreted as an integer");
  return pyReplace(soft(v), so, sn, c === null ? -1 : +(c as number));
}

function filterLower(v: unknown): unknown {
  return keepMarkup(v, soft(v).toLowerCase());
}

// jinja's soft_str keeps Markup, and Markup's own upper/lower/capitalize/center/strip return Markup
function keepMarkup(v: unknown, r: string): unknown {
  return v instanceof Markup ? new Markup(r) : r;
}
function filterUpper(v: unknown): unknown {
  return keepMarkup(v, soft(v).toUpperCase());
}

function filterCapitalize(v: unknown): unknown {
  return keepMarkup(v, pyCapitalize(soft(v)));
}

function filterTitle(v: unknown): unknown {
  return soft(v)
    .split(WORD_SPLIT)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join("");
}

function filterInt(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [d, base] = bindArgs("int", a, k, [
    ["default", 0],
    ["base", 10],
  ]);
  if (v instanceof Undefined) return v.fail();
  try {
    return pyInt(v, +(base as number));
  } catch (e) {
    if (!isConvError(e)) throw e;
    try {
      return pyInt(pyFloat(v));
    } catch (e2) {
      if (!isConvError(e2)) throw e2;
      return d;
    }
  }
}

function filterFloat(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [d] = bindArgs("float", a, k, [["default", new PyFloat(0)]]);
  if (v instanceof Undefined) return v.fail();
  try {
    return mkFloat(pyFloat(v));
  } catch (e) {
    if (!isConvError(e)) throw e;
    return d;
  }
}

function filterString(v: unknown): unknown {
  return v instanceof Markup ? v : soft(v);
}

function filterTojson(v: unknown, a: unknown[], k: Kwargs): unknown {
  return htmlSafeJson(v, bindArgs("tojson", a, k, [["indent", null]])[0]);
}

function filterDictsort(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [cs, by, rev] = bindArgs("dictsort", a, k, [
    ["case_sensitive", false],
    ["by", "key"],
    ["reverse", false],
  ]);
  if (by !== "key" && by !== "value") {
    throw new PyError("FilterArgumentError", 'You can only sort by either "key" or "value"');
  }
  const items = callMethod(v, "items", [], null);
  if (items === undefined || typeof items === "symbol") {
    if (v instanceof Undefined) return v.fail();
    throw new PyError("AttributeError", `'${typeName(v)}' object has no attribute 'items'`);
  }
  const pos = by === "key" ? 0 : 1;
  const key = (it: unknown) => {
    const x = (it as unknown[])[pos];
    return truthy(cs) ? x : ignoreCase(x);
  };
  const list = (items as unknown[]).slice();
  list.sort((x, y) => (truthy(rev) ? -1 : 1) * sortCmp(key(x), key(y)));
  return list;
}

function filterSort(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [rev, cs, attribute] = bindArgs("sort", a, k, [
    ["reverse", false],
    ["case_sensitive", false],
    ["attribute", null],
  ]);
  const key = makeMultiAttrgetter(attribute, truthy(cs) ? undefined : ignoreCase);
  const items = iterate(v).map((x) => [key(x), x] as const);
  items.sort((x, y) => (truthy(rev) ? -1 : 1) * listCmp(x[0], y[0]));
  return items.map((x) => x[1]);
}

function filterJoin(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [d, attribute] = bindArgs("join", a, k, [
    ["d", ""],
    ["attribute", null],
  ]);
  let items = iterate(v);
  if (attribute !== null) items = items.map(makeAttrgetter(attribute));
  return items.map(soft).join(soft(d));
}

function filterLength(v: unknown): unknown {
  return pyLen(v);
}

function filterTrim(v: unknown, a: unknown[], k: Kwargs): unknown {
  return keepMarkup(v, pyStrip(soft(v), bindArgs("trim", a, k, [["chars", null]])[0], true, true));
}

function filterIndent(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [width, first, blank] = bindArgs("indent", a, k, [
    ["width", 4],
    ["first", false],
    ["blank", false],
  ]);
  if (width instanceof Undefined) return width.fail();
  const ind = typeof width === "string" ? width : " ".repeat(Math.max(0, +(width as number)));
  // jinja appends "\n" to the value itself, so only strings can be indented
  if (!isStr(v)) {
    if (v instanceof Undefined) return v.fail();
    if (Array.isArray(v) && !isTupleArr(v)) {
      throw new PyError("AttributeError", "'list' object has no attribute 'splitlines'");
    }
    throw new PyError("TypeError", `unsupported operand type(s) for +=: '${typeName(v)}' and 'str'`);
  }
  const s = soft(v) + "\n";
  let rv: string;
  if (truthy(blank)) rv = pySplitlines(s).join("\n" + ind);
  else {
    const lines = pySplitlines(s);
    rv = lines.shift() ?? "";
    if (lines.length) rv += "\n" + lines.map((l) => (l ? ind + l : l)).join("\n");
  }
  return keepMarkup(v, truthy(first) ? ind + rv : rv);
}

function filterFirst(v: unknown): unknown {
  const items = iterate(v);
  return items.length ? items[0] : new Undefined("No first item, sequence was empty.", undefined);
}

function filterLast(v: unknown): unknown {
  const items = iterate(v);
  return items.length
    ? items[items.length - 1]
    : new Undefined("No last item, sequence was empty.", undefined);
}

function filterList(v: unknown): unknown {
  return iterate(v).slice();
}

function filterMap(v: unknown, a: unknown[], k: Kwargs, env: Builtins): unknown {
  if (!truthy(v)) return [];
  let fn: (x: unknown) => unknown;
  if (!a.length && k?.has("attribute")) {
    const rest = new Map(k);
    const attribute = rest.get("attribute");
    rest.delete("attribute");
    const dflt = rest.has("default") ? rest.get("default") : null;
    rest.delete("default");
    if (rest.size)
      throw new PyError("FilterArgumentError", `Unexpected keyword argument '${[...rest.keys()][0]}'`);
    fn = makeAttrgetter(attribute, undefined, dflt);
  } else {
    if (!a.length) throw new PyError("FilterArgumentError", "map requires a filter argument");
    const name = a[0];
    const rest = a.slice(1);
    fn = (x) => callFilter(env, name, x, rest, k);
  }
  return iterate(v).map(fn);
}

function filterSelect(v: unknown, a: unknown[], k: Kwargs, env: Builtins): unknown {
  return selectReject(v, a, k, true, false, env);
}

function filterReject(v: unknown, a: unknown[], k: Kwargs, env: Builtins): unknown {
  return selectReject(v, a, k, false, false, env);
}

function filterSelectattr(v: unknown, a: unknown[], k: Kwargs, env: Builtins): unknown {
  return selectReject(v, a, k, true, true, env);
}

function filterRejectattr(v: unknown, a: unknown[], k: Kwargs, env: Builtins): unknown {
  return selectReject(v, a, k, false, true, env);
}

function filterUnique(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [cs, attribute] = bindArgs("unique", a, k, [
    ["case_sensitive", false],
    ["attribute", null],
  ]);
  const key = makeAttrgetter(attribute, truthy(cs) ? undefined : ignoreCase);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const item of iterate(v)) {
    const kk = key(item);
    hashKey(kk); // jinja keeps the keys in a set: an unhashable one is a TypeError
    if (!contains(seen, kk)) {
      seen.push(kk);
      out.push(item);
    }
  }
  return out;
}

function filterGroupby(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [attribute, dflt, cs] = bindArgs("groupby", a, k, [
    ["attribute", REQ],
    ["default", null],
    ["case_sensitive", false],
  ]);
  const key = makeAttrgetter(attribute, truthy(cs) ? undefined : ignoreCase, dflt);
  const sorted = iterate(v)
    .map((x) => [key(x), x] as const)
    .sort((x, y) => sortCmp(x[0], y[0]));
  const out: unknown[] = [];
  let cur: unknown[] | null = null;
  let curKey: unknown = undefined;
  for (const [kk, x] of sorted) {
    if (cur && pyEq(kk, curKey)) cur.push(x);
    else {
      cur = [x];
      curKey = kk;
      out.push(groupTuple(kk, cur));
    }
  }
  if (truthy(cs)) return out;
  // jinja reports each group under the first member's original-case key
  const outKey = makeAttrgetter(attribute, undefined, dflt);
  return out.map((g) => {
    const list = (g as unknown[])[1] as unknown[];
    return groupTuple(outKey(list[0]), list);
  });
}

function unpackPair(p: unknown): [unknown, unknown] {
  if (!isStr(p) && !Array.isArray(p) && !(p instanceof Map)) {
    throw new PyError("TypeError", `cannot unpack non-iterable ${typeName(p)} object`);
  }
  const xs = iterate(p);
  if (xs.length < 2)
    throw new PyError("ValueError", `not enough values to unpack (expected 2, got ${xs.length})`);
  if (xs.length > 2) throw new PyError("ValueError", "too many values to unpack (expected 2)");
  return [xs[0], xs[1]];
}

function filterUrlencode(v: unknown): unknown {
  if (isStr(v) || !(Array.isArray(v) || v instanceof Map)) return urlQuote(v, false);
  // `for k, v in items`: each item must unpack into exactly two
  const items = v instanceof Map ? [...v] : v.map((p) => unpackPair(p));
  return items.map(([k, x]) => `${urlQuote(k, true)}=${urlQuote(x, true)}`).join("&");
}

function filterFilesizeformat(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [binary] = bindArgs("filesizeformat", a, k, [["binary", false]]);
  const bytes = pyFloat(v);
  const base = truthy(binary) ? 1024 : 1000;
  const prefixes = truthy(binary)
    ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
  if (bytes === 1) return "1 Byte";
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  for (let i = 0; i < prefixes.length; i++) {
    unit = base ** (i + 2);
    if (bytes < unit || i === prefixes.length - 1)
      return `${fmtFixed((base * bytes) / unit, 1)} ${prefixes[i]}`;
  }
  return "";
}

function filterMin(v: unknown, a: unknown[], k: Kwargs): unknown {
  return minMax(v, a, k, false, "min");
}

function filterMax(v: unknown, a: unknown[], k: Kwargs): unknown {
  return minMax(v, a, k, true, "max");
}

function filterSum(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [attribute, start] = bindArgs("sum", a, k, [
    ["attribute", null],
    ["start", 0],
  ]);
  let items = iterate(v);
  if (attribute !== null) items = items.map(makeAttrgetter(attribute));
  if (isStr(start)) throw new PyError("TypeError", "sum() can't sum strings [use ''.join(seq) instead]");
  return items.reduce((acc, x) => pyAdd(acc, x), start);
}

function filterAbs(v: unknown): unknown {
  if (isIntLike(v)) return Math.abs(+v);
  if (isNumLike(v)) return mkFloat(Math.abs(num(v)));
  const c = complexParts(v);
  if (c) return mkFloat(Math.hypot(c[0], c[1]));
  throw new PyError("TypeError", `bad operand type for abs(): '${typeName(v)}'`);
}

function filterRound(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [precision, method] = bindArgs("round", a, k, [
    ["precision", 0],
    ["method", "common"],
  ]);
  const p = +(precision as number);
  if (method === "common") return pyRound(v, p);
  if (method !== "ceil" && method !== "floor") {
    throw new PyError("FilterArgumentError", "method must be common, ceil or floor");
  }
  if (!isNumLike(v)) {
    if (v instanceof Undefined) return v.fail();
    throw new PyError("TypeError", `must be real number, not ${typeName(v)}`);
  }
  const f = method === "ceil" ? Math.ceil : Math.floor;
  const scaled = num(v) * 10 ** p;
  if (Number.isNaN(scaled)) throw new PyError("ValueError", "cannot convert float NaN to integer");
  if (!Number.isFinite(scaled))
    throw new PyError("OverflowError", "cannot convert float infinity to integer");
  // math.floor and math.ceil return an int, which has no negative zero
  return mkFloat((f(scaled) + 0) / 10 ** p);
}

function filterBatch(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [lc, fill] = bindArgs("batch", a, k, [
    ["linecount", REQ],
    ["fill_with", null],
  ]);
  const n = +(lc as number);
  const out: unknown[][] = [];
  let tmp: unknown[] = [];
  for (const item of iterate(v)) {
    if (tmp.length === n) {
      out.push(tmp);
      tmp = [];
    }
    tmp.push(item);
  }
  if (tmp.length) {
    if (fill !== null) while (tmp.length < n) tmp.push(fill);
    out.push(tmp);
  }
  return out;
}

function filterSlice(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [sl, fill] = bindArgs("slice", a, k, [
    ["slices", REQ],
    ["fill_with", null],
  ]);
  const seq = iterate(v);
  const slices = +(sl as number);
  const per = Math.floor(seq.length / slices);
  const extra = seq.length % slices;
  let offset = 0;
  const out: unknown[][] = [];
  for (let i = 0; i < slices; i++) {
    const start = offset + i * per;
    if (i < extra) offset++;
    const end = offset + (i + 1) * per;
    const tmp = seq.slice(start, end);
    if (fill !== null && i >= extra) tmp.push(fill);
    out.push(tmp);
  }
  return out;
}

function filterTruncate(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [length, killwords, end, leeway] = bindArgs("truncate", a, k, [
    ["length", 255],
    ["killwords", false],
    ["end", "..."],
    ["leeway", null],
  ]);
  if (length instanceof Undefined) return length.fail();
  if (leeway instanceof Undefined) return leeway.fail();
  const len = +(length as number);
  const e = soft(end);
  const lw = leeway === null ? 5 : +(leeway as number);
  if (len < e.length) throw new PyError("AssertionError", `expected length >= ${e.length}, got ${len}`);
  if (lw < 0) throw new PyError("AssertionError", `expected leeway >= 0, got ${lw}`);
  // jinja measures and returns the value itself: a short list stays a list, a number raises TypeError
  if (pyLen(v) <= len + lw) return v;
  if (!isStr(v)) {
    if (truthy(killwords))
      throw new PyError("TypeError", `can only concatenate ${typeName(v)} (not "str") to ${typeName(v)}`);
    throw new PyError("AttributeError", `'${typeName(v)}' object has no attribute 'rsplit'`);
  }
  const s = soft(v);
  if (truthy(killwords)) return s.slice(0, len - e.length) + e;
  const head = s.slice(0, len - e.length);
  const cut = head.lastIndexOf(" ");
  return (cut < 0 ? head : head.slice(0, cut)) + e;
}

function filterWordcount(v: unknown): unknown {
  return (soft(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length;
}

function filterCenter(v: unknown, a: unknown[], k: Kwargs): unknown {
  const [w] = bindArgs("center", a, k, [["width", 80]]);
  return keepMarkup(v, callMethod(soft(v), "center", [w], null) as string);
}

function filterFormat(v: unknown, a: unknown[], k: Kwargs): unknown {
  if (a.length && k?.size) {
    throw new PyError(
      "FilterArgumentError",
      "can't handle positional and keyword arguments at the same time",
    );
  }
  return printf(soft(v), k?.size ? k : tuple(a.slice()));
}

function filterSafe(v: unknown): unknown {
  return v instanceof Markup ? v : new Markup(soft(v));
}

function filterEscape(v: unknown): unknown {
  return escapeValue(v);
}

function filterForceescape(v: unknown): unknown {
  return escapeValue(soft(v));
}

function filterItems(v: unknown): unknown {
  if (v instanceof Undefined) return [];
  if (v instanceof Map) return [...v].map(([x, y]) => tuple([x, y]));
  throw new PyError("TypeError", "Can only get item pairs from a mapping.");
}

function filterReverse(v: unknown): unknown {
  if (typeof v === "string") return Array.from(v).reverse().join("");
  if (v instanceof Markup) return new Markup(Array.from(v.s).reverse().join(""));
  try {
    return iterate(v).slice().reverse();
  } catch (e) {
    if (e instanceof PyError && e.kind === "TypeError") {
      throw new PyError("FilterArgumentError", "argument must be iterable");
    }
    throw e;
  }
}

function filterAttr(v: unknown, a: unknown[]): unknown {
  const name = a[0];
  if (typeof name !== "string") throw new PyError("TypeError", "attribute name must be string");
  return getattr(v, name, null);
}

export const FILTERS: Map<string, FilterFn> = new Map<string, FilterFn>([
  ["default", filterDefault],
  ["d", filterDefault],
  ["replace", filterReplace],
  ["lower", filterLower],
  ["upper", filterUpper],
  ["capitalize", filterCapitalize],
  ["title", filterTitle],
  ["int", filterInt],
  ["float", filterFloat],
  ["string", filterString],
  ["tojson", filterTojson],
  ["dictsort", filterDictsort],
  ["sort", filterSort],
  ["join", filterJoin],
  ["length", filterLength],
  ["count", filterLength],
  ["trim", filterTrim],
  ["indent", filterIndent],
  ["first", filterFirst],
  ["last", filterLast],
  ["list", filterList],
  ["map", filterMap],
  ["select", filterSelect],
  ["reject", filterReject],
  ["selectattr", filterSelectattr],
  ["rejectattr", filterRejectattr],
  ["unique", filterUnique],
  ["groupby", filterGroupby],
  ["urlencode", filterUrlencode],
  ["filesizeformat", filterFilesizeformat],
  ["min", filterMin],
  ["max", filterMax],
  ["sum", filterSum],
  ["abs", filterAbs],
  ["round", filterRound],
  ["batch", filterBatch],
  ["slice", filterSlice],
  ["truncate", filterTruncate],
  ["wordcount", filterWordcount],
  ["center", filterCenter],
  ["format", filterFormat],
  ["safe", filterSafe],
  ["escape", filterEscape],
  ["e", filterEscape],
  ["forceescape", filterForceescape],
  ["items", filterItems],
  ["reverse", filterReverse],
  ["attr", filterAttr],
]);
