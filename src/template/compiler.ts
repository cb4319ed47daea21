// AST -> closures. Each template compiles once; rendering is closure calls over runtime.ts's frames.
import type { CallArgs, Expr, Signature, Stmt, Target } from "./ast.js";
import { PyError, TemplateError } from "./errors.js";
import type { Pos } from "./errors.js";
import { BUILTINS } from "./builtins.js";
import { printf } from "./format.js";
import { closest } from "./hints.js";
import type { LineMap } from "./lexer.js";
import type { FilterFn, TestFn } from "./registry.js";
import {
  BlockRef,
  Frame,
  LoopCtx,
  Macro,
  Out,
  TemplateCtx,
  discardOut,
  lookup,
  renderBlock,
  templateCtx,
  unpack,
  visibleNames,
  writeValue,
} from "./runtime.js";
import type { BlockDef, Compiled, Ev, Ex } from "./runtime.js";
import { NO_METHOD, SliceVal, callMethod, callValue, getattr, getitem } from "./sandbox.js";
import type { Site } from "./sandbox.js";
import {
  Namespace,
  PyObj,
  Undefined,
  hashKey,
  isStr,
  iterate,
  pyAdd,
  pyCompare,
  pyDiv,
  pyFloorDiv,
  pyMod,
  pyMul,
  pyNeg,
  pyPos,
  pyPow,
  pyStr,
  pySub,
  strOf,
  truthy,
  tuple,
  typeName,
} from "./values.js";
import type { Kwargs } from "./values.js";

/** A `loop` assigned anywhere inside a for statement, which jinja refuses at compile time. */
function findLoopStore(node: unknown): { pos: number } | null {
  if (Array.isArray(node)) {
    for (const x of node) {
      const r = findLoopStore(x);
      if (r) return r;
    }
    return null;
  }
  if (!node || typeof node !== "object" || node instanceof Map) return null;
  const o = node as { t?: string; name?: string; pos: number; target?: unknown; targets?: unknown };
  for (const tgt of [o.target, ...(Array.isArray(o.targets) ? o.targets : [])]) {
    if (tgt && isLoopName(tgt)) return tgt as { pos: number };
  }
  for (const v of Object.values(o)) {
    const r = typeof v === "object" ? findLoopStore(v) : null;
    if (r) return r;
  }
  return null;
}

function isLoopName(t: unknown): boolean {
  const x = t as { t: string; name?: string; items?: unknown[] };
  if (x.t === "name") return x.name === "loop";
  return x.t === "tuple" && (x.items ?? []).some(isLoopName);
}

/** Names a macro body reads (to know whether it takes varargs, kwargs, caller). */
function readsName(stmts: Stmt[], name: string): boolean {
  const seen = (x: unknown): boolean => {
    if (Array.isArray(x)) return x.some(seen);
    if (x && typeof x === "object" && !(x instanceof Map)) {
      const o = x as { t?: string; name?: string };
      if (o.t === "name" && o.name === name) return true;
      if (o.t === "macro") return false;
      return Object.values(o).some(seen);
    }
    return false;
  };
  return seen(stmts);
}

export class Compiler {
  private readonly blocks = new Map<string, BlockDef>();
  private depth = 0;
  private soft = false;

  constructor(
    private readonly name: string,
    private readonly lines: LineMap,
  ) {}

  private pos(n: { pos: number; end: number }): Pos {
    const { line, col } = this.lines.locate(n.pos);
    return { file: this.name, line, col, text: this.lines.source.slice(n.pos, n.end) };
  }

  private fail(kind: string, n: { pos: number }, msg: string, hint?: string): never {
    const { line, col } = this.lines.locate(n.pos);
    throw new TemplateError(kind, this.name, line, col, msg, hint);
  }

  private site(obj: Expr, whole: Expr): Site {
    return { pos: this.pos(whole), objText: this.lines.source.slice(obj.pos, obj.end) };
  }

