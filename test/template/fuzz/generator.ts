// A seeded, grammar-based generator of Jinja templates and trigger payloads for the differential fuzzer. The
// grammar leans on what diverged before (scoping of set inside for/filter/with/macros, loop variables, Python
// value semantics of filters, methods, formatting and arithmetic) and keeps every construct bounded, so no
// case can loop or allocate without limit: ranges and repeats are small, there is no recursion.

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface FuzzCase {
  id: number;
  source: string;
  /** The payload as JSON text: both sides parse it (parseJsonPy / json.loads), so key order and 2.0 agree. */
  conf: string;
  ts: string;
  params: Record<string, unknown>;
  varValues: Record<string, unknown>;
}

type Ty = "str" | "int" | "float" | "bool" | "none" | "list" | "dict";
const TYPES: readonly Ty[] = ["str", "int", "float", "bool", "none", "list", "dict"];
/** What the template may print or test: weighted towards the types templates really handle. */
const ANY: readonly Ty[] = [
  "str",
  "str",
  "str",
  "int",
  "int",
  "float",
  "bool",
  "none",
  "list",
  "list",
  "dict",
];

const KEYS = [
  "a",
  "b",
  "name",
  "items",
  "n",
  "x",
  "tags",
  "cfg",
  "etl_module",
  "weight",
  "labels",
  "_hidden",
];
const STRINGS = [
  "",
  "abc",
  "Hello World",
  "  pad  ",
  "12",
  "-3",
  "a,b,c",
  "x_y-z",
  "MiXeD case",
  "ß",
  "ΣΑΣ ΟΔΟΣ",
  "ǅemal",
  "٣٤",
  "²",
  "it's",
  'say "hi"',
  "tab\there",
  "line\nbreak",
  "%s",
  "{}",
  "visits_distinct",
  "2026-03-15",
  "3.5",
  "nan",
  "ﬁ",
  "İ",
  "😀x",
  "<b>&amp;</b>",
];
const INTS = [0, 1, 2, 3, 5, 7, 10, -1, -4, 42, 100, 255, 1000000, 1536];
const FLOATS = [
  "1.5",
  "2.0",
  "-0.5",
  "0.1",
  "1e-05",
  "1e16",
  "2.675",
  "0.125",
  "-0.0",
  "3.0",
  "0.5",
  "1234.5678",
];

interface PVal {
  text: string;
  ty: Ty;
}

