// The render-time machinery the compiled closures run on: frames (jinja's scoping), the output buffer and its
// spans, loop contexts, macros, blocks and template inheritance, and the payload taint that rides along.
//
// Taint: a value that comes from the trigger payload (dag_run.conf, params) is tainted, and so is every value
// computed from one (string methods, filters, formatting, concatenation, containers that hold one). The
// compiled closures pass it in a register, RenderState.t, set by every expression; frames keep it per name;
// containers and other objects carry it in RenderState.tainted. A number keeps its taint (`' ' * n` with a
// payload n is payload-sized indentation), but a number, boolean or None *printed* is not reported: it
// prints as digits, a sign, `.`, `e`, True/False/None, which cannot form YAML structure. `tojson` turns a
// tainted value into a *closed* one: one JSON value, a single YAML node that cannot reach outside itself.
import { PyError } from "./errors.js";
import type { Pos } from "./errors.js";
import { GLOBALS } from "./globals.js";
import { NOATTR, PyFloat, PyFunc, PyObject, Undefined, iterate, pyEq, pyStr, tuple } from "./values.js";
import type { Kwargs } from "./values.js";

export interface RenderState {
  pos: Pos | undefined;
  readonly loader: (name: string) => Compiled;
  /** The taint of the value the last expression evaluated to (UNTAINTED, TAINTED or CLOSED). */
  t: number;
  /** Objects (dicts, lists, namespaces, functions...) that hold or stand for payload data. */
  readonly tainted: WeakSet<object>;
}

export const UNTAINTED = 0;
export const TAINTED = 1;
/** Tainted, but printed by `tojson`: one closed JSON value. */
export const CLOSED = 2;

/**
 * The taint of value `v` computed with taint `t`: an object computed from tainted input is remembered as
 * tainted, and an object already known to be is.
 */
export function taintOf(st: RenderState, v: unknown, t: number): number {
  if (t === UNTAINTED) return v !== null && typeof v === "object" && st.tainted.has(v) ? TAINTED : UNTAINTED;
  if (v !== null && typeof v === "object") st.tainted.add(v);
  return t;
}

/** Whether a value prints as text that could form YAML structure (not a number, boolean or None). */
function printsText(v: unknown): boolean {
  return !(v === null || typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat);
}

/** Marks every container reachable from a payload root as tainted. */
export function taintAll(st: RenderState, v: unknown): void {
  if (v === null || typeof v !== "object" || st.tainted.has(v)) return;
  st.tainted.add(v);
  if (v instanceof Map) for (const x of v.values()) taintAll(st, x);
  else if (Array.isArray(v)) for (const x of v) taintAll(st, x);
}

/**
 * Output buffer. `spans` collects the ranges written by `{{ }}`, and `taint` the tainted ones among them with
 * their kind; both null while capturing (set blocks, macro results), where `t` says whether anything tainted
 * was written.
 */
export class Out {
  s = "";
  t = UNTAINTED;
  readonly taint: Array<[number, number, number]> | null;
  constructor(readonly spans: Array<[number, number]> | null) {
    this.taint = spans ? [] : null;
  }
}

