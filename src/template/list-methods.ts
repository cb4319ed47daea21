// Python's list and tuple methods on the arrays of the value model.
import { bindArgs, needInt } from "./args.js";
import type { Method } from "./args.js";
import { PyError } from "./errors.js";
import { isTuple, iterate, pyEq, pyRepr, sortCmp } from "./values.js";
import type { Kwargs } from "./values.js";

function listIndex(l: unknown[], a: unknown[]): number {
  for (let i = 0; i < l.length; i++) if (pyEq(l[i], a[0])) return i;
  throw new PyError("ValueError", `${pyRepr(a[0])} is not in ${isTuple(l) ? "tuple" : "list"}`);
}

function tupleIndex(l: unknown[], a: unknown[]): unknown {
  return listIndex(l, a);
}

function tupleCount(l: unknown[], a: unknown[]): unknown {
  return l.filter((x) => pyEq(x, a[0])).length;
}

export const TUPLE_METHODS = new Map<string, Method<unknown[]>>([
  ["index", tupleIndex],
  ["count", tupleCount],
]);

function listAppend(l: unknown[], a: unknown[]): unknown {
  l.push(a[0]);
  return null;
}

function listExtend(l: unknown[], a: unknown[]): unknown {
  l.push(...iterate(a[0]));
  return null;
}

function listInsert(l: unknown[], a: unknown[]): unknown {
  let i = needInt("insert", a[0]);
  if (i < 0) i = Math.max(0, i + l.length);
  l.splice(Math.min(i, l.length), 0, a[1]);
  return null;
}

function listPop(l: unknown[], a: unknown[]): unknown {
  if (!l.length) throw new PyError("IndexError", "pop from empty list");
  let i = a.length ? needInt("pop", a[0]) : -1;
  if (i < 0) i += l.length;
  if (i < 0 || i >= l.length) throw new PyError("IndexError", "pop index out of range");
  return l.splice(i, 1)[0];
}

function listRemove(l: unknown[], a: unknown[]): unknown {
  const i = l.findIndex((x) => pyEq(x, a[0]));
  if (i < 0) throw new PyError("ValueError", "list.remove(x): x not in list");
  l.splice(i, 1);
  return null;
}

function listCopy(l: unknown[]): unknown {
  return l.slice();
}

function listReverse(l: unknown[]): unknown {
  l.reverse();
  return null;
}

function listSort(l: unknown[], a: unknown[], k: Kwargs): unknown {
  const [rev] = bindArgs("sort", a, k, [["reverse", false]]);
  l.sort(rev ? (x, y) => sortCmp(y, x) : sortCmp);
  return null;
}

function listClear(l: unknown[]): unknown {
  l.length = 0;
  return null;
}

export const LIST_METHODS = new Map<string, Method<unknown[]>>([
  ...TUPLE_METHODS,
  ["append", listAppend],
  ["extend", listExtend],
  ["insert", listInsert],
  ["pop", listPop],
  ["remove", listRemove],
  ["copy", listCopy],
  ["reverse", listReverse],
  ["sort", listSort],
  ["clear", listClear],
]);
