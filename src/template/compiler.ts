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
  CLOSED,
  Frame,
  LoopCtx,
  Macro,
  Out,
  TemplateCtx,
  discardOut,
  lookup,
  renderBlock,
  TAINTED,
  taintOf,
  templateCtx,
  UNTAINTED,
  unpack,
  visibleNames,
  writeValue,
} from "./runtime.js";
import type { BlockDef, Compiled, Ev, Ex, RenderState } from "./runtime.js";
import { NO_METHOD, SliceVal, callMethod, callValue, getattr, getitem } from "./sandbox.js";
import type { Site } from "./sandbox.js";
import {
  Namespace,
  PyFunc,
  PyObj,
  Undefined,
  dictLookup,
  dictStore,
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
  /** An error Python's compiler raises on the code jinja generates (a repeated keyword argument). */
  private pythonError: { pos: number; msg: string } | null = null;
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
    // jinja generates Python source and Python refuses it after jinja's own checks passed
    if (this.pythonError) this.fail("SyntaxError", this.pythonError, this.pythonError.msg);
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
        return (f) => {
          const v = val(f);
          assign(f, v, f.st.t);
        };
      }
      case "setblock": {
        const body = this.nested(() => this.compileBody(s.body));
        const filter = s.filter ? this.nested(() => this.filterChain(s.filter!)) : null;
        const assign = this.assign(s.target);
        return (f) => {
          const cap = new Out(null);
          body(new Frame(f, f.st), cap);
          const v = filter ? filter(f, cap.s, cap.t) : cap.s;
          assign(f, v, filter ? f.st.t : cap.t);
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
          const ct = f.st.t;
          const argT: number[] = [];
          const args = call.args(f, argT);
          const kwT = new Map<string, number>();
          const kw = call.kwargs(f, kwT) ?? new Map<string, unknown>();
          kw.set("caller", makeCaller(f));
          f.st.pos = P;
          if (callee instanceof Macro) callee.invoke(args, kw, out, argT, kwT);
          else {
            const v = callValue(callee, args, kw);
            writeValue(out, v, taintOf(f.st, v, anyTaint(ct, argT, kwT)));
          }
        };
      }
      case "include":
        return this.include(s);
      case "import": {
        const load = this.module(s.template, s.withContext);
        const target = s.target;
        return (f) => {
          const mod = load(f);
          f.set(target, mod, taintOf(f.st, mod, UNTAINTED));
        };
      }
      case "fromimport": {
        const load = this.module(s.template, s.withContext);
        const names = s.names;
        const P = this.pos(s.template);
        return (f) => {
          const mod = load(f);
          const t = taintOf(f.st, mod, UNTAINTED);
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
              t,
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
          const ts: number[] = [];
          const vals = values.map((v) => {
            const x = v(f);
            ts.push(f.st.t);
            return x;
          });
          const inner = new Frame(f, f.st);
          assigns.forEach((a, i) => a(inner, vals[i], ts[i]!));
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
          const v = filter(f, cap.s, cap.t);
          writeValue(out, v, f.st.t);
        };
      }
    }
  }

  /** A filter chain whose innermost input is a captured block instead of an expression. */
  /** A filter chain whose input is a captured block (with its taint); leaves the result's taint in st.t. */
  private filterChain(e: Expr): (f: Frame, input: string, t: number) => unknown {
    if (e.t !== "filter") return () => this.fail("TemplateSyntaxError", e, "expected a filter");
    const inner = e.node
      ? this.filterChain(e.node)
      : (f: Frame, input: string, t: number) => {
          f.st.t = t;
          return input;
        };
    const fn = this.lookupFilter(e.name, e);
    const args = this.callArgs(e.args);
    const P = this.pos(e);
    const closes = e.name === "tojson";
    return (f, input, t) => {
      const v = inner(f, input, t);
      const vt = f.st.t;
      const argT: number[] = [];
      const a = args.args(f, argT);
      const kwT = new Map<string, number>();
      const k = args.kwargs(f, kwT);
      f.st.pos = P;
      const r = fn(v, a, k, BUILTINS);
      f.st.t = filterTaint(f.st, r, closes, vt, argT, kwT);
      return r;
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
        const ct = f.st.t;
        const argT: number[] = [];
        const args = call.args(f, argT);
        const kwT = new Map<string, number>();
        const kw = call.kwargs(f, kwT);
        f.st.pos = P;
        if (callee instanceof Macro) callee.invoke(args, kw, out, argT, kwT);
        else if (callee instanceof LoopCtx && !kw) callee.invoke(args, out, argT);
        else if (callee instanceof BlockRef && !args.length && !kw) callee.invoke(out);
        else {
          const v = call.invoke(f, callee, args, kw, ct, argT, kwT);
          writeValue(out, v, f.st.t);
        }
      };
    }
    const ev = this.expr(e);
    return (f, out) => {
      const v = ev(f);
      writeValue(out, v, f.st.t);
    };
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
    const run = (f: Frame, out: Out, iterable: unknown, depth0: number, t: number): void => {
      f.st.pos = P;
      let items = iterate(iterable);
      const lf = new Frame(f, f.st);
      if (test) {
        items = items.filter((it) => {
          assign(lf, it, t);
          return truthy(test(lf));
        });
      }
      if (!items.length) {
        if (else_) else_(new Frame(f, f.st), out);
        return;
      }
      const recurse = recursive
        ? (it: unknown, o: Out, it_t: number) => run(f, o, it, depth0 + 1, taintOf(f.st, it, it_t))
        : null;
      const loop = new LoopCtx(items, depth0, recurse, t);
      const loopFrame = new Frame(f, f.st);
      loopFrame.set("loop", loop);
      for (let i = 0; i < items.length; i++) {
        loop.index0 = i;
        // jinja starts every iteration from the outer values: a `set` in the body lasts one iteration
        const it = new Frame(loopFrame, f.st);
        assign(it, items[i], t);
        body(it, out);
      }
    };
    return (f, out) => {
      const v = iter(f);
      run(f, out, v, 0, f.st.t);
    };
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
      const mod = new PyObj(tmpl.name, attrs, undefined, () => `<Template module '${tmpl.name}'>`);
      // a module that exports a tainted value is tainted as a whole
      if ([...attrs.keys()].some((k) => mf.taintOf(k) !== UNTAINTED)) f.st.tainted.add(mod);
      return mod;
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

  /** Assigns a value computed with taint `vt` to a target. */
  private assign(t: Target): (f: Frame, v: unknown, vt: number) => void {
    if (t.t === "name") {
      const name = t.name;
      return (f, v, vt) => {
        f.set(name, v, taintOf(f.st, v, vt));
      };
    }
    if (t.t === "nsref") {
      const { ns, attr } = t;
      const P = this.pos(t);
      return (f, v, vt) => {
        const obj = lookup(f, ns);
        if (!(obj instanceof Namespace)) {
          throw new PyError("TemplateRuntimeError", "cannot assign attribute on non-namespace object", P);
        }
        obj.attrs.set(attr, v);
        if (taintOf(f.st, v, vt) !== UNTAINTED) f.st.tainted.add(obj);
      };
    }
    const subs = t.items.map((x) => this.assign(x));
    const P = this.pos(t);
    return (f, v, vt) => {
      f.st.pos = P;
      const items = unpack(v, subs.length);
      const it = taintOf(f.st, v, vt);
      subs.forEach((s, i) => s(f, items[i], it));
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

  /**
   * Evaluators of a call's arguments. Each pushes the taint of every argument it evaluates into `taints`
   * (positional) or sets it by name (keyword); `*xs` and `**kw` give every argument they spread their taint.
   */
  private callArgs(a: CallArgs): {
    args: (f: Frame, taints: number[]) => unknown[];
    kwargs: (f: Frame, taints: Map<string, number>) => Map<string, unknown> | null;
  } {
    const seen = new Set<string>();
    for (const [k, v] of a.kwargs) {
      if (seen.has(k)) this.pythonError ??= { pos: v.pos, msg: `keyword argument repeated: ${k}` };
      seen.add(k);
    }
    const pos = a.args.map((x) => this.expr(x));
    const star = a.star ? this.expr(a.star) : null;
    const kws = a.kwargs.map(([k, v]) => [k, this.expr(v)] as const);
    const dstar = a.dstar ? this.expr(a.dstar) : null;
    const args =
      pos.length === 0 && !star
        ? () => [] as unknown[]
        : (f: Frame, taints: number[]) => {
            const r: unknown[] = [];
            for (const p of pos) {
              r.push(p(f));
              taints.push(f.st.t);
            }
            if (star) {
              const items = iterate(star(f));
              const t = f.st.t;
              for (const x of items) {
                r.push(x);
                taints.push(t);
              }
            }
            return r;
          };
    const kwargs =
      kws.length === 0 && !dstar
        ? () => null
        : (f: Frame, taints: Map<string, number>) => {
            const m = new Map<string, unknown>();
            for (const [k, v] of kws) {
              m.set(k, v(f));
              taints.set(k, f.st.t);
            }
            if (dstar) {
              const d = dstar(f);
              const t = f.st.t;
              if (d instanceof Undefined) d.fail();
              if (!(d instanceof Map)) throw new PyError("TypeError", "argument after ** must be a mapping");
              for (const [k, v] of d) {
                m.set(String(k), v);
                taints.set(String(k), t);
              }
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
          const t = f.st.t;
          const v = getattr(self, attr, site);
          f.st.t = taintOf(f.st, v, attrTaint(self, attr, t));
          return v;
        },
        invoke: (
          f: Frame,
          callee: unknown,
          a: unknown[],
          k: Kwargs,
          ct: number,
          argT: readonly number[],
          kwT: ReadonlyMap<string, number>,
        ): unknown => {
          if (callee instanceof PendingMethod) {
            const argsT = anyTaint(UNTAINTED, argT, kwT);
            // a method given payload data (list.append, dict.update...) may keep it: the object is tainted now
            if (argsT !== UNTAINTED) taintOf(f.st, callee.self, argsT);
            const r = callMethod(callee.self, attr, a, k);
            if (r !== NO_METHOD) {
              f.st.t = taintOf(f.st, r, ct || argsT);
              return r;
            }
            callee = getattr(callee.self, attr, site);
          }
          return invokeValue(f, callee, a, k, ct, argT, kwT);
        },
      };
    }
    const callee = this.expr(c);
    return { args, kwargs, callee, invoke: invokeValue };
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
      const ot = f.st.t;
      if (o instanceof Map) {
        const k = key(f);
        const kt = f.st.t;
        const d = dflt ? dflt(f) : null;
        const dt = dflt ? f.st.t : UNTAINTED;
        f.st.pos = P;
        const v = typeof k === "string" ? o.get(k) : dictLookup(o, k);
        // the dict's value when the key is there, else the default: the key only chooses
        f.st.t = v === undefined ? taintOf(f.st, d, dt) : taintOf(f.st, v, ot);
        void kt;
        return v === undefined ? d : v;
      }
      f.st.pos = site.pos;
      const callee = getattr(o, "get", site);
      const ct = taintOf(f.st, callee, attrTaint(o, "get", ot));
      const argT: number[] = [];
      const args = [key(f)];
      argT.push(f.st.t);
      if (dflt) {
        args.push(dflt(f));
        argT.push(f.st.t);
      }
      f.st.pos = P;
      return invokeValue(f, callee, args, null, ct, argT, null);
    };
  }

  /** Compiles an expression: the closure returns its value and leaves the value's taint in `f.st.t`. */
  expr(e: Expr): Ev {
    switch (e.t) {
      case "const": {
        const v = e.value;
        return (f) => {
          f.st.t = UNTAINTED;
          return v;
        };
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
      case "tuple":
      case "list": {
        const items = e.items.map((x) => this.expr(x));
        const isTuple = e.t === "tuple";
        return (f) => {
          let t = UNTAINTED;
          const vals = items.map((x) => {
            const v = x(f);
            t = t || f.st.t;
            return v;
          });
          const r = isTuple ? tuple(vals) : vals;
          f.st.t = taintOf(f.st, r, t);
          return r;
        };
      }
      case "dict": {
        const pairs = e.pairs.map(([k, v]) => [this.expr(k), this.expr(v)] as const);
        const P = this.pos(e);
        return (f) => {
          const m = new Map<unknown, unknown>();
          let t = UNTAINTED;
          for (const [k, v] of pairs) {
            const key = k(f);
            t = t || f.st.t;
            f.st.pos = P;
            hashKey(key); // an unhashable key fails before the value is evaluated
            dictStore(m, key, v(f));
            t = t || f.st.t;
          }
          f.st.t = taintOf(f.st, m, t);
          return m;
        };
      }
      case "getattr": {
        const obj = this.expr(e.obj);
        const site = this.site(e.obj, e);
        const attr = e.attr;
        return (f) => {
          const o = obj(f);
          const t = f.st.t;
          f.st.pos = site.pos;
          const v = getattr(o, attr, site);
          f.st.t = taintOf(f.st, v, attrTaint(o, attr, t));
          return v;
        };
      }
      case "getitem": {
        const obj = this.expr(e.obj);
        const arg = this.expr(e.arg);
        const site = this.site(e.obj, e);
        return (f) => {
          const o = obj(f);
          const t = f.st.t;
          const a = arg(f);
          f.st.pos = site.pos;
          const v = getitem(o, a, site);
          // the key only chooses: the item is the container's (a slice of a tainted str is tainted)
          f.st.t = taintOf(f.st, v, typeof a === "string" ? attrTaint(o, a, t) : t);
          return v;
        };
      }
      case "slice": {
        const [a, b, c] = [e.start, e.stop, e.step].map((x) => (x ? this.expr(x) : () => null));
        return (f) => {
          const v = new SliceVal(a!(f), b!(f), c!(f));
          f.st.t = UNTAINTED;
          return v;
        };
      }
      case "call": {
        if (this.isDictGet(e)) return this.dictGet(e);
        const call = this.callParts(e);
        const P = this.pos(e);
        return (f) => {
          const callee = call.callee(f);
          const ct = f.st.t;
          const argT: number[] = [];
          const a = call.args(f, argT);
          const kwT = new Map<string, number>();
          const k = call.kwargs(f, kwT);
          f.st.pos = P;
          return call.invoke(f, callee, a, k, ct, argT, kwT);
        };
      }
      case "filter": {
        if (!e.node) return this.fail("TemplateSyntaxError", e, "filter without a value");
        const node = this.expr(e.node);
        const fn = this.lookupFilter(e.name, e);
        const { args, kwargs } = this.callArgs(e.args);
        const P = this.pos(e);
        const closes = e.name === "tojson";
        return (f) => {
          const v = node(f);
          const vt = f.st.t;
          const argT: number[] = [];
          const a = args(f, argT);
          const kwT = new Map<string, number>();
          const k = kwargs(f, kwT);
          f.st.pos = P;
          const r = fn(v, a, k, BUILTINS);
          f.st.t = filterTaint(f.st, r, closes, vt, argT, kwT);
          return r;
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
          const a = args(f, []);
          const k = kwargs(f, new Map());
          f.st.pos = P;
          const r = fn(v, a, k, BUILTINS) !== neg;
          f.st.t = UNTAINTED;
          return r;
        };
      }
      case "binop": {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        const P = this.pos(e);
        const op = BINOPS[e.op]!;
        return (f) => {
          const a = l(f);
          const at = f.st.t;
          const b = r(f);
          const bt = f.st.t;
          f.st.pos = P;
          const v = op(a, b);
          f.st.t = taintOf(f.st, v, at || bt);
          return v;
        };
      }
      case "concat": {
        const items = e.items.map((x) => this.expr(x));
        const P = this.pos(e);
        return (f) => {
          let s = "";
          let t = UNTAINTED;
          for (const it of items) {
            const v = it(f);
            t = t || f.st.t;
            f.st.pos = P;
            s += typeof v === "string" ? v : pyStr(v);
          }
          f.st.t = t ? TAINTED : UNTAINTED;
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
            if (!pyCompare(op, left, right)) {
              f.st.t = UNTAINTED;
              return false;
            }
            left = right;
          }
          f.st.t = UNTAINTED;
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
        return (f) => {
          const v = !truthy(n(f));
          f.st.t = UNTAINTED;
          return v;
        };
      }
      case "neg":
      case "pos": {
        const n = this.expr(e.node);
        const P = this.pos(e);
        const op = e.t === "neg" ? pyNeg : pyPos;
        return (f) => {
          const v = n(f);
          const t = f.st.t;
          f.st.pos = P;
          const r = op(v);
          f.st.t = taintOf(f.st, r, t);
          return r;
        };
      }
      case "cond": {
        const [test, then, else_] = this.softly(() => [
          this.expr(e.test),
          this.expr(e.then),
          e.else_ ? this.expr(e.else_) : null,
        ]);
        const P = this.pos(e);
        // the test only chooses a branch: the value and its taint are the branch's
        return (f) => {
          if (truthy(test(f))) return then(f);
          if (else_) return else_(f);
          f.st.t = UNTAINTED;
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

/** Tainted if any of the callee and the arguments is. */
function anyTaint(ct: number, argT: readonly number[], kwT: ReadonlyMap<string, number> | null): number {
  if (ct !== UNTAINTED) return TAINTED;
  for (const t of argT) if (t !== UNTAINTED) return TAINTED;
  if (kwT) for (const t of kwT.values()) if (t !== UNTAINTED) return TAINTED;
  return UNTAINTED;
}

/**
 * The taint of `obj.attr` (or `obj[attr]`) given the object's. The loop's counters, flags and neighbouring
 * items come from what it iterates; `cycle` and `changed` only hand back their own arguments.
 */
function attrTaint(obj: unknown, attr: string, t: number): number {
  if (obj instanceof LoopCtx)
    return obj.tainted && attr !== "cycle" && attr !== "changed" ? TAINTED : UNTAINTED;
  return t;
}

/** A filter's result: tainted if its input or an argument was; closed when `tojson` printed a tainted value. */
function filterTaint(
  st: RenderState,
  r: unknown,
  closes: boolean,
  vt: number,
  argT: readonly number[],
  kwT: ReadonlyMap<string, number>,
): number {
  const t = anyTaint(vt, argT, kwT);
  if (t === UNTAINTED) return taintOf(st, r, UNTAINTED);
  return closes ? CLOSED : taintOf(st, r, t);
}

/**
 * Calls a value (a macro, a loop, a block, a function) in an expression. A macro's or block's output is
 * captured, and its taint is whether anything tainted was written into it.
 */
function invokeValue(
  f: Frame,
  callee: unknown,
  a: unknown[],
  k: Kwargs,
  ct: number,
  argT: readonly number[],
  kwT: ReadonlyMap<string, number> | null,
): unknown {
  if (callee instanceof Macro || callee instanceof LoopCtx || callee instanceof BlockRef) {
    const cap = new Out(null);
    if (callee instanceof Macro) callee.invoke(a, k, cap, argT, kwT);
    else if (callee instanceof LoopCtx && !k) callee.invoke(a, cap, argT);
    else if (callee instanceof BlockRef && !a.length && !k) callee.invoke(cap);
    else {
      const v = callValue(callee, a, k);
      f.st.t = taintOf(f.st, v, anyTaint(ct, argT, kwT));
      return v;
    }
    f.st.t = cap.t;
    return cap.s;
  }
  const argsT = anyTaint(UNTAINTED, argT, kwT);
  // a bound method given payload data (`{% set add = xs.append %}`) may keep it in its object
  if (argsT !== UNTAINTED && callee instanceof PyFunc && callee.self !== undefined)
    taintOf(f.st, callee.self, argsT);
  const v = callValue(callee, a, k);
  f.st.t = taintOf(f.st, v, ct || argsT);
  return v;
}
