// Python value semantics on JS values. Representation:
//   str -> string, int -> integral number, float -> non-integral number or PyFloat (integral floats such as
//   2.0 must print "2.0"), bool -> boolean, None -> null, list -> array, tuple -> array marked TUPLE,
//   dict -> Map (keeps insertion order even for integer-like keys), jinja's StrictUndefined -> Undefined.
import { PyFloat } from "../pyjson.js";
import { PyError } from "./errors.js";
import type { Pos } from "./errors.js";

// One float wrapper for the whole program: the payload builds it, the engine renders it.
export { PyFloat };

/** markupsafe.Markup: a str that escapes what is concatenated to it. */
export class Markup {
  constructor(readonly s: string) {}
}

/** jinja2.StrictUndefined: any use other than `is defined`, `default` and the like raises. */
export class Undefined {
  constructor(
    readonly message: string,
    readonly pos: Pos | undefined,
    readonly kind = "UndefinedError",
    /** A hint, or a function computing it: `is defined` checks make many Undefineds that never fail. */
    readonly hint?: string | (() => string | undefined),
    /** jinja's plain Undefined (an inline if without else): prints as "", is falsy and empty. */
    readonly lenient = false,
  ) {}
  fail(): never {
    const hint = typeof this.hint === "function" ? this.hint() : this.hint;
    throw new PyError(this.kind, this.message, this.pos, hint);
  }
}

export type Kwargs = Map<string, unknown> | null;
/** A Python callable: builtin function, bound method, Airflow helper. */
export class PyFunc {
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], kwargs: Kwargs) => unknown,
    /** For a bound method, the object it is bound to. */
    readonly self?: unknown,
  ) {}
}

/** A Python object with attributes only (Airflow's DagRun, DAG, task, var accessors...). */
export class PyObj {
  constructor(
    readonly typeName: string,
    readonly attrs: Map<string, unknown>,
    readonly missing?: (name: string) => unknown,
    readonly str?: () => string,
  ) {}
}

/** jinja2.utils.Namespace, the only object whose attributes `set` may assign. */
export class Namespace {
  constructor(readonly attrs: Map<string, unknown>) {}
}

export const TUPLE: unique symbol = Symbol("tuple");
export const VIEW: unique symbol = Symbol("view");
type Marked = unknown[] & { [TUPLE]?: boolean; [VIEW]?: string };

export const GROUP: unique symbol = Symbol("group");
/** jinja's _GroupTuple: a (grouper, list) tuple whose items are also the attributes `grouper` and `list`. */
export function groupTuple(grouper: unknown, list: unknown[]): unknown[] {
  const t = tuple([grouper, list]);
  (t as unknown[] & { [GROUP]?: boolean })[GROUP] = true;
  return t;
}

export function tuple<T extends unknown[]>(items: T): T {
  (items as Marked)[TUPLE] = true;
  return items;
}
export function isTuple(v: unknown): v is unknown[] {
  return Array.isArray(v) && (v as Marked)[TUPLE] === true;
}
/** An array that prints like a dict view or range object (`dict_items([...])`, `range(0, 3)`). */
export function view<T extends unknown[]>(items: T, kind: string): T {
  (items as Marked)[VIEW] = kind;
  return items;
}

/** The arguments of a range() result, which prints as `range(0, 3)`. */
export const rangeArgs = new WeakMap<unknown[], [number, number, number]>();

/** Objects with Python attributes and calls of their own (loop, macros, caller). */
export abstract class PyObject {
  abstract pyGetattr(name: string): unknown;
  pyCall?(args: unknown[], kwargs: Kwargs): unknown;
  abstract pyRepr(): string;
}
/** Returned by pyGetattr when the attribute does not exist. */
export const NOATTR: unique symbol = Symbol("noattr");