  /** Compiles a whole template: its body, its blocks, and the inheritance protocol around them. */
  compileTemplate(stmts: Stmt[], file: string): Compiled {
    const parts = stmts.map((s) => this.stmt(s));
    const blocks = this.blocks;
    const root = (f: Frame, out: Out, t: TemplateCtx): void => {
      let o = out;
      for (const p of parts) {
        p(f, o);
        if (t.parent && o === out) o = discardOut();
      }
      if (t.parent) {
        const parent = t.parent;
        t.parent = null;
        parent.root(f, out, t);
      }
    };
    const run: Ex = (f, out) => {
      const t = new TemplateCtx(f, blocks);
      f.tctx = t;
      root(f, out, t);
    };
    return { name: this.name, file, run, root, blocks };
  }

  /** Compiles a scope of its own (jinja's frame.inner()): not top level, and not soft. */
  private nested<T>(fn: () => T): T {
    const soft = this.soft;
    this.depth++;
    this.soft = false;
    try {
      return fn();
    } finally {
      this.depth--;
      this.soft = soft;
    }
  }

  /**
   * Compiles an `if` statement or an inline if (jinja's frame.soft()): there an unknown filter or test is an
   * error only when it is called, since the branch may never run.
   */
  private softly<T>(fn: () => T): T {
    const soft = this.soft;
    this.soft = true;
    try {
      return fn();
    } finally {
      this.soft = soft;
    }
  }

  compileBody(stmts: Stmt[]): Ex {
    const parts = stmts.map((s) => this.stmt(s));
    if (parts.length === 1) return parts[0]!;
    return (f, out) => {
      for (let i = 0; i < parts.length; i++) parts[i]!(f, out);
    };
  }

  private stmt(s: Stmt): Ex {
    switch (s.t) {
      case "data": {
        const text = s.text;
        return (_f, out) => {
          out.s += text;
        };
      }
      case "print":
        return this.print(s.expr);
      case "if": {
        const [test, body, else_] = this.softly(() => [
          this.expr(s.test),
          this.compileBody(s.body),
          s.else_.length ? this.compileBody(s.else_) : null,
        ]);
        return (f, out) => {
          if (truthy(test(f))) body(f, out);
          else if (else_) else_(f, out);
        };
      }
      case "for":
        return this.forLoop(s);
      case "set": {
        const val = this.expr(s.expr);
        const assign = this.assign(s.target);
        return (f) => assign(f, val(f));
      }
      case "setblock": {
        const body = this.nested(() => this.compileBody(s.body));
        const filter = s.filter ? this.nested(() => this.filterChain(s.filter!)) : null;
        const assign = this.assign(s.target);
        return (f) => {
          const cap = new Out(null);
          body(new Frame(f, f.st), cap);
          assign(f, filter ? filter(f, cap.s) : cap.s);
        };
      }
      case "macro": {
        const make = this.macroFactory(s.name, s.sig, s.body);
        const name = s.name;
        return (f) => {
          f.set(name, make(f));
        };
      }
      case "callblock": {
        const makeCaller = this.macroFactory("caller", s.sig, s.body);
        const call = this.callParts(s.call);
        const P = this.pos(s.call);
        return (f, out) => {
          const callee = call.callee(f);
          const args = call.args(f);
          const kw = call.kwargs(f) ?? new Map<string, unknown>();
          kw.set("caller", makeCaller(f));
          f.st.pos = P;
          if (callee instanceof Macro) callee.invoke(args, kw, out);
          else writeValue(out, callValue(callee, args, kw));
        };
      }
      case "include":
        return this.include(s);
      case "import": {
        const load = this.module(s.template, s.withContext);
        const target = s.target;
        return (f) => f.set(target, load(f));
      }
      case "fromimport": {
        const load = this.module(s.template, s.withContext);
        const names = s.names;
        const P = this.pos(s.template);
        return (f) => {
          const mod = load(f);
          for (const [name, alias] of names) {
            const v = mod.attrs.get(name);
            f.set(
              alias,
              v !== undefined && !name.startsWith("_")
                ? v
                : new Undefined(
                    `the template '${mod.typeName}' (imported on line ${P.line}) does not export the requested name '${name}'`,
                    P,
                  ),
            );
          }
        };
      }
      case "do": {
        const e = this.expr(s.expr);
        return (f) => {
          e(f);
        };
      }
      case "with": {
        const values = s.values.map((v) => this.expr(v));
        const assigns = s.targets.map((t) => this.assign(t));
        const body = this.nested(() => this.compileBody(s.body));
        return (f, out) => {
          const vals = values.map((v) => v(f));
          const inner = new Frame(f, f.st);
          assigns.forEach((a, i) => a(inner, vals[i]));
          body(inner, out);
        };
      }
      case "extends": {
        if (this.depth > 0)
          this.fail("TemplateAssertionError", s, "cannot use extend from a non top-level scope");
        const nameEv = this.expr(s.template);
        const P = this.pos(s.template);
        return (f) => {
          const t = templateCtx(f);
          const name = nameEv(f);
          f.st.pos = P;
          if (t.parent) throw new PyError("TemplateRuntimeError", "extended multiple times");
          const parent = this.loadNamed(f, name, P);
          t.parent = parent;
          for (const [n, b] of parent.blocks) {
            const c = t.chain.get(n);
            if (c) c.push(b);
            else t.chain.set(n, [b]);
          }
        };
      }
      case "block": {
        if (this.blocks.has(s.name))
          this.fail("TemplateAssertionError", s, `block '${s.name}' defined twice`);
        const def: BlockDef = {
          name: s.name,
          body: this.nested(() => this.compileBody(s.body)),
          required: s.required,
        };
        this.blocks.set(s.name, def);
        const name = s.name;
        const scoped = s.scoped;
        return (f, out) => {
          const t = templateCtx(f);
          if (t.parent) return; // the parent template renders it
          renderBlock(t, name, 0, scoped ? f : t.top, out);
        };
      }
      case "filterblock": {
        const body = this.nested(() => this.compileBody(s.body));
        const filter = this.nested(() => this.filterChain(s.filter));
        return (f, out) => {
          const cap = new Out(null);
          body(new Frame(f, f.st), cap);
          writeValue(out, filter(f, cap.s));
        };
      }
    }
  }

