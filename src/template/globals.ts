// jinja's default globals: range (with the sandbox's MAX_RANGE), dict, namespace, joiner.
import { PyError } from "./errors.js";
import { callMethod } from "./sandbox.js";
import { Namespace, PyFunc, Undefined, rangeArgs, typeName, view } from "./values.js";
import type { Kwargs } from "./values.js";

const MAX_RANGE = 100000;

function rangeFn(args: unknown[]): unknown[] {
  const ints = args.map((a) => {
    if (typeof a === "boolean") return +a;
    if (typeof a !== "number" || !Number.isInteger(a)) {
      if (a instanceof Undefined) return a.fail();
      throw new PyError("TypeError", `'${typeName(a)}' object cannot be interpreted as an integer`);
    }
    return a;
  });
  if (!ints.length || ints.length > 3)
    throw new PyError("TypeError", `range expected 1 to 3 arguments, got ${ints.length}`);
  const [start, stop, step] = ints.length === 1 ? [0, ints[0]!, 1] : [ints[0]!, ints[1]!, ints[2] ?? 1];
  if (step === 0) throw new PyError("ValueError", "range() arg 3 must not be zero");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_RANGE)
    throw new PyError(
      "OverflowError",
      `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`,
    );
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(start + i * step);
  rangeArgs.set(out, [start, stop, step]);
  return view(out, "range");
}

function dictFn(a: unknown[], k: Kwargs): unknown {
  const m = new Map<unknown, unknown>();
  if (a.length) callMethod(m, "update", a, null);
  if (k) for (const [x, y] of k) m.set(x, y);
  return m;
}

function namespaceFn(a: unknown[], k: Kwargs): unknown {
  const m = new Map<string, unknown>();
  for (const x of a) if (x instanceof Map) for (const [kk, vv] of x) m.set(String(kk), vv);
  if (k) for (const [x, y] of k) m.set(x, y);
  return new Namespace(m);
}

function joinerFn(a: unknown[]): unknown {
  const sep = a.length ? a[0] : ", ";
  let used = false;
  return new PyFunc("joiner", function joiner() {
    if (!used) {
      used = true;
      return "";
    }
    return sep;
  });
}

export const GLOBALS = new Map<string, unknown>([
  ["range", new PyFunc("range", rangeFn)],
  ["dict", new PyFunc("dict", dictFn)],
  ["namespace", new PyFunc("namespace", namespaceFn)],
  ["joiner", new PyFunc("joiner", joinerFn)],
]);
