// Attribute and item access with jinja's SandboxedEnvironment rules (getattr falls back to getitem and back),
// calls, and the str / dict / list methods templates use.
import { distance } from "fastest-levenshtein";
import { PyError } from "./errors.js";
import type { Pos } from "./errors.js";
import { strFormat } from "./format.js";
import { isPySpace } from "./lexer.js";
import {
  GROUP,
  Markup,
  NOATTR,
  Namespace,
  PyFunc,
  PyObj,
  PyObject,
  Undefined,
  contains,
  hashKey,
  isIntLike,
  isStr,
  isTuple,
  iterate,
  pyEq,
  pyRepr,
  sortCmp,
  strLen,
  strOf,
  tuple,
  typeName,
  view,
} from "./values.js";
import type { Kwargs } from "./values.js";

/** Where an access happens: the node, and the text of the object expression for messages. */
export interface Site {
  readonly pos: Pos;
  readonly objText: string;
}

// Attributes every Python object has: reaching them is the sandbox escape jinja refuses.
const DUNDERS = new Set(
  "__class__ __doc__ __init__ __dict__ __module__ __len__ __getitem__ __str__ __repr__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ __hash__ __dir__ __reduce__ __reduce_ex__ __subclasshook__ __new__ __getattribute__ __setattr__ __delattr__ __format__ __sizeof__ __init_subclass__ __globals__ __builtins__ __code__ __subclasses__ __mro__ __base__ __bases__ __self__ __func__ __call__ __contains__ __iter__ __add__ __mul__".split(
    " ",
  ),
);

type Method<T> = (self: T, args: unknown[], kw: Kwargs) => unknown;
const REQUIRED = Symbol("required");

/** Binds positional and keyword arguments to parameter names, as a Python call would. */
export function bindArgs(
  fname: string,
  args: unknown[],
  kw: Kwargs,
  params: Array<[string, unknown]>,
): unknown[] {
  if (!kw && args.length === params.length) return args;
  if (args.length > params.length) {
    throw new PyError(
      "TypeError",
      `${fname}() takes at most ${params.length} arguments (${args.length} given)`,
    );
  }
  const out = params.map(([, d], i) => (i < args.length ? args[i] : d));
  if (kw) {
    for (const [k, v] of kw) {
      const i = params.findIndex(([n]) => n === k);
      if (i < 0) throw new PyError("TypeError", `${fname}() got an unexpected keyword argument '${k}'`);
      if (i < args.length)
        throw new PyError("TypeError", `${fname}() got multiple values for argument '${k}'`);
      out[i] = v;
    }
  }
  out.forEach((v, i) => {
    if (v === REQUIRED)
      throw new PyError("TypeError", `${fname}() missing required argument: '${params[i]![0]}'`);
  });
  return out;
}

function needStr(fname: string, v: unknown): string {
  if (isStr(v)) return strOf(v);
  if (v instanceof Undefined) return v.fail();
  throw new PyError("TypeError", `${fname}() argument must be str, not ${typeName(v)}`);
}

function needInt(fname: string, v: unknown): number {
  if (isIntLike(v)) return +v;
  if (v instanceof Undefined) return v.fail();
  throw new PyError("TypeError", `'${typeName(v)}' object cannot be interpreted as an integer (${fname})`);
}

export function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === null || chars === undefined ? null : needStr("strip", chars);
  const isStrip = (c: string) => (set === null ? isPySpace(c.charCodeAt(0)) : set.includes(c));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && isStrip(s[a]!)) a++;
  if (right) while (b > a && isStrip(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function splitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isPySpace(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length === maxsplit) {
      out.push(s.slice(i));
      break;
    }
    let j = i;
    while (j < n && !isPySpace(s.charCodeAt(j))) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

export function pySplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (sep === null) return splitWhitespace(s, maxsplit);
  const p = needStr("split", sep);
  if (p === "") throw new PyError("ValueError", "empty separator");
  const parts = s.split(p);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(p)];
}

function pyRsplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (maxsplit < 0) return pySplit(s, sep, -1);
  if (sep === null) {
    const rev = splitWhitespace(Array.from(s).reverse().join(""), maxsplit);
    return rev.map((x) => Array.from(x).reverse().join("")).reverse();
  }
  const p = needStr("rsplit", sep);
  if (p === "") throw new PyError("ValueError", "empty separator");
  const parts = s.split(p);
  if (parts.length <= maxsplit + 1) return parts;
  const keep = parts.length - maxsplit;
  return [parts.slice(0, keep).join(p), ...parts.slice(keep)];
}

export function pyReplace(s: string, old: string, repl: string, count: number): string {
  if (count < 0) count = Infinity;
  if (old === "") {
    const chars = Array.from(s);
    let out = "";
    let n = 0;
    for (const c of chars) {
      if (n < count) {
        out += repl;
        n++;
      }
      out += c;
    }
    if (n < count) out += repl;
    return out;
  }
  if (count === Infinity) return s.split(old).join(repl);
  let out = "";
  let i = 0;
  let n = 0;
  while (n < count) {
    const j = s.indexOf(old, i);
    if (j < 0) break;
    out += s.slice(i, j) + repl;
    i = j + old.length;
    n++;
  }
  return out + s.slice(i);
}

// Characters whose titlecase differs from their uppercase (Python's str.title/capitalize use titlecase).
const TITLECASE: Record<string, string> = {
  ß: "Ss",
  ﬀ: "Ff",
  ﬁ: "Fi",
  ﬂ: "Fl",
  ﬃ: "Ffi",
  ﬄ: "Ffl",
  ﬅ: "St",
  ﬆ: "St",
  Ǆ: "ǅ",
  ǅ: "ǅ",
  ǆ: "ǅ",
  Ǉ: "ǈ",
  ǈ: "ǈ",
  ǉ: "ǈ",
  Ǌ: "ǋ",
  ǋ: "ǋ",
  ǌ: "ǋ",
  Ǳ: "ǲ",
  ǲ: "ǲ",
  ǳ: "ǲ",
};

function toTitle(c: string): string {
  return TITLECASE[c] ?? c.toUpperCase();
}

function isCased(c: string): boolean {
  return c.toLowerCase() !== c.toUpperCase();
}

export function pyTitle(s: string): string {
  let out = "";
  let prev = false;
  for (const c of s) {
    const r = prev ? c.toLowerCase() : toTitle(c);
    out += r;
    prev = isCased(r);
  }
  return out;
}

export function pyCapitalize(s: string): string {
  const chars = Array.from(s);
  if (!chars.length) return "";
  return toTitle(chars[0]!) + chars.slice(1).join("").toLowerCase();
}