  /** A filter chain whose innermost input is a captured block instead of an expression. */
  private filterChain(e: Expr): (f: Frame, input: string) => unknown {
    if (e.t !== "filter") return () => this.fail("TemplateSyntaxError", e, "expected a filter");
    const inner = e.node ? this.filterChain(e.node) : (_f: Frame, input: string) => input;
    const fn = this.lookupFilter(e.name, e);
    const args = this.callArgs(e.args);
    const P = this.pos(e);
    return (f, input) => {
      const v = inner(f, input);
      const a = args.args(f);
      const k = args.kwargs(f);
      f.st.pos = P;
      return fn(v, a, k, BUILTINS);
    };
  }

  private print(e: Expr): Ex {
    if (e.t === "call" && !this.isDictGet(e)) {
      // A macro called in {{ }} writes straight into the output, so its own {{ }} spans are kept and
      // the template text inside it is not counted as interpolated.
      const call = this.callParts(e);
      const P = this.pos(e);
      return (f, out) => {
        const callee = call.callee(f);
        const args = call.args(f);
        const kw = call.kwargs(f);
        f.st.pos = P;
        if (callee instanceof Macro) callee.invoke(args, kw, out);
        else if (callee instanceof LoopCtx && !kw) callee.invoke(args, out);
        else if (callee instanceof BlockRef && !args.length && !kw) callee.invoke(out);
        else writeValue(out, call.invoke(callee, args, kw));
      };
    }
    const ev = this.expr(e);
    return (f, out) => writeValue(out, ev(f));
  }

