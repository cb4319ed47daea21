// jinja2's builtin tests (jinja2/tests.py), one named function each.
import { REQUIRED, bindArgs } from "./args.js";
import { PyError } from "./errors.js";
import { printf } from "./format.js";
import type { Builtins, TestFn } from "./registry.js";
import {
  Markup,
  contains,
  pyStr,
  PyFloat,
  PyFunc,
  PyObject,
  Undefined,
  isFloat,
  isInt,
  isNumLike,
  isStr,
  iterate,
  pyEq,
  pyMod,
  pyOrder,
} from "./values.js";
import type { Kwargs } from "./values.js";

function modOf(v: unknown, n: unknown): unknown {
  return pyMod(v, n, printf);
}

function isSameAs(a: unknown, b: unknown): boolean {
  if (a instanceof PyFloat || b instanceof PyFloat) return a === b;
  if (isInt(a) && isInt(b)) return a === b && a >= -5 && a <= 256;
  return a === b;
}

function testDefined(v: unknown): boolean {
  return !(v instanceof Undefined);
}

function testUndefined(v: unknown): boolean {
  return v instanceof Undefined;
}

function testNone(v: unknown): boolean {
  return v === null;
}

function testString(v: unknown): boolean {
  return isStr(v);
}

function testNumber(v: unknown): boolean {
  return isNumLike(v);
}

function testInteger(v: unknown): boolean {
  return isInt(v);
}

function testFloat(v: unknown): boolean {
  return isFloat(v);
}

function testBoolean(v: unknown): boolean {
  return typeof v === "boolean";
}

function testTrue(v: unknown): boolean {
  return v === true;
}

function testFalse(v: unknown): boolean {
  return v === false;
}

function testMapping(v: unknown): boolean {
  return v instanceof Map;
}

function testIterable(v: unknown): boolean {
  try {
    iterate(v);
    return true;
  } catch (e) {
    if (e instanceof PyError && e.kind === "TypeError") return false;
    throw e;
  }
}

function testSequence(v: unknown): boolean {
  return isStr(v) || Array.isArray(v) || v instanceof Map;
}

function testCallable(v: unknown): boolean {
  return v instanceof PyFunc || (v instanceof PyObject && typeof v.pyCall === "function");
}

function testSameas(v: unknown, a: unknown[]): boolean {
  return isSameAs(v, a[0]);
}

function testDivisibleby(v: unknown, a: unknown[]): boolean {
  return pyEq(modOf(v, a[0]), 0);
}

function testOdd(v: unknown): boolean {
  return pyEq(modOf(v, 2), 1);
}

function testEven(v: unknown): boolean {
  return pyEq(modOf(v, 2), 0);
}

function testIn(v: unknown, a: unknown[]): boolean {
  return contains(a[0], v);
}

function testEq(v: unknown, a: unknown[]): boolean {
  return pyEq(v, a[0]);
}

function testNe(v: unknown, a: unknown[]): boolean {
  return !pyEq(v, a[0]);
}

function testLt(v: unknown, a: unknown[]): boolean {
  return pyOrder("<", v, a[0]);
}

function testLe(v: unknown, a: unknown[]): boolean {
  return pyOrder("<=", v, a[0]);
}

function testGt(v: unknown, a: unknown[]): boolean {
  return pyOrder(">", v, a[0]);
}

function testGe(v: unknown, a: unknown[]): boolean {
  return pyOrder(">=", v, a[0]);
}

function testLower(v: unknown): boolean {
  const s = pyStr(v);
  return /\p{L}/u.test(s) && s === s.toLowerCase();
}

function testUpper(v: unknown): boolean {
  const s = pyStr(v);
  return /\p{L}/u.test(s) && s === s.toUpperCase();
}

function testEscaped(v: unknown): boolean {
  return v instanceof Markup;
}

function testFilter(v: unknown, _a: unknown[], _k: Kwargs, env: Builtins): boolean {
  return typeof v === "string" && env.filters.has(v);
}

function testTest(v: unknown, _a: unknown[], _k: Kwargs, env: Builtins): boolean {
  return typeof v === "string" && env.tests.has(v);
}

const TEST_TABLE: Array<[string, TestFn]> = [
  ["defined", testDefined],
  ["undefined", testUndefined],
  ["none", testNone],
  ["string", testString],
  ["number", testNumber],
  ["integer", testInteger],
  ["float", testFloat],
  ["boolean", testBoolean],
  ["true", testTrue],
  ["false", testFalse],
  ["mapping", testMapping],
  ["iterable", testIterable],
  ["sequence", testSequence],
  ["callable", testCallable],
  ["sameas", testSameas],
  ["divisibleby", testDivisibleby],
  ["odd", testOdd],
  ["even", testEven],
  ["in", testIn],
  ["eq", testEq],
  ["equalto", testEq],
  ["==", testEq],
  ["ne", testNe],
  ["!=", testNe],
  ["lt", testLt],
  ["lessthan", testLt],
  ["<", testLt],
  ["le", testLe],
  ["<=", testLe],
  ["gt", testGt],
  ["greaterthan", testGt],
  [">", testGt],
  ["ge", testGe],
  [">=", testGe],
  ["lower", testLower],
  ["upper", testUpper],
  ["escaped", testEscaped],
  ["filter", testFilter],
  ["test", testTest],
];

// Arguments beyond the value, named as jinja's test functions name them; the comparison tests are Python's
// operator functions, which take exactly two positional arguments.
const SECOND_ARG: Record<string, string> = { sameas: "other", divisibleby: "num", in: "seq" };
const OPERATORS = new Set("eq equalto == ne != lt lessthan < le <= gt greaterthan > ge >=".split(" "));

/** A test that refuses the arguments its Python function would refuse, with the same exception class. */
function withSignature(name: string, fn: TestFn): TestFn {
  if (OPERATORS.has(name)) {
    return function operatorTest(v, a, k, env) {
      if (k?.size) throw new PyError("TypeError", `${name}() takes no keyword arguments`);
      if (a.length !== 1) throw new PyError("TypeError", `expected 2 arguments, got ${a.length + 1}`);
      return fn(v, a, k, env);
    };
  }
  const pyName = name === "callable" ? "callable" : `test_${name}`;
  const params: Array<[string, unknown]> = SECOND_ARG[name] ? [[SECOND_ARG[name], REQUIRED]] : [];
  return function boundTest(v, a, k, env) {
    return fn(v, bindArgs(pyName, a, k, params), null, env);
  };
}

export const TESTS: ReadonlyMap<string, TestFn> = new Map(
  TEST_TABLE.map(([name, fn]) => [name, withSignature(name, fn)]),
);