export function mkFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}
export function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}
export function isIntLike(v: unknown): v is number | boolean {
  return typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));
}
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}
export function isNumLike(v: unknown): v is number | boolean | PyFloat {
  return typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat;
}
export function isStr(v: unknown): v is string | Markup {
  return typeof v === "string" || v instanceof Markup;
}
export function num(v: number | boolean | PyFloat): number {
  return typeof v === "number" ? v : typeof v === "boolean" ? +v : v.v;
}
export function strOf(v: string | Markup): string {
  return typeof v === "string" ? v : v.s;
}

/** Python's type(v).__name__. */
export function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  switch (typeof v) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "undefined":
      return "NoneType";
  }
  if (v instanceof PyFloat) return "float";
  if (Array.isArray(v)) return isTuple(v) ? "tuple" : ((v as Marked)[VIEW] ?? "list");
  if (v instanceof Map) return "dict";
  if (v instanceof Markup) return "Markup";
  if (v instanceof Undefined) return "StrictUndefined";
  if (v instanceof PyObj) return v.typeName;
  if (v instanceof Namespace) return "Namespace";
  if (v instanceof PyFunc) return "builtin_function_or_method";
  return (v as object).constructor?.name ?? "object";
}

export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expS] = x.toExponential().split("e") as [string, string];
  const exp = Number(expS);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const sign = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1) || "0";
    return `${sign}${intPart}.${frac}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

const NONPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const SIMPLE_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

export function strRepr(s: string): string {
  if (SIMPLE_ASCII.test(s)) return `'${s}'`;
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c < 0x7f || ch === " ") out += ch;
    else if (NONPRINTABLE.test(ch)) {
      if (c < 0x100) out += "\\x" + c.toString(16).padStart(2, "0");
      else if (c < 0x10000) out += "\\u" + c.toString(16).padStart(4, "0");
      else out += "\\U" + c.toString(16).padStart(8, "0");
    } else out += ch;
  }
  return out + q;
}

/** Python's str(v). */
export function pyStr(v: unknown): string {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return Number.isInteger(v) ? String(v) : floatRepr(v);
    case "boolean":
      return v ? "True" : "False";
    case "undefined":
      return "None";
  }
  if (v === null) return "None";
  if (v instanceof Markup) return v.s;
  if (v instanceof Undefined) return v.lenient ? "" : v.fail();
  if (v instanceof PyObj && v.str) return v.str();
  return pyRepr(v);
}

/** Python's repr(v). */
export function pyRepr(v: unknown): string {
  switch (typeof v) {
    case "string":
      return strRepr(v);
    case "number":
      return Number.isInteger(v) ? String(v) : floatRepr(v);
    case "boolean":
      return v ? "True" : "False";
    case "undefined":
      return "None";
  }
  if (v === null) return "None";
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (Array.isArray(v)) {
    const kind = (v as Marked)[VIEW];
    const ra = rangeArgs.get(v);
    if (ra) return ra[2] === 1 ? `range(${ra[0]}, ${ra[1]})` : `range(${ra[0]}, ${ra[1]}, ${ra[2]})`;
    const inner = v.map(pyRepr).join(", ");
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    if (kind) return `${kind}([${inner}])`;
    return `[${inner}]`;
  }
  if (v instanceof Map) {
    if (v.size === 0) return "{}";
    let out = "{";
    let first = true;
    for (const [k, val] of v) {
      out += (first ? "" : ", ") + pyRepr(k) + ": " + pyRepr(val);
      first = false;
    }
    return out + "}";
  }
  if (v instanceof Markup) return `Markup(${strRepr(v.s)})`;
  if (v instanceof Undefined) return "Undefined";
  if (v instanceof Namespace) return `<Namespace ${pyRepr(v.attrs)}>`;
  if (v instanceof PyFunc) return `<built-in method ${v.name}>`;
  if (v instanceof PyObj) return v.str ? v.str() : `<${v.typeName}>`;
  if (v instanceof PyObject) return v.pyRepr();
  return `<${typeName(v)} object>`;
}

export function truthy(v: unknown): boolean {
  switch (typeof v) {
    case "boolean":
      return v;
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0;
    case "undefined":
      return false;
  }
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof PyFloat) return v.v !== 0;
  if (v instanceof Markup) return v.s.length > 0;
  if (v instanceof Undefined) return v.lenient ? false : v.fail();
  return true;
}

export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "number" || !Number.isNaN(a);
  // StrictUndefined fails on ==; jinja's plain Undefined (an inline if without else) equals only its kind
  if (a instanceof Undefined) return a.lenient ? b instanceof Undefined && b.lenient : a.fail();
  if (b instanceof Undefined) return b.lenient ? false : b.fail();
  if (isNumLike(a)) return isNumLike(b) && num(a) === num(b);
  if (isStr(a)) return isStr(b) && strOf(a) === strOf(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || isTuple(a) !== isTuple(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const bk = findKey(b, k);
      if (bk === undefined || !pyEq(v, b.get(bk))) return false;
    }
    return true;
  }
  return false;
}

function orderError(op: string, a: unknown, b: unknown): never {
  throw new PyError(
    "TypeError",
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
  );
}

/** Python's rich comparison for <, <=, >, >=. */
export function pyOrder(op: string, a: unknown, b: unknown): boolean {
  if (a instanceof Undefined) return a.fail();
  if (b instanceof Undefined) return b.fail();
  let x: number | string;
  let y: number | string;
  if (isNumLike(a) && isNumLike(b)) {
    x = num(a);
    y = num(b);
  } else if (isStr(a) && isStr(b)) {
    x = strOf(a);
    y = strOf(b);
  } else if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!pyEq(a[i], b[i])) return pyOrder(op, a[i], b[i]);
    x = a.length;
    y = b.length;
  } else return orderError(op, a, b);
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

export function pyCompare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case "==":
      return pyEq(a, b);
    case "!=":
      return !pyEq(a, b);
    case "in":
      return contains(b, a);
    case "notin":
      return !contains(b, a);
    default:
      return pyOrder(op, a, b);
  }
}

/** A comparator with Python's sorted() semantics (only `<` is used, so mixed types raise TypeError). */
export function sortCmp(a: unknown, b: unknown): number {
  return pyOrder("<", a, b) ? -1 : pyOrder("<", b, a) ? 1 : 0;
}

// One PyFloat per integral float value used as a dict key, so that `{2.0: 'a'}` keeps printing its key as 2.0.
const FLOAT_KEYS = new Map<number, PyFloat>();

/** The Map key standing for a Python dict key (an integral float is its interned PyFloat). */
export function hashKey(v: unknown): unknown {
  if (v instanceof PyFloat) {
    // a Map key treats -0 as 0, so interning zeros would print one dict's -0.0 key as another's 0.0:
    // zeros stay themselves and findKey looks for them
    if (v.v === 0) return v;
    let k = FLOAT_KEYS.get(v.v);
    if (!k) FLOAT_KEYS.set(v.v, (k = v));
    return k;
  }
  if (v instanceof Undefined) return v.fail();
  if ((Array.isArray(v) && !isTuple(v)) || v instanceof Map) {
    throw new PyError("TypeError", `unhashable type: '${typeName(v)}'`);
  }
  // a tuple hashes its items, so one holding a list or a dict is unhashable too
  if (Array.isArray(v)) for (const e of v) hashKey(e);
  return v;
}

/**
 * The key a dict already holds that Python finds for hashed key `h` (2, 2.0 and True are one key when they
 * are equal), or undefined.
 */
export function findKey(m: Map<unknown, unknown>, h: unknown): unknown {
  if (m.has(h)) return h;
  // a Markup key is itself (it prints as Markup('...')) and equals the str with its text
  if (h instanceof Markup) {
    if (m.has(h.s)) return h.s;
    for (const k of m.keys()) if (k instanceof Markup && k.s === h.s) return k;
    return undefined;
  }
  if (typeof h === "string") {
    for (const k of m.keys()) if (k instanceof Markup && k.s === h) return k;
    return undefined;
  }
  // tuples are keys by identity in the Map: an equal tuple finds the stored one
  if (isTuple(h)) {
    for (const k of m.keys()) if (isTuple(k) && pyEq(k, h)) return k;
    return undefined;
  }
  let n: number | undefined;
  if (typeof h === "boolean") n = +h;
  else if (typeof h === "number" && Number.isInteger(h)) n = h;
  else if (h instanceof PyFloat) n = h.v;
  if (n === undefined) return undefined;
  const alts: unknown[] = [n, FLOAT_KEYS.get(n)];
  if (n === 0 || n === 1) alts.push(n === 1);
  for (const a of alts) if (a !== undefined && a !== h && m.has(a)) return a;
  if (n === 0) for (const k of m.keys()) if (k instanceof PyFloat && k.v === 0 && k !== h) return k;
  return undefined;
}

/** d[k] for a dict: undefined when Python would raise KeyError. */
export function dictLookup(m: Map<unknown, unknown>, k: unknown): unknown {
  const key = findKey(m, hashKey(k));
  return key === undefined ? undefined : m.get(key);
}

/** d[k] = v: an equal key already there keeps its place and its own spelling, as in Python. */
export function dictStore(m: Map<unknown, unknown>, k: unknown, v: unknown): void {
  const h = hashKey(k);
  m.set(findKey(m, h) ?? h, v);
}

export function contains(container: unknown, item: unknown): boolean {
  if (container instanceof Undefined) return container.fail();
  if (isStr(container)) {
    if (!isStr(item)) {
      throw new PyError("TypeError", `'in <string>' requires string as left operand, not ${typeName(item)}`);
    }
    return strOf(container).includes(strOf(item));
  }
  if (Array.isArray(container)) {
    for (const x of container) if (pyEq(x, item)) return true;
    return false;
  }
  if (container instanceof Map) return findKey(container, hashKey(item)) !== undefined;
  throw new PyError("TypeError", `argument of type '${typeName(container)}' is not iterable`);
}

export function iterate(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.keys()];
  if (typeof v === "string") return Array.from(v);
  if (v instanceof Markup) return Array.from(v.s);
  if (v instanceof Undefined) return v.lenient ? [] : v.fail();
  throw new PyError("TypeError", `'${typeName(v)}' object is not iterable`);
}

export function strLen(s: string): number {
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s).length : s.length;
}

export function pyLen(v: unknown): number {
  if (typeof v === "string") return strLen(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof Markup) return strLen(v.s);
  if (v instanceof Undefined) return v.lenient ? 0 : v.fail();
  throw new PyError("TypeError", `object of type '${typeName(v)}' has no len()`);
}

function opError(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  const c = complexOp(op, a, b);
  if (c) return c;
  if (op === "+" && isStr(a))
    throw new PyError("TypeError", `can only concatenate str (not "${typeName(b)}") to str`);
  throw new PyError(
    "TypeError",
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
  );
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&#34;",
  "'": "&#39;",
};
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
/** markupsafe.escape(): Markup stays as is, everything else is str()-ed and escaped. */
export function escapeValue(v: unknown): Markup {
  return v instanceof Markup ? v : new Markup(escapeHtml(pyStr(v)));
}

export function pyAdd(a: unknown, b: unknown): unknown {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    return Number.isInteger(a) && Number.isInteger(b) ? r : mkFloat(r);
  }
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (isNumLike(a) && isNumLike(b)) {
    const r = num(a) + num(b);
    return isIntLike(a) && isIntLike(b) ? r : mkFloat(r);
  }
  if (a instanceof Markup && isStr(b)) return new Markup(a.s + escapeValue(b).s);
  if (typeof a === "string" && b instanceof Markup) return new Markup(escapeHtml(a) + b.s);
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b) && !(a as Marked)[VIEW]) {
    const r = a.concat(b);
    return isTuple(a) ? tuple(r) : r;
  }
  return opError("+", a, b);
}

export function pySub(a: unknown, b: unknown): unknown {
  if (isNumLike(a) && isNumLike(b)) {
    const r = num(a) - num(b);
    return isIntLike(a) && isIntLike(b) ? r : mkFloat(r);
  }
  return opError("-", a, b);
}

export function pyMul(a: unknown, b: unknown): unknown {
  if (isNumLike(a) && isNumLike(b)) {
    const r = num(a) * num(b);
    return isIntLike(a) && isIntLike(b) ? r : mkFloat(r);
  }
  const rep = (seq: unknown, n: unknown): unknown => {
    const k = Math.max(0, num(n as number));
    if (isStr(seq)) return seq instanceof Markup ? new Markup(seq.s.repeat(k)) : seq.repeat(k);
    const arr = seq as unknown[];
    const out: unknown[] = [];
    for (let i = 0; i < k; i++) out.push(...arr);
    return isTuple(arr) ? tuple(out) : out;
  };
  if ((isStr(a) || (Array.isArray(a) && !(a as Marked)[VIEW])) && isIntLike(b)) return rep(a, b);
  if ((isStr(b) || (Array.isArray(b) && !(b as Marked)[VIEW])) && isIntLike(a)) return rep(b, a);
  if (isStr(a) && isNumLike(b))
    throw new PyError("TypeError", `can't multiply sequence by non-int of type 'float'`);
  return opError("*", a, b);
}