  private forLoop(s: Stmt & { t: "for" }): Ex {
    const store = findLoopStore(s);
    if (store)
      this.fail("TemplateAssertionError", store, "Can't assign to special loop variable in for-loop target");
    const iter = this.expr(s.iter);
    const assign = this.assign(s.target);
    const test = s.test ? this.nested(() => this.expr(s.test!)) : null;
    const body = this.nested(() => this.compileBody(s.body));
    const else_ = s.else_.length ? this.nested(() => this.compileBody(s.else_)) : null;
    const P = this.pos(s.iter);
    const recursive = s.recursive;
    const run = (f: Frame, out: Out, iterable: unknown, depth0: number): void => {
      f.st.pos = P;
      let items = iterate(iterable);
      const lf = new Frame(f, f.st);
      if (test) {
        items = items.filter((it) => {
          assign(lf, it);
          return truthy(test(lf));
        });
      }
      if (!items.length) {
        if (else_) else_(new Frame(f, f.st), out);
        return;
      }
      const recurse = recursive ? (it: unknown, o: Out) => run(f, o, it, depth0 + 1) : null;
      const loop = new LoopCtx(items, depth0, recurse);
      const loopFrame = new Frame(f, f.st);
      loopFrame.set("loop", loop);
      for (let i = 0; i < items.length; i++) {
        loop.index0 = i;
        // jinja starts every iteration from the outer values: a `set` in the body lasts one iteration
        const it = new Frame(loopFrame, f.st);
        assign(it, items[i]);
        body(it, out);
      }
    };
    return (f, out) => run(f, out, iter(f), 0);
  }

  private macroFactory(name: string, sig: Signature, stmts: Stmt[]): (f: Frame) => Macro {
    const body = this.nested(() => this.compileBody(stmts));
    const defaults = this.nested(() => sig.defaults.map((d) => this.expr(d)));
    const uv = readsName(stmts, "varargs");
    const uk = readsName(stmts, "kwargs");
    const uc = name === "caller" ? false : readsName(stmts, "caller");
    return (f) => new Macro(name, sig.params, defaults, body, f, uv, uk, uc);
  }

  /** Loads a template by a name computed at render time, reporting a missing one at the naming expression. */
  private loadNamed(f: Frame, name: unknown, P: Pos): Compiled {
    if (name instanceof Undefined) name.fail();
    if (!isStr(name)) throw new PyError("TypeError", `template name must be a string, not ${typeName(name)}`);
    try {
      return f.st.loader(strOf(name));
    } catch (e) {
      if (e instanceof TemplateError && e.kind === "TemplateNotFound") {
        throw new PyError("TemplateNotFound", e.detail, P, e.hint);
      }
      throw e;
    }
  }

  /** Renders a template for its exports (macros and top-level sets), as `import` does; output is dropped. */
  private module(nameExpr: Expr, withContext: boolean): (f: Frame) => PyObj {
    const nameEv = this.expr(nameExpr);
    const P = this.pos(nameExpr);
    return (f) => {
      const name = nameEv(f);
      f.st.pos = P;
      if (name instanceof Undefined) name.fail();
      if (!isStr(name))
        throw new PyError("TypeError", `template name must be a string, not ${typeName(name)}`);
      let tmpl: Compiled;
      try {
        tmpl = f.st.loader(strOf(name));
      } catch (e) {
        if (e instanceof TemplateError && e.kind === "TemplateNotFound") {
          throw new PyError("TemplateNotFound", e.detail, P, e.hint);
        }
        throw e;
      }
      // with context, the module sees the names as they are at the import (jinja's context.get_all() and locals)
      const mf = new Frame(withContext ? f.snapshot() : null, f.st);
      tmpl.run(mf, new Out(null));
      const attrs = new Map(mf.entries().filter(([k]) => !k.startsWith("_")));
      return new PyObj(tmpl.name, attrs, undefined, () => `<Template module '${tmpl.name}'>`);
    };
  }