export class Frame {
  /** Set on a template's top frame. */
  tctx: TemplateCtx | null = null;
  // most frames (includes, loops without `set`) hold one or two names: a Map is made only when needed
  private vars: Map<string, unknown> | null = null;
  private k0: string | null = null;
  private v0: unknown = undefined;
  private t0 = UNTAINTED;
  private taints: Map<string, number> | null = null;
  constructor(
    readonly parent: Frame | null,
    readonly st: RenderState,
  ) {}
  get(name: string): unknown {
    if (this.k0 === name) return this.v0;
    return this.vars === null ? undefined : this.vars.get(name);
  }
  /** The names this frame defines, in definition order (a template module's exports). */
  entries(): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = this.k0 === null ? [] : [[this.k0, this.v0]];
    if (this.vars) out.push(...this.vars);
    return out;
  }
  /** The taint of a name this frame defines. */
  taintOf(name: string): number {
    if (this.k0 === name) return this.t0;
    return this.taints?.get(name) ?? UNTAINTED;
  }
  /** A frame holding every name visible from here, as they are now (innermost wins). */
  snapshot(): Frame {
    const flat = new Frame(null, this.st);
    const chain: Frame[] = [this];
    for (let fr = this.parent; fr; fr = fr.parent) chain.push(fr);
    for (let i = chain.length - 1; i >= 0; i--) {
      const fr = chain[i]!;
      for (const [k, v] of fr.entries()) flat.set(k, v, fr.taintOf(k));
    }
    return flat;
  }
  set(name: string, v: unknown, t = UNTAINTED): void {
    if (this.k0 === null || this.k0 === name) {
      this.k0 = name;
      this.v0 = v;
      this.t0 = t;
    } else {
      (this.vars ??= new Map()).set(name, v);
      if (t !== UNTAINTED) (this.taints ??= new Map()).set(name, t);
      else this.taints?.delete(name);
    }
  }
}

export interface Compiled {
  readonly name: string;
  readonly file: string;
  /** Renders the template as a whole (its own inheritance chain included). */
  readonly run: Ex;
  /** The template body when rendered as a parent of an `{% extends %}` chain. */
  readonly root: (f: Frame, out: Out, t: TemplateCtx) => void;
  readonly blocks: ReadonlyMap<string, BlockDef>;
}

export interface BlockDef {
  readonly name: string;
  readonly body: Ex;
  readonly required: boolean;
}

/** One render of one template: its frame, the block override chains and the template it extends. */
export class TemplateCtx {
  parent: Compiled | null = null;
  readonly chain = new Map<string, BlockDef[]>();
  constructor(
    readonly top: Frame,
    blocks: ReadonlyMap<string, BlockDef>,
  ) {
    for (const [n, b] of blocks) this.chain.set(n, [b]);
  }
}

export function templateCtx(f: Frame): TemplateCtx {
  let fr: Frame | null = f;
  while (fr && !fr.tctx) fr = fr.parent;
  if (!fr) throw new PyError("TemplateRuntimeError", "block used outside of a template");
  return fr.tctx!;
}

/** Output after an `{% extends %}`: the parent renders, the child's own top-level output is dropped. */
export function discardOut(): Out {
  const o = new Out(null);
  Object.defineProperty(o, "s", { get: () => "", set: () => {} });
  return o;
}

/**
 * Renders block `name` at position `i` of its override chain (0 = the most derived). `ctx` is the frame the
 * block sees: the template's top frame, or the call site's frame when the call site is `scoped`.
 */
export function renderBlock(t: TemplateCtx, name: string, i: number, ctx: Frame, out: Out): void {
  const chain = t.chain.get(name)!;
  const b = chain[i]!;
  if (b.required) throw new PyError("TemplateRuntimeError", `Required block '${name}' not found.`);
  const bf = new Frame(ctx, ctx.st);
  bf.set(
    "super",
    i + 1 < chain.length
      ? new BlockRef(t, name, i + 1, ctx)
      : new Undefined(`there is no parent block called '${name}'.`, undefined),
  );
  b.body(bf, out);
}

/** `super()` and `self.name()`: a block rendered on call, straight into the output when printed. */
export class BlockRef extends PyObject {
  constructor(
    readonly t: TemplateCtx,
    readonly name: string,
    readonly index: number,
    readonly f: Frame,
  ) {
    super();
  }
  pyGetattr(): unknown {
    return NOATTR;
  }
  override pyCall = (): unknown => {
    const out = new Out(null);
    this.invoke(out);
    return out.s;
  };
  invoke(out: Out): void {
    renderBlock(this.t, this.name, this.index, this.f, out);
  }
  pyRepr(): string {
    return `<BlockReference '${this.name}'>`;
  }
}