function jsonValue(r: Rng, depth: number): PVal {
  const roll = depth > 1 ? r.int(0, 5) : r.int(0, 8);
  switch (roll) {
    case 0:
    case 1:
      return { text: String(r.pick(INTS)), ty: "int" };
    case 2:
      return { text: r.pick(FLOATS), ty: "float" };
    case 3:
    case 4:
      return { text: JSON.stringify(r.pick(STRINGS)), ty: "str" };
    case 5:
      return r.chance(0.8) ? { text: r.pick(["true", "false"]), ty: "bool" } : { text: "null", ty: "none" };
    case 6:
    case 7: {
      const n = r.int(0, 4);
      const elemTy = r.chance(0.6);
      const first = jsonValue(r, depth + 1);
      const items = [
        first,
        ...Array.from({ length: Math.max(n - 1, 0) }, () =>
          elemTy ? sameTy(r, first.ty) : jsonValue(r, depth + 1),
        ),
      ];
      return {
        text: `[${items
          .slice(0, n)
          .map((i) => i.text)
          .join(", ")}]`,
        ty: "list",
      };
    }
    default: {
      const keys = [...new Set(Array.from({ length: r.int(0, 3) }, () => r.pick(KEYS)))];
      return {
        text: `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonValue(r, depth + 1).text}`).join(", ")}}`,
        ty: "dict",
      };
    }
  }
}

function sameTy(r: Rng, ty: Ty): PVal {
  switch (ty) {
    case "int":
      return { text: String(r.pick(INTS)), ty };
    case "float":
      return { text: r.pick(FLOATS), ty };
    case "str":
      return { text: JSON.stringify(r.pick(STRINGS)), ty };
    default:
      return jsonValue(r, 2);
  }
}

export function genPayload(r: Rng): { text: string; keys: Map<string, Ty> } {
  const keys = [...new Set(Array.from({ length: r.int(2, 7) }, () => r.pick(KEYS)))];
  const vals = keys.map((k) => [k, jsonValue(r, 0)] as const);
  return {
    text: `{${vals.map(([k, v]) => `${JSON.stringify(k)}: ${v.text}`).join(", ")}}`,
    keys: new Map(vals.map(([k, v]) => [k, v.ty])),
  };
}

function pyStrLit(r: Rng, s: string): string {
  const q = r.chance(0.8) ? "'" : '"';
  return (
    q +
    s
      .replace(/\\/g, "\\\\")
      .replace(new RegExp(q, "g"), `\\${q}`)
      .replace(/\n/g, "\\n")
      .replace(/\t/g, "\\t") +
    q
  );
}

interface Scope {
  names: Map<string, Ty>;
  inLoop: boolean;
  inMacro: boolean;
  macros: string[];
}

const paren = (e: string) => (/^[\w.'"[\]()]+$/.test(e) && !/^\d/.test(e) ? e : `(${e})`);

export class TemplateGen {
  private depth = 0;
  private macroN = 0;
  constructor(
    private readonly r: Rng,
    private readonly payload: Map<string, Ty>,
    private readonly hasConf: boolean,
  ) {}

  // ---- values of a wanted type -------------------------------------------------------------------------

  literal(ty: Ty, depth = 0): string {
    const r = this.r;
    switch (ty) {
      case "int":
        return String(r.pick(INTS.filter((i) => i >= 0)));
      case "float":
        return r.pick(["1.5", "2.0", "0.5", "2.675", "1e3", "0.1", "3.14159", "1e-7", "12.5", "0.125"]);
      case "str":
        return pyStrLit(r, r.pick(STRINGS));
      case "bool":
        return r.pick(["True", "False", "true", "false"]);
      case "none":
        return r.pick(["None", "none"]);
      case "list": {
        if (depth > 1) return "[]";
        const et = r.pick(["int", "str", "int", "float", "str"] as const);
        const n = r.int(0, 4);
        const items = Array.from({ length: n }, () =>
          this.literal(r.chance(0.85) ? et : r.pick(TYPES), depth + 1),
        );
        return r.chance(0.85) ? `[${items.join(", ")}]` : `(${items.join(", ")}${n === 1 ? "," : ""})`;
      }
      case "dict": {
        if (depth > 1) return "{}";
        const ks = [...new Set(Array.from({ length: r.int(0, 3) }, () => r.pick(KEYS)))];
        return `{${ks.map((k) => `'${k}': ${this.literal(r.pick(TYPES), depth + 1)}`).join(", ")}}`;
      }
    }
  }

  /** A read of the payload (or params, or a local) holding a value of `ty`, if there is one. */
  private ref(s: Scope, ty: Ty): string | null {
    const r = this.r;
    const locals = [...s.names].filter(([, t]) => t === ty).map(([n]) => n);
    const keys = [...this.payload].filter(([, t]) => t === ty).map(([k]) => k);
    if (locals.length && (!keys.length || r.chance(0.5))) return r.pick(locals);
    if (!keys.length) return null;
    const k = r.pick(keys);
    const base = this.hasConf && r.chance(0.4) ? "conf" : r.chance(0.2) ? "params" : "dag_run.conf";
    switch (r.int(0, 3)) {
      case 0:
        return `${base}.get('${k}')`;
      case 1:
        return `${base}.get('${k}', ${this.literal(ty, 1)})`;
      case 2:
        return `${base}['${k}']`;
      default:
        return `${base}.${k}`;
    }
  }

  /** An expression meant to give `ty`; now and then deliberately another type, to compare the errors too. */
  expr(s: Scope, ty: Ty, budget = 4): string {
    const r = this.r;
    if (r.chance(0.03)) ty = r.pick(TYPES);
    if (budget <= 0 || r.chance(0.25)) {
      const ref = r.chance(0.7) ? this.ref(s, ty) : null;
      return ref ?? this.literal(ty, 1);
    }
    const b = budget - 1;
    const sub = (t: Ty) => paren(this.expr(s, t, b));
    switch (ty) {
      case "str":
        return r.pick([
          () =>
            `${sub("str")} | ${r.pick(["upper", "lower", "title", "capitalize", "trim", "e", "urlencode", "string", "reverse"])}`,
          () => `${sub(r.pick(ANY))} | string`,
          () => `${sub(r.pick(ANY))} ~ ${sub(r.pick(ANY))}`,
          () => `${sub("str")} + ${sub("str")}`,
          () => `${sub("str")} * ${r.int(0, 3)}`,
          () =>
            `${pyStrLit(r, r.pick(["%s", "%d", "%05.2f", "%-4s|", "%x", "%r", "%.3g", "%e", "%i%%", "%c", "%+.1f"]))} % ${sub(r.pick(["int", "float", "str"] as const))}`,
          () =>
            `${pyStrLit(r, r.pick(["%s-%s", "%s=%r", "%d/%d"]))} % (${sub(r.pick(ANY))}, ${sub(r.pick(ANY))})`,
          () =>
            `${pyStrLit(r, r.pick(["{}", "{:>6}", "{:<4}|", "{:^7}", "{!r}", "{0}-{0}"]))}.format(${sub(r.pick(ANY))})`,
          () =>
            `${pyStrLit(r, r.pick(["{:.2f}", "{:,}", "{:_}", "{:.3}", "{:n}", "{:08.3e}", "{:x}", "{:+d}", "{:%}", "{:.1%}", "{:g}"]))}.format(${sub(r.pick(["int", "float"] as const))})`,
          () =>
            `${sub("str")}.${r.pick(["upper()", "lower()", "strip()", "title()", "casefold()", "swapcase()", "capitalize()", "zfill(5)", "replace('a', 'b')", "center(9, '*')", "ljust(6, '.')", "rstrip('c')", "lstrip()", "removeprefix('a')"])}`,
          () => `${sub("list")} | join(${pyStrLit(r, r.pick([", ", "-", "", "|"]))})`,
          () => `${sub("list")} | map('string') | join(',')`,
          () => `${sub("str")}[${r.pick(["1:", ":2", "::-1", "1:-1", "::2"])}]`,
          () => `${sub("str")}[${r.pick(["0", "-1", "2"])}]`,
          () =>
            `${sub("str")} | replace(${pyStrLit(r, r.pick(["a", "_", " ", "Σ"]))}, ${pyStrLit(r, r.pick(["-", "", "X"]))})`,
          () => `${sub("str")} | center(${r.int(0, 12)})`,
          () => `${sub("str")} | truncate(${r.int(3, 12)}${r.chance(0.4) ? ", true" : ""})`,
          () => `${sub("str")} | indent(${r.int(0, 4)}${r.chance(0.5) ? ", true" : ""})`,
          () => `${sub(r.pick(["dict", "list", "str", "int"] as const))} | tojson`,
          () => `${sub("int")} | filesizeformat${r.chance(0.3) ? "(true)" : ""}`,
          () => `${pyStrLit(r, "%s and %s")} | format(${sub("str")}, ${sub("int")})`,
          () => `${sub("dict")} | dictsort | join(',')`,
          () =>
            r.pick([
              "ds",
              "ts",
              "ds_nodash",
              "ts_nodash",
              "ts_nodash_with_tz",
              "run_id",
              "task_instance_key_str",
              "dag.dag_id",
              "task.task_id",
              "dag_run.run_id",
            ]),
          () =>
            `${r.pick(["logical_date", "data_interval_start", "dag_run.logical_date"])} | ${r.pick(["ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "string"])}`,
          () =>
            `logical_date.strftime(${pyStrLit(r, r.pick(["%Y-%m-%d", "%Y%m%dT%H%M%S", "%j", "%H:%M:%S.%f", "%d/%m/%y"]))})`,
          () => `logical_date.isoformat()`,
          () => `macros.ds_add(ds, ${r.int(-40, 40)})`,
          () => `macros.ds_format(ds, '%Y-%m-%d', ${pyStrLit(r, r.pick(["%d/%m/%Y", "%Y%m%d", "%j"]))})`,
          () => `var.value.get('sparklane_${r.pick(["project", "missing"])}', ${this.literal("str")})`,
          () => `${sub("bool")} and ${sub("str")} or ${sub("str")}`,
          () => `${sub("str")} if ${sub("bool")} else ${sub("str")}`,
          () => `${sub(r.pick(ANY))} | default(${sub("str")})`,
        ])();
      case "int":
        return r.pick([
          () => `${sub("int")} ${r.pick(["+", "-", "*", "//", "%"])} ${sub("int")}`,
          () => `${sub("int")} ** ${r.int(0, 3)}`,
          () => `${sub(r.pick(["str", "list", "dict"] as const))} | length`,
          () => `${sub("list")} | ${r.pick(["sum", "count", "length"])}`,
          () =>
            `${sub(r.pick(["str", "float", "int"] as const))} | int${r.chance(0.3) ? r.pick(["(-1)", "(base=16)", "(default=7)"]) : ""}`,
          () => `${sub("float")} | round | int`,
          () => `${sub("str")}.${r.pick(["find('b')", "count('a')", "rfind('a')"])}`,
          () => `${sub("int")} | abs`,
          () => `-${sub("int")}`,
          () => `${sub("str")} | wordcount`,
          () => `logical_date.${r.pick(["year", "month", "day", "hour", "minute", "second", "microsecond"])}`,
          () =>
            s.inLoop
              ? r.pick([
                  "loop.index",
                  "loop.index0",
                  "loop.length",
                  "loop.revindex",
                  "loop.revindex0",
                  "loop.depth",
                ])
              : String(r.pick(INTS)),
          () => `${sub("list")} | ${r.pick(["min", "max", "first", "last"])}`,
          () => `[${sub("int")}, ${sub("int")}] | max`,
          () => `${sub("int")} if ${sub("bool")} else ${sub("int")}`,
        ])();
      case "float":
        return r.pick([
          () => `${sub(r.pick(["int", "float"] as const))} / ${sub(r.pick(["int", "float"] as const))}`,
          () =>
            `${sub("float")} ${r.pick(["+", "-", "*", "//", "%"])} ${sub(r.pick(["int", "float"] as const))}`,
          // exponents stay literal and small: a huge integer power would stall Python (no sandbox limit)
          () => `${sub("float")} ** ${r.pick(["2", "0.5", "-1", "3"])}`,
          () =>
            `${sub(r.pick(["float", "int"] as const))} | round(${r.int(0, 3)}${r.chance(0.3) ? r.pick([", 'floor'", ", 'ceil'"]) : ""})`,
          () => `${sub(r.pick(["str", "int"] as const))} | float`,
          () => `${sub("float")} | abs`,
          () => `-${sub("float")}`,
          () => `logical_date.timestamp()`,
        ])();
      case "bool":
        return r.pick([
          () => `${sub(r.pick(ANY))} ${r.pick(["==", "!="])} ${sub(r.pick(ANY))}`,
          () => {
            const t = r.pick(["int", "float", "str", "int"] as const);
            return `${sub(t)} ${r.pick(["<", ">", "<=", ">="])} ${sub(r.chance(0.8) ? t : r.pick(ANY))}`;
          },
          () =>
            `${sub(r.pick(ANY))} is ${r.pick(["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "sequence", "iterable", "boolean", "true", "false", "callable", "odd", "even", "divisibleby(3)", "upper", "lower", "in([1, 'a'])", "sameas(none)", "eq(1)", "gt(2)", "escaped"])}`,
          () => `${sub(r.pick(ANY))} is not ${r.pick(["none", "string", "defined", "mapping"])}`,
          () =>
            `${sub(r.pick(["str", "int"] as const))} ${r.pick(["in", "not in"])} ${sub(r.pick(["list", "str", "dict"] as const))}`,
          () => `not ${sub(r.pick(ANY))}`,
          () =>
            `${sub("str")}.${r.pick(["isdigit()", "isupper()", "islower()", "isalpha()", "istitle()", "isnumeric()", "isdecimal()", "isspace()", "isalnum()", "startswith('a')", "endswith('c')"])}`,
          () => `${sub(r.pick(ANY))} ${r.pick(["and", "or"])} ${sub(r.pick(ANY))}`,
          () => (s.inLoop ? r.pick(["loop.first", "loop.last", "loop.changed(1)"]) : "true"),
          () =>
            `${sub(r.pick(ANY))} | ${r.pick(["string", "length", "list"])} ${r.pick(["==", "!="])} ${sub(r.pick(ANY))}`,
        ])();
      case "none":
        return r.pick([
          () => `dag_run.conf.get(${pyStrLit(r, r.pick(["missing", "x", "weight"]))})`,
          // on a fresh list: appending to the payload's list while a loop walks it never ends in Python
          () => `[${sub(r.pick(ANY))}].append(1)`,
          () => this.literal("none"),
        ])();
      case "list":
        return r.pick([
          () => `${sub("str")}.split(${r.pick(["", "','", "' '", "'a', 1"])})`,
          () => `${sub("str")}.${r.pick(["splitlines()", "partition(',')", "rsplit(',', 1)"])}`,
          () => `range(${r.int(0, 5)}${r.chance(0.3) ? `, ${r.int(5, 9)}, ${r.int(1, 3)}` : ""}) | list`,
          () => `${sub(r.pick(["list", "str", "dict"] as const))} | list`,
          () =>
            `${sub("list")} | ${r.pick(["sort", "sort(reverse=true)", "unique | list", "reverse | list", "map('string') | list", "map('upper') | list", "select | list", "select('odd') | list", "reject('none') | list", "batch(2) | list", "slice(2) | list"])}`,
          () => `${sub("list")} + ${sub("list")}`,
          () => `${sub("list")} * ${r.int(0, 2)}`,
          () => `${sub("dict")} | dictsort`,
          () => `${sub("dict")}.${r.pick(["keys()", "values()", "items()"])} | list`,
          () => `${sub("dict")} | items | list`,
          () => `${sub("list")}[${r.pick(["1:", ":2", "::-1", "::2"])}]`,
          () => `[${sub(r.pick(ANY))}, ${sub(r.pick(ANY))}]`,
          () => `${sub("list")} | groupby(0) | list`,
        ])();
      case "dict":
        return r.pick([
          () => `dict(${r.pick(KEYS.filter((k) => !k.startsWith("_")))}=${sub(r.pick(ANY))})`,
          () =>
            `{${pyStrLit(r, r.pick(KEYS))}: ${sub(r.pick(ANY))}, ${sub(r.pick(["str", "int", "float"] as const))}: ${sub(r.pick(ANY))}}`,
          () => `dict(${sub("dict")}, extra=${sub(r.pick(ANY))})`,
          () => "params",
          () => "dag_run.conf",
        ])();
    }
  }

  // ---- statements ------------------------------------------------------------------------------------

  private text(): string {
    return this.r.pick([
      "\n",
      " ",
      "a",
      "key: ",
      "- ",
      "\n  ",
      ", ",
      "|",
      "x\n",
      "",
      "  ",
      "\n\n",
      "\t",
      "é",
    ]);
  }

  private ws(): string {
    return this.r.pick(["", "", "", "-", "+"]);
  }

  private out(s: Scope): string {
    return `{{${this.r.pick(["", "", "-"])} ${this.expr(s, this.r.pick(ANY))} ${this.r.pick(["", "", "-"])}}}`;
  }

  private tag(body: string): string {
    return `{%${this.ws()} ${body} ${this.r.pick(["", "", "-"])}%}`;
  }

  block(s: Scope, n: number): string {
    let t = "";
    for (let i = 0; i < n; i++) t += this.stmt(s);
    return t;
  }

  private setName(s: Scope, name: string, ty: Ty): void {
    s.names.set(name, ty);
  }

  stmt(s: Scope): string {
    const r = this.r;
    if (this.depth > 2) return r.chance(0.5) ? this.text() : this.out(s);
    this.depth++;
    try {
      switch (r.int(0, 21)) {
        case 0:
        case 1:
        case 2:
          return this.text();
        case 3:
        case 4:
        case 5:
        case 6:
          return this.out(s);
        case 7: {
          let t =
            this.tag(`if ${this.expr(s, r.chance(0.7) ? "bool" : r.pick(ANY), 3)}`) +
            this.block(s, r.int(1, 3));
          if (r.chance(0.3)) t += this.tag(`elif ${this.expr(s, "bool", 3)}`) + this.block(s, r.int(1, 2));
          if (r.chance(0.4)) t += this.tag("else") + this.block(s, r.int(1, 2));
          return t + this.tag("endif");
        }
        case 8:
        case 9: {
          const inner: Scope = { ...s, names: new Map(s.names), inLoop: true };
          let head: string;
          if (r.chance(0.25)) {
            inner.names.set("k", "str");
            inner.names.set("v", r.pick(ANY));
            head = `for k, v in ${paren(this.expr(s, "dict", 2))}.items()`;
          } else {
            const et: Ty = r.pick(["int", "str", "str", "list", "dict"]);
            const v = r.pick(["t", "item", "p"]);
            inner.names.set(v, et);
            const iter = et === "str" && r.chance(0.3) ? this.expr(s, "str", 2) : this.expr(s, "list", 2);
            head = `for ${v} in ${iter}${r.chance(0.2) ? ` if ${v}` : ""}`;
          }
          let t = this.tag(head) + this.block(inner, r.int(1, 4));
          if (r.chance(0.2)) t += this.tag("else") + this.block(s, 1);
          return t + this.tag("endfor");
        }
        case 10:
        case 11: {
          const n = r.pick(["x", "y", "acc", "sep", "total", "conf"]);
          const ty = r.pick(ANY);
          const t = this.tag(`set ${n} = ${this.expr(s, ty, 3)}`);
          this.setName(s, n, ty);
          return t;
        }
        case 12: {
          // running values set inside a loop: Jinja starts each iteration from the outer value
          const n = r.pick(["sep", "total", "acc"]);
          const init = n === "sep" ? "''" : n === "total" ? "0" : "[]";
          const upd = (v: string) =>
            n === "sep" ? "', '" : n === "total" ? `${v} + loop.index` : `${v} + [loop.index]`;
          const src = this.expr(s, "list", 2);
          if (r.chance(0.3))
            return `{% set ns = namespace(${n}=${init}) %}{% for t in ${src} %}{{ ns.${n} }}{{ t }}{% set ns.${n} = ${upd(`ns.${n}`)} %}{% endfor %}{{ ns.${n} }}`;
          this.setName(s, n, n === "sep" ? "str" : n === "total" ? "int" : "list");
          return `{% set ${n} = ${init} %}{% for t in ${src} %}{{ ${n} }}{{ t }}{% set ${n} = ${upd(n)} %}{% endfor %}{{ ${n} }}`;
        }
        case 13: {
          const n = r.pick(["x", "y", "blk"]);
          const f = r.chance(0.4) ? ` | ${r.pick(["upper", "trim", "title", "replace('a', 'o')"])}` : "";
          const t = this.tag(`set ${n}${f}`) + this.block(s, r.int(1, 3)) + this.tag("endset");
          this.setName(s, n, "str");
          return t;
        }
        case 14:
          return (
            this.tag(
              `filter ${r.pick(["upper", "lower", "trim", "title", "replace('a', 'o')", "indent(2)", "center(20)", "e"])}`,
            ) +
            this.block(s, r.int(1, 3)) +
            this.tag("endfilter")
          );
        case 15: {
          const n = r.pick(["x", "y", "w"]);
          const ty = r.pick(ANY);
          const inner: Scope = { ...s, names: new Map(s.names).set(n, ty) };
          return (
            this.tag(`with ${n} = ${this.expr(s, ty, 3)}`) +
            this.block(inner, r.int(1, 3)) +
            this.tag("endwith")
          );
        }
        case 16: {
          if (s.inMacro || s.inLoop) return this.out(s);
          const m = `m${this.macroN++}`;
          const inner: Scope = {
            names: new Map([
              ["a", "str" as Ty],
              ["b", "int" as Ty],
            ]),
            inLoop: false,
            inMacro: true,
            macros: [],
          };
          const body =
            this.block(inner, r.int(1, 3)) + (r.chance(0.3) ? "{{ caller() if caller is defined }}" : "");
          s.macros.push(m);
          const def = this.tag(`macro ${m}(a, b=${this.literal("int")})`) + body + this.tag("endmacro");
          const args = `${this.expr(s, "str", 2)}${r.chance(0.4) ? `, ${this.expr(s, "int", 2)}` : ""}`;
          const use = r.chance(0.3)
            ? `{% call ${m}(${args}) %}${this.block({ ...s, inMacro: true }, 1)}{% endcall %}`
            : `{{ ${m}(${args}) }}`;
          return def + use;
        }
        case 17:
          return `{% set lst = [] %}{% do lst.append(${this.expr(s, r.pick(ANY), 2)}) %}{% do lst.extend(${this.expr(s, "list", 2)}) %}{{ lst }}`;
        case 18:
          return `{#${this.ws()} ${r.pick(["a comment", "{{ x }}", "multi\nline"])} ${r.pick(["", "-"])}#}`;
        case 19:
          return r.chance(0.5)
            ? "{% raw %}{{ not rendered }}{% endraw %}"
            : `{% if ${this.expr(s, "bool", 2)} %}{{ ${this.expr(s, r.pick(ANY), 2)} }}{% endif %}`;
        default:
          return this.out(s);
      }
    } finally {
      this.depth--;
    }
  }
}

/** The n-th case of a seeded run: the same seed and index always give the same case. */
export function genCase(seed: number, id: number): FuzzCase {
  const r = new Rng((seed * 1000003 + id * 7919) >>> 0);
  const payload = genPayload(r);
  const hasConf = r.chance(0.3);
  const g = new TemplateGen(r, payload.keys, hasConf);
  const scope: Scope = { names: new Map(), inLoop: false, inMacro: false, macros: [] };
  const source = (hasConf ? "{% set conf = dag_run.conf %}" : "") + g.block(scope, r.int(1, 4));
  return {
    id,
    source,
    conf: payload.text,
    ts: r.pick([
      "2026-03-15T00:00:00+00:00",
      "2026-03-15T06:30:00+00:00",
      "2024-02-29T23:59:59.250000+00:00",
    ]),
    params: r.chance(0.3) ? { a: 1, name: "dflt", tags: ["p"] } : {},
    varValues: { sparklane_project: "visits-etl" },
  };
}