  private include(s: Stmt & { t: "include" }): Ex {
    const nameEv = this.expr(s.template);
    const P = this.pos(s.template);
    const { ignoreMissing, withContext } = s;
    return (f, out) => {
      const value = nameEv(f);
      f.st.pos = P;
      if (value === null)
        throw new PyError("TemplateNotFound", "Tried to select from an empty list of templates.", P);
      const names = Array.isArray(value) ? value : [value];
      let tmpl: Compiled | null = null;
      let lastErr: unknown = null;
      for (const n of names) {
        if (n instanceof Undefined) n.fail();
        if (!isStr(n)) throw new PyError("TypeError", `template name must be a string, not ${typeName(n)}`);
        try {
          tmpl = f.st.loader(strOf(n));
          break;
        } catch (e) {
          if (e instanceof TemplateError && e.kind === "TemplateNotFound") {
            lastErr = e;
            continue;
          }
          throw e;
        }
      }
      if (!tmpl) {
        if (ignoreMissing) return;
        const e = lastErr as TemplateError;
        throw new PyError("TemplateNotFound", e.detail, P, e.hint);
      }
      const root = withContext ? f : null;
      tmpl.run(new Frame(root, f.st), out);
    };
  }

  private assign(t: Target): (f: Frame, v: unknown) => void {
    if (t.t === "name") {
      const name = t.name;
      return (f, v) => {
        f.set(name, v);
      };
    }
    if (t.t === "nsref") {
      const { ns, attr } = t;
      const P = this.pos(t);
      return (f, v) => {
        const obj = lookup(f, ns);
        if (!(obj instanceof Namespace)) {
          throw new PyError("TemplateRuntimeError", "cannot assign attribute on non-namespace object", P);
        }
        obj.attrs.set(attr, v);
      };
    }
    const subs = t.items.map((x) => this.assign(x));
    const P = this.pos(t);
    return (f, v) => {
      f.st.pos = P;
      const items = unpack(v, subs.length);
      subs.forEach((s, i) => s(f, items[i]));
    };
  }

  private lookupFilter(name: string, n: Expr & { npos: number }): FilterFn {
    return BUILTINS.filters.get(name) ?? this.missing("filter", name, [...BUILTINS.filters.keys()], n);
  }

  private lookupTest(name: string, n: Expr & { npos: number }): TestFn {
    return BUILTINS.tests.get(name) ?? this.missing("test", name, [...BUILTINS.tests.keys()], n);
  }

  /** An unknown filter or test: a compile error, or in a soft scope one raised when it is called. */
  private missing(kind: string, name: string, known: string[], n: { npos: number }): () => never {
    const near = closest(name, known);
    const hint = near && `did you mean '${near}'?`;
    if (!this.soft) this.fail("TemplateAssertionError", { pos: n.npos }, `No ${kind} named '${name}'.`, hint);
    return () => {
      throw new PyError("TemplateRuntimeError", `No ${kind} named '${name}' found.`, undefined, hint);
    };
  }

  private callArgs(a: CallArgs): {
    args: (f: Frame) => unknown[];
    kwargs: (f: Frame) => Map<string, unknown> | null;
  } {
    const pos = a.args.map((x) => this.expr(x));
    const star = a.star ? this.expr(a.star) : null;
    const kws = a.kwargs.map(([k, v]) => [k, this.expr(v)] as const);
    const dstar = a.dstar ? this.expr(a.dstar) : null;
    const args =
      pos.length === 0 && !star
        ? () => [] as unknown[]
        : (f: Frame) => {
            const r = pos.map((p) => p(f));
            if (star) r.push(...iterate(star(f)));
            return r;
          };
    const kwargs =
      kws.length === 0 && !dstar
        ? () => null
        : (f: Frame) => {
            const m = new Map<string, unknown>();
            for (const [k, v] of kws) m.set(k, v(f));
            if (dstar) {
              const d = dstar(f);
              if (d instanceof Undefined) d.fail();
              if (!(d instanceof Map)) throw new PyError("TypeError", "argument after ** must be a mapping");
              for (const [k, v] of d) m.set(String(k), v);
            }
            return m;
          };
    return { args, kwargs };
  }