export function pyDiv(a: unknown, b: unknown): unknown {
  if (isNumLike(a) && isNumLike(b)) {
    const y = num(b);
    if (y === 0) throw new PyError("ZeroDivisionError", "division by zero");
    return mkFloat(num(a) / y);
  }
  return opError("/", a, b);
}

export function pyFloorDiv(a: unknown, b: unknown): unknown {
  if (isNumLike(a) && isNumLike(b)) {
    const x = num(a);
    const y = num(b);
    const ints = isIntLike(a) && isIntLike(b);
    if (y === 0) {
      throw new PyError(
        "ZeroDivisionError",
        ints ? "integer division or modulo by zero" : "float floor division by zero",
      );
    }
    const r = Math.floor(x / y);
    return ints ? r : mkFloat(r);
  }
  return opError("//", a, b);
}

export function pyMod(a: unknown, b: unknown, format: (fmt: string, args: unknown) => string): unknown {
  if (isStr(a)) {
    const r = format(strOf(a), b);
    return a instanceof Markup ? new Markup(r) : r;
  }
  if (isNumLike(a) && isNumLike(b)) {
    const x = num(a);
    const y = num(b);
    const ints = isIntLike(a) && isIntLike(b);
    if (y === 0) throw new PyError("ZeroDivisionError", ints ? "integer modulo by zero" : "float modulo");
    let r = x % y;
    if (r !== 0 && r < 0 !== y < 0) r += y;
    if (ints) return r === 0 ? 0 : r;
    if (r === 0) r = y < 0 ? -0 : 0;
    return mkFloat(r);
  }
  return opError("%", a, b);
}

