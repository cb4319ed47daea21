// jinja2.sandbox.SandboxedEnvironment: attribute and item access (getattr falls back to getitem and back),
// the attribute rule, calls, method dispatch for str/dict/list, and str.format through the sandbox.
import { needInt } from "./args.js";
import type { Method } from "./args.js";
import { DICT_METHODS } from "./dict-methods.js";
import { PyError } from "./errors.js";
import type { Pos } from "./errors.js";
import { strFormat } from "./format.js";
import { closest } from "./hints.js";
import { LIST_METHODS, TUPLE_METHODS } from "./list-methods.js";
import { STR_METHODS } from "./str-methods.js";
import {
  GROUP,
  Markup,
  NOATTR,
  Namespace,
  PyFunc,
  PyObj,
  PyObject,
  Undefined,
  escapeValue,
  findKey,
  hashKey,
  isIntLike,
  isNumLike,
  isTuple,
  iterate,
  pyRepr,
  strOf,
  tuple,
  typeName,
} from "./values.js";
import type { Kwargs } from "./values.js";

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

// str.format reaches attributes and items of its arguments, so it goes through the sandbox's rules
// (jinja's SandboxedEnvironment.format_string).
function strFormatMethod(s: string, a: unknown[], k: Kwargs): unknown {
  return strFormat(
    s,
    a,
    k,
    (o, n) => getattr(o, n, null),
    (o, key) => getitem(o, key, null),
  );
}

const SANDBOXED_STR_METHODS = new Map<string, Method<string>>([...STR_METHODS, ["format", strFormatMethod]]);

function methodTable(obj: unknown): Map<string, Method<never>> | null {
  if (typeof obj === "string") return SANDBOXED_STR_METHODS as Map<string, Method<never>>;
  if (obj instanceof Map) return DICT_METHODS as Map<string, Method<never>>;
  if (Array.isArray(obj)) return (isTuple(obj) ? TUPLE_METHODS : LIST_METHODS) as Map<string, Method<never>>;
  return null;
}

export const NO_METHOD: unique symbol = Symbol("no-method");

// markupsafe's Markup overrides these str methods so that the result stays Markup; the ones that take a
// fill or a replacement escape it first, split-like ones return Markup parts (markupsafe 3.0).
const MARKUP_WRAPPED = new Set(
  "capitalize title lower upper replace ljust rjust lstrip rstrip center strip translate expandtabs swapcase zfill casefold removeprefix removesuffix".split(
    " ",
  ),
);
const MARKUP_ESCAPED_ARG: Record<string, number> = { replace: 1, ljust: 1, rjust: 1, center: 1 };
const MARKUP_PARTS = new Set(["split", "rsplit", "splitlines", "partition", "rpartition"]);

function markupMethod(name: string, m: Method<unknown>): Method<Markup> {
  if (name === "join")
    return (self, a, k) =>
      new Markup(strOf(m(self.s, [iterate(a[0]).map((x) => escapeValue(x).s), ...a.slice(1)], k) as string));
  if (name === "format") {
    // EscapeFormatter escapes each formatted field; numbers format to text that needs no escaping, so
    // escaping the other arguments first gives the same text
    const esc = (v: unknown) => (isNumLike(v) ? v : escapeValue(v));
    return (self, a, k) =>
      new Markup(strOf(m(self.s, a.map(esc), k && new Map([...k].map(([n, v]) => [n, esc(v)]))) as string));
  }
  if (MARKUP_PARTS.has(name)) {
    return (self, a, k) => {
      const parts = m(self.s, a, k) as string[];
      const out = parts.map((p) => new Markup(p));
      return isTuple(parts) ? tuple(out) : out;
    };
  }
  if (MARKUP_WRAPPED.has(name)) {
    const esc = MARKUP_ESCAPED_ARG[name];
    return (self, a, k) => {
      const args =
        esc !== undefined && esc < a.length ? a.map((x, i) => (i === esc ? escapeValue(x) : x)) : a;
      return new Markup(strOf(m(self.s, args, k) as string));
    };
  }
  return (self, a, k) => m(self.s, a, k);
}

function lookupMethod(obj: unknown, name: string): Method<unknown> | undefined {
  if (obj instanceof Markup) {
    const m = SANDBOXED_STR_METHODS.get(name);
    return m && (markupMethod(name, m as Method<unknown>) as Method<unknown>);
  }
  return methodTable(obj)?.get(name) as Method<unknown> | undefined;
}

/** Calls obj.name(...) when obj is a str, dict or list with that method, without binding it first. */
export function callMethod(obj: unknown, name: string, args: unknown[], kw: Kwargs): unknown {
  const m = lookupMethod(obj, name);
  if (!m) return NO_METHOD;
  return m(obj, args, kw);
}

function boundMethod(obj: unknown, name: string): PyFunc | null {
  const m = lookupMethod(obj, name);
  return m ? new PyFunc(name, (a, k) => m(obj, a, k), obj) : null;
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

function unsafe(obj: unknown, name: string, site: Site | null): Undefined {
  return new Undefined(
    `access to attribute '${name}' of '${typeName(obj)}' object is unsafe.`,
    site?.pos,
    "SecurityError",
  );
}

/** Plain attribute lookup; NOATTR when the object has no such attribute (then jinja tries obj[name]). */
export function rawGetattr(obj: unknown, name: string): unknown {
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
    const h = findKey(obj, hashKey(key));
    return h !== undefined ? obj.get(h) : NOATTR;
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
    if (i < 0 || i >= arr.length) return NOATTR;
    return obj instanceof Markup ? new Markup(arr[i] as string) : arr[i];
  }
  return NOATTR;
}

// Airflow's sandbox subclass allows `_name` attributes (is_safe_attribute is `not is_internal_attribute`); only
// `__name` ones stay out of reach, as jinja's is_internal_attribute decides.
function isInternal(name: string): boolean {
  return name.startsWith("__");
}

export function getattr(obj: unknown, name: string, site: Site | null): unknown {
  if (obj instanceof Undefined) return obj.fail();
  if (isInternal(name)) {
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
    if (!isInternal(key)) {
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
  if (isS) return obj instanceof Markup ? new Markup(out.join("")) : out.join("");
  return isTuple(obj) ? tuple(out) : out;
}

export function callValue(f: unknown, args: unknown[], kw: Kwargs): unknown {
  if (f instanceof PyFunc) return f.fn(args, kw);
  if (f instanceof PyObject && f.pyCall) return f.pyCall(args, kw);
  if (f instanceof Undefined) return f.fail();
  throw new PyError("TypeError", `'${typeName(f)}' object is not callable`);
}