  private callParts(e: Expr & { t: "call" }) {
    const { args, kwargs } = this.callArgs(e.args);
    const c = e.callee;
    if (c.t === "getattr") {
      // obj.method(...): call str/dict/list methods without binding them first
      const obj = this.expr(c.obj);
      const site = this.site(c.obj, c);
      const attr = c.attr;
      return {
        args,
        kwargs,
        callee: (f: Frame): unknown => {
          const self = obj(f);
          f.st.pos = site.pos;
          if (self instanceof Map || typeof self === "string" || Array.isArray(self))
            return new PendingMethod(self);
          return getattr(self, attr, site);
        },
        invoke: (callee: unknown, a: unknown[], k: Kwargs): unknown => {
          if (callee instanceof PendingMethod) {
            const r = callMethod(callee.self, attr, a, k);
            if (r !== NO_METHOD) return r;
            callee = getattr(callee.self, attr, site);
          }
          return callValue(callee, a, k);
        },
      };
    }
    const callee = this.expr(c);
    return { args, kwargs, callee, invoke: callValue };
  }

  /** `x.get(k)` / `x.get(k, d)`, the most common call in payload templates. */
  private isDictGet(e: Expr & { t: "call" }): boolean {
    const a = e.args;
    return (
      e.callee.t === "getattr" &&
      e.callee.attr === "get" &&
      a.args.length >= 1 &&
      a.args.length <= 2 &&
      !a.kwargs.length &&
      !a.star &&
      !a.dstar
    );
  }

  private dictGet(e: Expr & { t: "call" }): Ev {
    const c = e.callee as Expr & { t: "getattr" };
    const obj = this.expr(c.obj);
    const key = this.expr(e.args.args[0]!);
    const dflt = e.args.args[1] ? this.expr(e.args.args[1]) : null;
    const site = this.site(c.obj, c);
    const P = this.pos(e);
    return (f) => {
      const o = obj(f);
      if (o instanceof Map) {
        const k = key(f);
        const d = dflt ? dflt(f) : null;
        f.st.pos = P;
        const v = o.get(typeof k === "string" ? k : hashKey(k));
        return v === undefined ? d : v;
      }
      f.st.pos = site.pos;
      const callee = getattr(o, "get", site);
      const args = dflt ? [key(f), dflt(f)] : [key(f)];
      f.st.pos = P;
      return callValue(callee, args, null);
    };
  }