export function pyPow(a: unknown, b: unknown): unknown {
  if (isNumLike(a) && isNumLike(b)) {
    const x = num(a);
    const y = num(b);
    if (isIntLike(a) && isIntLike(b) && y >= 0) return x ** y;
    if (x === 0 && y < 0) throw new PyError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    if (x < 0 && Number.isFinite(y) && !Number.isInteger(y)) return complexPow(x, y);
    return mkFloat(x ** y);
  }
  return opError("**", a, b);
}

// +, -, * and / with a complex operand, as CPython computes them: a real operand becomes complex(x, 0.0)
// and the division is _Py_c_quot's (Smith's method). Other operators on a complex are not supported.
function complexOp(op: string, a: unknown, b: unknown): PyObj | null {
  const part = (v: unknown): [number, number] | null =>
    complexParts(v) ?? (isNumLike(v) ? [num(v), 0] : null);
  if (!complexParts(a) && !complexParts(b)) return null;
  const x = part(a);
  const y = part(b);
  if (!x || !y) return null;
  const [ar, ai] = x;
  const [br, bi] = y;
  switch (op) {
    case "+":
      return mkComplex(ar + br, ai + bi);
    case "-":
      return mkComplex(ar - br, ai - bi);
    case "*":
      return mkComplex(ar * br - ai * bi, ar * bi + ai * br);
    case "/": {
      const absBr = Math.abs(br);
      const absBi = Math.abs(bi);
      if (absBr >= absBi) {
        if (absBr === 0) throw new PyError("ZeroDivisionError", "complex division by zero");
        const ratio = bi / br;
        const denom = br + bi * ratio;
        return mkComplex((ar + ai * ratio) / denom, (ai - ar * ratio) / denom);
      }
      if (absBi >= absBr) {
        const ratio = br / bi;
        const denom = br * ratio + bi;
        return mkComplex((ar * ratio + ai) / denom, (ai * ratio - ar) / denom);
      }
      return mkComplex(NaN, NaN);
    }
  }
  return null;
}