/** jinja's `self`: the current template's blocks, `self.name()`. */
class TemplateRef extends PyObject {
  constructor(readonly t: TemplateCtx) {
    super();
  }
  pyGetattr(name: string): unknown {
    return this.t.chain.has(name) ? new BlockRef(this.t, name, 0, this.t.top) : NOATTR;
  }
  pyRepr(): string {
    return "<TemplateReference>";
  }
}

export type Ev = (f: Frame) => unknown;

export type Ex = (f: Frame, out: Out) => void;

export class LoopCtx extends PyObject {
  index0 = -1;
  private last: unknown = NOATTR;
  constructor(
    readonly items: unknown[],
    readonly depth0: number,
    readonly recurse: ((iterable: unknown, out: Out, t: number) => void) | null,
    /** The items come from a tainted iterable (previtem and nextitem are then tainted). */
    readonly tainted: number,
  ) {
    super();
  }
  pyGetattr(name: string): unknown {
    const i = this.index0;
    const n = this.items.length;
    switch (name) {
      case "index":
        return i + 1;
      case "index0":
        return i;
      case "revindex":
        return n - i;
      case "revindex0":
        return n - i - 1;
      case "first":
        return i === 0;
      case "last":
        return i === n - 1;
      case "length":
        return n;
      case "depth":
        return this.depth0 + 1;
      case "depth0":
        return this.depth0;
      case "previtem":
        return i > 0 ? this.items[i - 1] : new Undefined("there is no previous item", undefined);
      case "nextitem":
        return i < n - 1 ? this.items[i + 1] : new Undefined("there is no next item", undefined);
      case "cycle":
        return new PyFunc("cycle", (args) => {
          if (!args.length) throw new PyError("TypeError", "no items for cycling given");
          return args[i % args.length];
        });
      case "changed":
        return new PyFunc("changed", (args) => {
          const t = tuple(args.slice());
          if (this.last === NOATTR || !pyEq(t, this.last)) {
            this.last = t;
            return true;
          }
          return false;
        });
    }
    return NOATTR;
  }
  override pyCall = (args: unknown[]): unknown => {
    const out = new Out(null);
    this.invoke(args, out);
    return out.s;
  };
  /** `{{ loop(children) }}` renders straight into the output, keeping the inner spans. */
  invoke(args: unknown[], out: Out, argT: readonly number[] = []): void {
    if (!this.recurse) {
      throw new PyError("TypeError", "The loop must have the 'recursive' marker to be called recursively.");
    }
    this.recurse(args[0], out, argT[0] ?? UNTAINTED);
  }
  pyRepr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`;
  }
}

export class Macro extends PyObject {
  constructor(
    readonly name: string,
    readonly params: string[],
    readonly defaults: Ev[],
    readonly body: Ex,
    readonly defFrame: Frame,
    readonly usesVarargs: boolean,
    readonly usesKwargs: boolean,
    readonly usesCaller: boolean,
  ) {
    super();
  }

  pyGetattr(name: string): unknown {
    switch (name) {
      case "name":
        return this.name;
      case "arguments":
        return tuple(this.params.slice());
      case "catch_kwargs":
        return this.usesKwargs;
      case "catch_varargs":
        return this.usesVarargs;
      case "caller":
        return this.usesCaller;
    }
    return NOATTR;
  }

  override pyCall = (args: unknown[], kw: Kwargs): unknown => {
    const out = new Out(null);
    this.invoke(args, kw, out);
    return out.s;
  };

  /** Runs the macro into `out`; `argT` and `kwT` are the taints of the arguments. */
  invoke(
    args: unknown[],
    kw: Kwargs,
    out: Out,
    argT: readonly number[] = [],
    kwT: ReadonlyMap<string, number> | null = null,
  ): void {
    const f = new Frame(this.defFrame, this.defFrame.st);
    const st = f.st;
    const np = this.params.length;
    if (args.length > np && !this.usesVarargs) {
      throw new PyError("TypeError", `macro '${this.name}' takes not more than ${np} argument(s)`);
    }
    let extraKw: Map<string, unknown> | null = null;
    let caller: unknown = undefined;
    const given = new Map<string, unknown>();
    if (kw) {
      for (const [k, v] of kw) {
        if (k === "caller" && this.usesCaller) caller = v;
        else if (this.params.includes(k)) given.set(k, v);
        else if (this.usesKwargs) (extraKw ??= new Map()).set(k, v);
        else throw new PyError("TypeError", `macro '${this.name}' takes no keyword argument '${k}'`);
      }
    }
    const firstDefault = np - this.defaults.length;
    for (let i = 0; i < np; i++) {
      const p = this.params[i]!;
      let v: unknown;
      let t = UNTAINTED;
      if (i < args.length) {
        if (given.has(p))
          throw new PyError("TypeError", `macro '${this.name}' got multiple values for argument '${p}'`);
        v = args[i];
        t = argT[i] ?? UNTAINTED;
      } else if (given.has(p)) {
        v = given.get(p);
        t = kwT?.get(p) ?? UNTAINTED;
      } else if (i >= firstDefault) {
        v = this.defaults[i - firstDefault]!(f);
        t = st.t;
      } else v = new Undefined(`parameter '${p}' was not provided`, undefined);
      f.set(p, v, taintOf(st, v, t));
    }
    const anyT = (ts: Iterable<number>): number => (Array.from(ts).some((x) => x) ? TAINTED : UNTAINTED);
    if (this.usesVarargs) {
      const rest = tuple(args.slice(np));
      f.set("varargs", rest, taintOf(st, rest, anyT(argT.slice(np))));
    }
    if (this.usesKwargs) {
      const extra = extraKw ?? new Map<string, unknown>();
      const t = anyT([...extra.keys()].map((k) => kwT?.get(k) ?? UNTAINTED));
      f.set("kwargs", extra, taintOf(st, extra, t));
    }
    if (this.usesCaller) f.set("caller", caller ?? new Undefined("No caller defined", undefined));
    this.body(f, out);
  }

  pyRepr(): string {
    return `<Macro '${this.name}'>`;
  }
}

/** The value of a name, its taint left in `f.st.t`. */
export function lookup(f: Frame, name: string): unknown {
  let fr: Frame | null = f;
  let tctx: TemplateCtx | null = null;
  do {
    const v = fr.get(name);
    if (v !== undefined) {
      f.st.t = taintOf(f.st, v, fr.taintOf(name));
      return v;
    }
    tctx ??= fr.tctx;
    fr = fr.parent;
  } while (fr);
  f.st.t = UNTAINTED;
  if (name === "self" && tctx) return new TemplateRef(tctx);
  return GLOBALS.get(name);
}

export function visibleNames(f: Frame): string[] {
  const names: string[] = [...GLOBALS.keys()];
  for (let fr: Frame | null = f; fr; fr = fr.parent) for (const [k] of fr.entries()) names.push(k);
  return names;
}

export function unpack(value: unknown, n: number): unknown[] {
  const items = iterate(value);
  if (items.length < n)
    throw new PyError("ValueError", `not enough values to unpack (expected ${n}, got ${items.length})`);
  if (items.length > n) throw new PyError("ValueError", `too many values to unpack (expected ${n})`);
  return items;
}

export function writeValue(out: Out, v: unknown, t = UNTAINTED): void {
  const s = typeof v === "string" ? v : pyStr(v);
  if (!s) return;
  if (t !== UNTAINTED && !printsText(v)) t = UNTAINTED;
  if (t !== UNTAINTED) out.t = TAINTED;
  if (out.spans) {
    const start = out.s.length;
    out.s += s;
    out.spans.push([start, out.s.length]);
    if (t !== UNTAINTED) out.taint!.push([start, out.s.length, t]);
  } else out.s += s;
}

/** Writes a captured output (a macro's, a block's) into `out` as one value: tainted if anything in it was. */
export function writeCaptured(out: Out, cap: Out): void {
  writeValue(out, cap.s, cap.t);
}