  expr(e: Expr): Ev {
    switch (e.t) {
      case "const": {
        const v = e.value;
        return () => v;
      }
      case "name": {
        const name = e.name;
        const P = this.pos(e);
        return (f) => {
          const v = lookup(f, name);
          return v === undefined
            ? new Undefined(`'${name}' is undefined`, P, "UndefinedError", () => {
                const near = closest(name, visibleNames(f));
                return near ? `did you mean '${near}'?` : undefined;
              })
            : v;
        };
      }
      case "tuple": {
        const items = e.items.map((x) => this.expr(x));
        return (f) => tuple(items.map((x) => x(f)));
      }
      case "list": {
        const items = e.items.map((x) => this.expr(x));
        return (f) => items.map((x) => x(f));
      }
      case "dict": {
        const pairs = e.pairs.map(([k, v]) => [this.expr(k), this.expr(v)] as const);
        const P = this.pos(e);
        return (f) => {
          const m = new Map<unknown, unknown>();
          for (const [k, v] of pairs) {
            const key = k(f);
            f.st.pos = P;
            m.set(hashKey(key), v(f));
          }
          return m;
        };
      }
      case "getattr": {
        const obj = this.expr(e.obj);
        const site = this.site(e.obj, e);
        const attr = e.attr;
        return (f) => {
          const o = obj(f);
          f.st.pos = site.pos;
          return getattr(o, attr, site);
        };
      }
      case "getitem": {
        const obj = this.expr(e.obj);
        const arg = this.expr(e.arg);
        const site = this.site(e.obj, e);
        return (f) => {
          const o = obj(f);
          const a = arg(f);
          f.st.pos = site.pos;
          return getitem(o, a, site);
        };
      }
      case "slice": {
        const [a, b, c] = [e.start, e.stop, e.step].map((x) => (x ? this.expr(x) : () => null));
        return (f) => new SliceVal(a!(f), b!(f), c!(f));
      }
      case "call": {
        if (this.isDictGet(e)) return this.dictGet(e);
        const call = this.callParts(e);
        const P = this.pos(e);
        return (f) => {
          const callee = call.callee(f);
          const a = call.args(f);
          const k = call.kwargs(f);
          f.st.pos = P;
          return call.invoke(callee, a, k);
        };
      }
      case "filter": {
        if (!e.node) return this.fail("TemplateSyntaxError", e, "filter without a value");
        const node = this.expr(e.node);
        const fn = this.lookupFilter(e.name, e);
        const { args, kwargs } = this.callArgs(e.args);
        const P = this.pos(e);
        return (f) => {
          const v = node(f);
          const a = args(f);
          const k = kwargs(f);
          f.st.pos = P;
          return fn(v, a, k, BUILTINS);
        };
      }
      case "test": {
        const node = this.expr(e.node);
        const fn = this.lookupTest(e.name, e);
        const { args, kwargs } = this.callArgs(e.args);
        const P = this.pos(e);
        const neg = e.negate;
        return (f) => {
          const v = node(f);
          const a = args(f);
          const k = kwargs(f);
          f.st.pos = P;
          return fn(v, a, k, BUILTINS) !== neg;
        };
      }
      case "binop": {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        const P = this.pos(e);
        const op = BINOPS[e.op]!;
        return (f) => {
          const a = l(f);
          const b = r(f);
          f.st.pos = P;
          return op(a, b);
        };
      }
      case "concat": {
        const items = e.items.map((x) => this.expr(x));
        const P = this.pos(e);
        return (f) => {
          let s = "";
          for (const it of items) {
            const v = it(f);
            f.st.pos = P;
            s += typeof v === "string" ? v : pyStr(v);
          }
          return s;
        };
      }
      case "compare": {
        const first = this.expr(e.first);
        const ops = e.ops.map(([op, x]) => [op, this.expr(x)] as const);
        const P = this.pos(e);
        return (f) => {
          let left = first(f);
          for (const [op, x] of ops) {
            const right = x(f);
            f.st.pos = P;
            if (!pyCompare(op, left, right)) return false;
            left = right;
          }
          return true;
        };
      }
      case "and": {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        return (f) => {
          const a = l(f);
          return truthy(a) ? r(f) : a;
        };
      }
      case "or": {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        return (f) => {
          const a = l(f);
          return truthy(a) ? a : r(f);
        };
      }
      case "not": {
        const n = this.expr(e.node);
        return (f) => !truthy(n(f));
      }
      case "neg":
      case "pos": {
        const n = this.expr(e.node);
        const P = this.pos(e);
        const op = e.t === "neg" ? pyNeg : pyPos;
        return (f) => {
          const v = n(f);
          f.st.pos = P;
          return op(v);
        };
      }
      case "cond": {
        const [test, then, else_] = this.softly(() => [
          this.expr(e.test),
          this.expr(e.then),
          e.else_ ? this.expr(e.else_) : null,
        ]);
        const P = this.pos(e);
        return (f) => {
          if (truthy(test(f))) return then(f);
          if (else_) return else_(f);
          // jinja uses its lenient Undefined here, not the environment's StrictUndefined
          return new Undefined(
            `the inline if-expression '${P.text}' evaluated to false and no else section was defined.`,
            P,
            "UndefinedError",
            undefined,
            true,
          );
        };
      }
    }
  }
}

/** `obj.name` where obj is a str/dict/list: the method is called without binding it first. */
class PendingMethod {
  constructor(readonly self: unknown) {}
}

const BINOPS: Record<string, (a: unknown, b: unknown) => unknown> = {
  "+": pyAdd,
  "-": pySub,
  "*": pyMul,
  "/": pyDiv,
  "//": pyFloorDiv,
  "%": (a, b) => pyMod(a, b, printf),
  "**": pyPow,
};