/**
 * A negative float to a fractional power is a complex number in Python (its c_pow, on complex(x)). It prints
 * as Python prints it; +, -, * and / on it follow complexOp.
 */
function complexPow(x: number, y: number): PyObj {
  const len = Math.abs(x) ** y;
  const phase = Math.atan2(0, x) * y;
  return mkComplex(len * Math.cos(phase), len * Math.sin(phase));
}

function mkComplex(re: number, im: number): PyObj {
  const part = (v: number) => floatRepr(v).replace(/\.0$/, "");
  const imag = `${part(im)}j`;
  // Python drops the real part, and the parentheses, when it is +0.0
  const repr = Object.is(re, 0) ? imag : `(${part(re)}${im < 0 || Object.is(im, -0) ? "" : "+"}${imag})`;
  return new PyObj(
    "complex",
    new Map<string, unknown>([
      ["real", mkFloat(re)],
      ["imag", mkFloat(im)],
    ]),
    undefined,
    () => repr,
  );
}

export function complexParts(a: unknown): [number, number] | null {
  if (!(a instanceof PyObj) || a.typeName !== "complex") return null;
  return [num(a.attrs.get("real") as PyFloat), num(a.attrs.get("imag") as PyFloat)];
}

export function pyNeg(a: unknown): unknown {
  if (typeof a === "number") return Number.isInteger(a) ? 0 - a : -a;
  if (typeof a === "boolean") return 0 - +a;
  if (a instanceof PyFloat) return new PyFloat(-a.v);
  if (a instanceof Undefined) return a.fail();
  const c = complexParts(a);
  if (c) return mkComplex(-c[0], -c[1]);
  throw new PyError("TypeError", `bad operand type for unary -: '${typeName(a)}'`);
}

export function pyPos(a: unknown): unknown {
  if (typeof a === "number" || a instanceof PyFloat) return a;
  if (typeof a === "boolean") return +a;
  if (a instanceof Undefined) return a.fail();
  if (complexParts(a)) return a;
  throw new PyError("TypeError", `bad operand type for unary +: '${typeName(a)}'`);
}

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * Converts a JS value (parsed JSON, typically) into the Python value model, once, on entry. Plain objects
 * become Maps in their own key order (JSON order, unlike JS objects, which put integer-like keys first;
 * callers who care pass Maps).
 */
export function toPy(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v !== "object") {
    if (typeof v === "function") {
      const fn = v as (...a: unknown[]) => unknown;
      return new PyFunc(fn.name || "function", (args) => toPy(fn(...args)));
    }
    if (typeof v === "bigint") return Number(v);
    return v;
  }
  if (Array.isArray(v)) {
    const out = v.map(toPy);
    return isTuple(v) ? tuple(out) : out;
  }
  if (v instanceof Date) return v.toISOString();
  if (isPlainObject(v)) {
    const m = new Map<string, unknown>();
    for (const k of Object.keys(v)) m.set(k, toPy((v as Record<string, unknown>)[k]));
    return m;
  }
  return v;
}
