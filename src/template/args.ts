// Python call binding for builtin methods and filters: positional and keyword arguments to parameters.
import { PyError } from "./errors.js";
import { Undefined, isIntLike, isStr, strOf, typeName } from "./values.js";
import type { Kwargs } from "./values.js";

export type Method<T> = (self: T, args: unknown[], kw: Kwargs) => unknown;

export const REQUIRED = Symbol("required");

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

export function needStr(fname: string, v: unknown): string {
  if (isStr(v)) return strOf(v);
  if (v instanceof Undefined) return v.fail();
  throw new PyError("TypeError", `${fname}() argument must be str, not ${typeName(v)}`);
}

export function needInt(fname: string, v: unknown): number {
  if (isIntLike(v)) return +v;
  if (v instanceof Undefined) return v.fail();
  throw new PyError("TypeError", `'${typeName(v)}' object cannot be interpreted as an integer (${fname})`);
}
