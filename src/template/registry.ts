// The filter and test signatures, and the registry a filter or test is given to look up others by name
// (jinja's pass_environment: map('upper'), select('odd'), `is filter`).
import { PyError } from "./errors.js";
import { pyStr } from "./values.js";
import type { Kwargs } from "./values.js";

export type FilterFn = (value: unknown, args: unknown[], kw: Kwargs, env: Builtins) => unknown;

export type TestFn = (value: unknown, args: unknown[], kw: Kwargs, env: Builtins) => boolean;

/** The filters and tests one environment knows. */
export interface Builtins {
  readonly filters: ReadonlyMap<string, FilterFn>;
  readonly tests: ReadonlyMap<string, TestFn>;
}

function nameRepr(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : pyStr(v);
}

export function callFilter(
  env: Builtins,
  name: unknown,
  value: unknown,
  args: unknown[],
  kw: Kwargs,
): unknown {
  const f = typeof name === "string" ? env.filters.get(name) : undefined;
  if (!f) throw new PyError("TemplateRuntimeError", `No filter named ${nameRepr(name)}.`);
  return f(value, args, kw, env);
}

export function callTest(env: Builtins, name: unknown, value: unknown, args: unknown[], kw: Kwargs): boolean {
  const t = typeof name === "string" ? env.tests.get(name) : undefined;
  if (!t) throw new PyError("TemplateRuntimeError", `No test named ${nameRepr(name)}.`);
  return t(value, args, kw, env);
}
