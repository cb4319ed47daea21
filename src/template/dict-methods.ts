// Python's dict methods on the insertion-ordered Maps of the value model.
import { REQUIRED, bindArgs } from "./args.js";
import type { Method } from "./args.js";
import { PyError } from "./errors.js";
import { dictLookup, dictStore, findKey, hashKey, iterate, pyRepr, tuple, view } from "./values.js";
import type { Kwargs } from "./values.js";

const GET_PARAMS: Array<[string, unknown]> = [
  ["key", REQUIRED],
  ["default", null],
];

function dictGet(d: Map<unknown, unknown>, a: unknown[], k: Kwargs): unknown {
  const [key, def] = !k && a.length === 1 ? [a[0], null] : bindArgs("get", a, k, GET_PARAMS);
  const v = typeof key === "string" ? d.get(key) : dictLookup(d, key);
  return v === undefined ? def : v;
}

function dictItems(d: Map<unknown, unknown>): unknown {
  return view(
    [...d].map((e) => tuple([e[0], e[1]])),
    "dict_items",
  );
}

function dictKeys(d: Map<unknown, unknown>): unknown {
  return view([...d.keys()], "dict_keys");
}

function dictValues(d: Map<unknown, unknown>): unknown {
  return view([...d.values()], "dict_values");
}

function dictCopy(d: Map<unknown, unknown>): unknown {
  return new Map(d);
}

function dictUpdate(d: Map<unknown, unknown>, a: unknown[], k: Kwargs): unknown {
  if (a.length > 1) throw new PyError("TypeError", `update expected at most 1 argument, got ${a.length}`);
  if (a.length) {
    const src = a[0];
    if (src instanceof Map) for (const [x, y] of src) dictStore(d, x, y);
    else
      for (const pair of iterate(src)) {
        const kv = iterate(pair);
        if (kv.length !== 2)
          throw new PyError("ValueError", "dictionary update sequence element has wrong length");
        dictStore(d, kv[0], kv[1]);
      }
  }
  if (k) for (const [x, y] of k) d.set(x, y);
  return null;
}

function dictPop(d: Map<unknown, unknown>, a: unknown[]): unknown {
  const h = findKey(d, hashKey(a[0]));
  if (h !== undefined) {
    const v = d.get(h);
    d.delete(h);
    return v;
  }
  if (a.length > 1) return a[1];
  throw new PyError("KeyError", pyRepr(a[0]));
}

function dictSetdefault(d: Map<unknown, unknown>, a: unknown[], k: Kwargs): unknown {
  const [key, def] = bindArgs("setdefault", a, k, [
    ["key", REQUIRED],
    ["default", null],
  ]);
  const h = findKey(d, hashKey(key));
  if (h !== undefined) return d.get(h);
  dictStore(d, key, def);
  return def;
}

function dictClear(d: Map<unknown, unknown>): unknown {
  d.clear();
  return null;
}

export const DICT_METHODS = new Map<string, Method<Map<unknown, unknown>>>([
  ["get", dictGet],
  ["items", dictItems],
  ["keys", dictKeys],
  ["values", dictValues],
  ["copy", dictCopy],
  ["update", dictUpdate],
  ["pop", dictPop],
  ["setdefault", dictSetdefault],
  ["clear", dictClear],
]);