export function pyCenter(s: string, width: number, fill = " "): string {
  const marg = width - strLen(s);
  if (marg <= 0) return s;
  const left = (marg >> 1) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

// eslint-disable-next-line no-control-regex -- Python treats these control characters specially
const SPLITLINES = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
export function pySplitlines(s: string, keepends = false): string[] {
  const out: string[] = [];
  let last = 0;
  let m: RegExpExecArray | null;
  SPLITLINES.lastIndex = 0;
  while ((m = SPLITLINES.exec(s))) {
    out.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function affix(fname: string, s: string, arg: unknown, test: (s: string, p: string) => boolean): boolean {
  if (isTuple(arg)) return arg.some((p) => test(s, needStr(fname, p)));
  return test(s, needStr(fname, arg));
}

function sliceRange(s: string, start: unknown, end: unknown): [number, number] {
  const n = s.length;
  const norm = (v: unknown, d: number) => {
    if (v === null || v === undefined) return d;
    let k = needInt("slice", v);
    if (k < 0) k = Math.max(0, k + n);
    return Math.min(k, n);
  };
  return [norm(start, 0), norm(end, n)];
}

const STR_METHODS = new Map<string, Method<string>>([
  ["lower", (s) => s.toLowerCase()],
  ["upper", (s) => s.toUpperCase()],
  ["casefold", (s) => s.toLowerCase()],
  [
    "swapcase",
    (s) => Array.from(s, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(""),
  ],
  ["title", (s) => pyTitle(s)],
  ["capitalize", (s) => pyCapitalize(s)],
  ["strip", (s, a, k) => pyStrip(s, bindArgs("strip", a, k, [["chars", null]])[0], true, true)],
  ["lstrip", (s, a, k) => pyStrip(s, bindArgs("lstrip", a, k, [["chars", null]])[0], true, false)],
  ["rstrip", (s, a, k) => pyStrip(s, bindArgs("rstrip", a, k, [["chars", null]])[0], false, true)],
  [
    "replace",
    (s, a, k) => {
      const [o, n, c] = bindArgs("replace", a, k, [
        ["old", REQUIRED],
        ["new", REQUIRED],
        ["count", -1],
      ]);
      return pyReplace(s, needStr("replace", o), needStr("replace", n), needInt("replace", c));
    },
  ],
  [
    "split",
    (s, a, k) => {
      const [sep, m] = bindArgs("split", a, k, [
        ["sep", null],
        ["maxsplit", -1],
      ]);
      return pySplit(s, sep, needInt("split", m));
    },
  ],
  [
    "rsplit",
    (s, a, k) => {
      const [sep, m] = bindArgs("rsplit", a, k, [
        ["sep", null],
        ["maxsplit", -1],
      ]);
      return pyRsplit(s, sep, needInt("rsplit", m));
    },
  ],
  [
    "splitlines",
    (s, a, k) => pySplitlines(s, Boolean(bindArgs("splitlines", a, k, [["keepends", false]])[0])),
  ],
  [
    "startswith",
    (s, a, k) => {
      const [p, st, en] = bindArgs("startswith", a, k, [
        ["prefix", REQUIRED],
        ["start", null],
        ["end", null],
      ]);
      const [x, y] = sliceRange(s, st, en);
      return affix("startswith", s.slice(x, y), p, (t, q) => t.startsWith(q));
    },
  ],
  [
    "endswith",
    (s, a, k) => {
      const [p, st, en] = bindArgs("endswith", a, k, [
        ["suffix", REQUIRED],
        ["start", null],
        ["end", null],
      ]);
      const [x, y] = sliceRange(s, st, en);
      return affix("endswith", s.slice(x, y), p, (t, q) => t.endsWith(q));
    },
  ],
  [
    "format",
    (s, a, k) =>
      strFormat(
        s,
        a,
        k,
        (o, n) => getattr(o, n, null),
        (o, key) => getitem(o, key, null),
      ),
  ],
  [
    "count",
    (s, a, k) => {
      const [sub, st, en] = bindArgs("count", a, k, [
        ["sub", REQUIRED],
        ["start", null],
        ["end", null],
      ]);
      const [x, y] = sliceRange(s, st, en);
      const t = s.slice(x, y);
      const p = needStr("count", sub);
      if (p === "") return strLen(t) + 1;
      return t.split(p).length - 1;
    },
  ],
  ["find", (s, a, k) => findIn(s, a, k, "find", false)],
  ["rfind", (s, a, k) => findIn(s, a, k, "rfind", true)],
  ["index", (s, a, k) => mustFind(findIn(s, a, k, "index", false))],
  ["rindex", (s, a, k) => mustFind(findIn(s, a, k, "rindex", true))],
  [
    "join",
    (s, a, k) => {
      const [it] = bindArgs("join", a, k, [["iterable", REQUIRED]]);
      return iterate(it)
        .map((x, i) => {
          if (isStr(x)) return strOf(x);
          throw new PyError("TypeError", `sequence item ${i}: expected str instance, ${typeName(x)} found`);
        })
        .join(s);
    },
  ],
  ["isdigit", (s) => /^\p{Nd}+$/u.test(s)],
  ["isdecimal", (s) => /^\p{Nd}+$/u.test(s)],
  ["isnumeric", (s) => /^\p{N}+$/u.test(s)],
  ["isalpha", (s) => /^\p{L}+$/u.test(s)],
  ["isalnum", (s) => /^[\p{L}\p{N}]+$/u.test(s)],
  ["isspace", (s) => s.length > 0 && Array.from(s).every((c) => isPySpace(c.charCodeAt(0)))],
  ["islower", (s) => isCasedStr(s) && s === s.toLowerCase()],
  ["isupper", (s) => isCasedStr(s) && s === s.toUpperCase()],
  ["istitle", (s) => isCasedStr(s) && s === pyTitle(s)],
  [
    "zfill",
    (s, a, k) => {
      const w = needInt("zfill", bindArgs("zfill", a, k, [["width", REQUIRED]])[0]);
      const sign = s[0] === "-" || s[0] === "+" ? s[0] : "";
      const body = s.slice(sign.length);
      const pad = w - strLen(s);
      return pad > 0 ? sign + "0".repeat(pad) + body : s;
    },
  ],
  ["ljust", (s, a, k) => justify("ljust", s, a, k, (f, n) => s + f.repeat(n))],
  ["rjust", (s, a, k) => justify("rjust", s, a, k, (f, n) => f.repeat(n) + s)],
  [
    "center",
    (s, a, k) => {
      const [w, f] = bindArgs("center", a, k, [
        ["width", REQUIRED],
        ["fillchar", " "],
      ]);
      return pyCenter(s, needInt("center", w), needStr("center", f));
    },
  ],
  ["partition", (s, a, k) => partition(s, a, k, false)],
  ["rpartition", (s, a, k) => partition(s, a, k, true)],
  [
    "removeprefix",
    (s, a) => {
      const p = needStr("removeprefix", a[0]);
      return p && s.startsWith(p) ? s.slice(p.length) : s;
    },
  ],
  [
    "removesuffix",
    (s, a) => {
      const p = needStr("removesuffix", a[0]);
      return p && s.endsWith(p) ? s.slice(0, -p.length) : s;
    },
  ],
]);

function isCasedStr(s: string): boolean {
  return Array.from(s).some(isCased);
}

function justify(
  name: string,
  s: string,
  a: unknown[],
  k: Kwargs,
  f: (fill: string, n: number) => string,
): string {
  const [w, fill] = bindArgs(name, a, k, [
    ["width", REQUIRED],
    ["fillchar", " "],
  ]);
  const n = needInt(name, w) - strLen(s);
  return n > 0 ? f(needStr(name, fill), n) : s;
}

function partition(s: string, a: unknown[], k: Kwargs, right: boolean): unknown[] {
  const sep = needStr("partition", bindArgs("partition", a, k, [["sep", REQUIRED]])[0]);
  if (sep === "") throw new PyError("ValueError", "empty separator");
  const i = right ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) return tuple(right ? ["", "", s] : [s, "", ""]);
  return tuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
}

function findIn(s: string, a: unknown[], k: Kwargs, name: string, right: boolean): number {
  const [sub, st, en] = bindArgs(name, a, k, [
    ["sub", REQUIRED],
    ["start", null],
    ["end", null],
  ]);
  const [x, y] = sliceRange(s, st, en);
  const t = s.slice(x, y);
  const p = needStr(name, sub);
  const i = right ? t.lastIndexOf(p) : t.indexOf(p);
  return i < 0 ? -1 : i + x;
}

function mustFind(i: number): number {
  if (i < 0) throw new PyError("ValueError", "substring not found");
  return i;
}

const GET_PARAMS: Array<[string, unknown]> = [
  ["key", REQUIRED],
  ["default", null],
];

const DICT_METHODS = new Map<string, Method<Map<unknown, unknown>>>([
  [
    "get",
    (d, a, k) => {
      const [key, def] = !k && a.length === 1 ? [a[0], null] : bindArgs("get", a, k, GET_PARAMS);
      const v = d.get(typeof key === "string" ? key : hashKey(key));
      return v === undefined ? def : v;
    },
  ],
  [
    "items",
    (d) =>
      view(
        [...d].map((e) => tuple([e[0], e[1]])),
        "dict_items",
      ),
  ],
  ["keys", (d) => view([...d.keys()], "dict_keys")],
  ["values", (d) => view([...d.values()], "dict_values")],
  ["copy", (d) => new Map(d)],
  [
    "update",
    (d, a, k) => {
      if (a.length > 1) throw new PyError("TypeError", `update expected at most 1 argument, got ${a.length}`);
      if (a.length) {
        const src = a[0];
        if (src instanceof Map) for (const [x, y] of src) d.set(x, y);
        else
          for (const pair of iterate(src)) {
            const kv = iterate(pair);
            if (kv.length !== 2)
              throw new PyError("ValueError", "dictionary update sequence element has wrong length");
            d.set(hashKey(kv[0]), kv[1]);
          }
      }
      if (k) for (const [x, y] of k) d.set(x, y);
      return null;
    },
  ],
  [
    "pop",
    (d, a) => {
      const h = hashKey(a[0]);
      if (d.has(h)) {
        const v = d.get(h);
        d.delete(h);
        return v;
      }
      if (a.length > 1) return a[1];
      throw new PyError("KeyError", pyRepr(a[0]));
    },
  ],
  [
    "setdefault",
    (d, a, k) => {
      const [key, def] = bindArgs("setdefault", a, k, [
        ["key", REQUIRED],
        ["default", null],
      ]);
      const h = hashKey(key);
      if (!d.has(h)) d.set(h, def);
      return d.get(h);
    },
  ],
  [
    "clear",
    (d) => {
      d.clear();
      return null;
    },
  ],
]);

function listIndex(l: unknown[], a: unknown[]): number {
  for (let i = 0; i < l.length; i++) if (pyEq(l[i], a[0])) return i;
  throw new PyError("ValueError", `${pyRepr(a[0])} is not in ${isTuple(l) ? "tuple" : "list"}`);
}

const TUPLE_METHODS = new Map<string, Method<unknown[]>>([
  ["index", (l, a) => listIndex(l, a)],
  ["count", (l, a) => l.filter((x) => pyEq(x, a[0])).length],
]);

const LIST_METHODS = new Map<string, Method<unknown[]>>([
  ...TUPLE_METHODS,
  [
    "append",
    (l, a) => {
      l.push(a[0]);
      return null;
    },
  ],
  [
    "extend",
    (l, a) => {
      l.push(...iterate(a[0]));
      return null;
    },
  ],
  [
    "insert",
    (l, a) => {
      let i = needInt("insert", a[0]);
      if (i < 0) i = Math.max(0, i + l.length);
      l.splice(Math.min(i, l.length), 0, a[1]);
      return null;
    },
  ],
  [
    "pop",
    (l, a) => {
      if (!l.length) throw new PyError("IndexError", "pop from empty list");
      let i = a.length ? needInt("pop", a[0]) : -1;
      if (i < 0) i += l.length;
      if (i < 0 || i >= l.length) throw new PyError("IndexError", "pop index out of range");
      return l.splice(i, 1)[0];
    },
  ],
  [
    "remove",
    (l, a) => {
      const i = l.findIndex((x) => pyEq(x, a[0]));
      if (i < 0) throw new PyError("ValueError", "list.remove(x): x not in list");
      l.splice(i, 1);
      return null;
    },
  ],
  ["copy", (l) => l.slice()],
  [
    "reverse",
    (l) => {
      l.reverse();
      return null;
    },
  ],
  [
    "sort",
    (l, a, k) => {
      const [rev] = bindArgs("sort", a, k, [["reverse", false]]);
      l.sort(rev ? (x, y) => sortCmp(y, x) : sortCmp);
      return null;
    },
  ],
  [
    "clear",
    (l) => {
      l.length = 0;
      return null;
    },
  ],
]);

function methodTable(obj: unknown): Map<string, Method<never>> | null {
  if (typeof obj === "string") return STR_METHODS as Map<string, Method<never>>;
  if (obj instanceof Map) return DICT_METHODS as Map<string, Method<never>>;
  if (Array.isArray(obj)) return (isTuple(obj) ? TUPLE_METHODS : LIST_METHODS) as Map<string, Method<never>>;
  return null;
}

export const NO_METHOD: unique symbol = Symbol("no-method");

/** Calls obj.name(...) when obj is a str, dict or list with that method, without binding it first. */
export function callMethod(obj: unknown, name: string, args: unknown[], kw: Kwargs): unknown {
  const self = obj instanceof Markup ? obj.s : obj;
  const m = methodTable(self)?.get(name);
  if (!m) return NO_METHOD;
  return (m as Method<unknown>)(self, args, kw);
}

function boundMethod(obj: unknown, name: string): PyFunc | null {
  const self = obj instanceof Markup ? obj.s : obj;
  const m = methodTable(self)?.get(name);
  return m ? new PyFunc(name, (a, k) => (m as Method<unknown>)(self, a, k)) : null;
}

function describeObj(site: Site | null): string {
  return site ? `'${site.objText}'` : "object";
}

function missingAttr(
  obj: unknown,
  name: unknown,
  site: Site | null,
  hintKeys?: Iterable<unknown>,
): Undefined {
  let msg: string;
  const what = describeObj(site);
  if (obj instanceof Map) {
    msg = typeof name === "string" ? `${what} has no key '${name}'` : `${what} has no key ${pyRepr(name)}`;
  } else if (obj === null) {
    msg = `${what} is None, so it has no attribute or key ${pyRepr(name)}`;
  } else if (Array.isArray(obj) && typeof name === "number") {
    msg = `${what} (a ${typeName(obj)} of ${obj.length}) has no element ${name}`;
  } else {
    msg = `${what} (${typeName(obj)} object) has no attribute ${pyRepr(name)}`;
  }
  // the key list is taken now (the dict may change later); the distance search waits until it is needed
  const keys =
    hintKeys && typeof name === "string"
      ? [...hintKeys].filter((k): k is string => typeof k === "string")
      : null;
  const hint = keys
    ? () => {
        const near = closest(name as string, keys);
        return near ? `did you mean '${near}'?` : undefined;
      }
    : undefined;
  return new Undefined(msg, site?.pos, "UndefinedError", hint);
}

/** The nearest candidate within a small edit distance, for did-you-mean hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function unsafe(obj: unknown, name: string, site: Site | null): Undefined {
  return new Undefined(
    `access to attribute '${name}' of '${typeName(obj)}' object is unsafe.`,
    site?.pos,
    "SecurityError",
  );
}

/** Plain attribute lookup; NOATTR when the object has no such attribute (then jinja tries obj[name]). */
function rawGetattr(obj: unknown, name: string): unknown {
  if (obj instanceof PyObj) {
    const v = obj.attrs.get(name);
    if (v !== undefined) return v;
    return obj.missing ? obj.missing(name) : NOATTR;
  }
  if (obj instanceof PyObject) return obj.pyGetattr(name);
  if (obj instanceof Namespace) return obj.attrs.has(name) ? obj.attrs.get(name) : NOATTR;
  if (Array.isArray(obj) && (obj as unknown[] & { [GROUP]?: boolean })[GROUP]) {
    if (name === "grouper") return obj[0];
    if (name === "list") return obj[1];
  }
  return boundMethod(obj, name) ?? NOATTR;
}

function rawGetitem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Map) {
    const h = hashKey(key);
    return obj.has(h) ? obj.get(h) : NOATTR;
  }
  if (Array.isArray(obj) || typeof obj === "string" || obj instanceof Markup) {
    const seq = obj instanceof Markup ? obj.s : obj;
    if (Array.isArray(key) || (key !== null && typeof key === "object" && "slice" in (key as object)))
      return NOATTR;
    if (!isIntLike(key)) {
      if (key instanceof Undefined) return key.fail();
      return NOATTR;
    }
    let i = +key;
    const arr = typeof seq === "string" ? Array.from(seq) : seq;
    if (i < 0) i += arr.length;
    return i >= 0 && i < arr.length ? arr[i] : NOATTR;
  }
  return NOATTR;
}

export function getattr(obj: unknown, name: string, site: Site | null): unknown {
  if (obj instanceof Undefined) return obj.fail();
  if (name.startsWith("_")) {
    if (DUNDERS.has(name)) return unsafe(obj, name, site);
  } else {
    const v = rawGetattr(obj, name);
    if (v !== NOATTR) return v;
  }
  const item = rawGetitem(obj, name);
  if (item !== NOATTR) return item;
  return missingAttr(
    obj,
    name,
    site,
    obj instanceof Map ? obj.keys() : obj instanceof PyObj ? obj.attrs.keys() : undefined,
  );
}

export function getitem(obj: unknown, key: unknown, site: Site | null): unknown {
  if (obj instanceof Undefined) return obj.fail();
  if (key instanceof SliceVal) return sliceOf(obj, key);
  const item = rawGetitem(obj, key);
  if (item !== NOATTR) return item;
  if (typeof key === "string") {
    if (DUNDERS.has(key)) return unsafe(obj, key, site);
    if (!key.startsWith("_")) {
      const v = rawGetattr(obj, key);
      if (v !== NOATTR) return v;
    }
  }
  if (key instanceof Undefined) return key.fail();
  return missingAttr(obj, key, site, obj instanceof Map ? obj.keys() : undefined);
}

/** A Python slice object, from `x[a:b:c]`. */
export class SliceVal {
  constructor(
    readonly start: unknown,
    readonly stop: unknown,
    readonly step: unknown,
  ) {}
}

/** `x[a:b:c]` compiles to a native Python subscript in jinja: no getattr fallback, errors are TypeErrors. */
function sliceOf(obj: unknown, s: SliceVal): unknown {
  const isS = typeof obj === "string" || obj instanceof Markup;
  if (!isS && !Array.isArray(obj)) {
    if (obj instanceof Undefined) return obj.fail();
    if (obj instanceof Map) throw new PyError("TypeError", "unhashable type: 'slice'");
    throw new PyError("TypeError", `'${typeName(obj)}' object is not subscriptable`);
  }
  const arr: unknown[] = isS ? Array.from(strOf(obj as string)) : (obj as unknown[]);
  const n = arr.length;
  const step = s.step === null ? 1 : needInt("slice", s.step);
  if (step === 0) throw new PyError("ValueError", "slice step cannot be zero");
  const clamp = (v: unknown, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    let k = needInt("slice", v);
    if (k < 0) k += n;
    return Math.min(Math.max(k, lo), hi);
  };
  const out: unknown[] = [];
  if (step > 0) {
    const a = clamp(s.start, 0, 0, n);
    const b = clamp(s.stop, n, 0, n);
    for (let i = a; i < b; i += step) out.push(arr[i]);
  } else {
    const a = clamp(s.start, n - 1, -1, n - 1);
    const b = clamp(s.stop, -1, -1, n - 1);
    for (let i = a; i > b; i += step) out.push(arr[i]);
  }
  if (isS) return out.join("");
  return isTuple(obj) ? tuple(out) : out;
}

export function callValue(f: unknown, args: unknown[], kw: Kwargs): unknown {
  if (f instanceof PyFunc) return f.fn(args, kw);
  if (f instanceof PyObject && f.pyCall) return f.pyCall(args, kw);
  if (f instanceof Undefined) return f.fail();
  throw new PyError("TypeError", `'${typeName(f)}' object is not callable`);
}

export { contains };
