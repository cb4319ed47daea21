// jinja2.SandboxedEnvironment(undefined=StrictUndefined, extensions=["jinja2.ext.do"],
// loader=FileSystemLoader(searchPath)) as Airflow configures it, with include resolution that cannot leave
// the search path (no absolute names, no "..", no symlink pointing outside a search root).
import { readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { InternalError } from "../errors.js";
import { Compiler } from "./compiler.js";
import { CLOSED, Frame, Out, UNTAINTED, taintAll } from "./runtime.js";
import type { Compiled, RenderState } from "./runtime.js";
import { PyError, TemplateError } from "./errors.js";
import { LineMap, normalizeSource, tokenize } from "./lexer.js";
import { closest } from "./hints.js";
import { Parser } from "./parser.js";
import { rawGetattr } from "./sandbox.js";
import { NOATTR, toPy } from "./values.js";

export interface TemplateSource {
  name: string;
  file: string;
  source: string;
}

export interface RenderResult {
  text: string;
  /** Output ranges written by `{{ }}` expressions (macro calls contribute their inner ranges). */
  spans: Array<[start: number, end: number]>;
  /** The ranges among `spans` whose text comes from the payload (see RenderOptions.payload). */
  tainted: Array<[start: number, end: number]>;
  /** The tainted ranges printed by `tojson`: each one JSON value, to be one closed YAML node. */
  closed: Array<[start: number, end: number]>;
}

export interface RenderOptions {
  /**
   * Context values that come from the trigger payload, as dotted paths (`dag_run.conf`, `params`): they and
   * everything computed from them are tainted.
   */
  payload?: readonly string[];
}

function notFound(name: string, detail: string, hint?: string): TemplateError {
  return new TemplateError("TemplateNotFound", name, 1, 1, detail, hint);
}

export class Environment {
  readonly searchPath: readonly string[];
  private readonly roots: Array<{ dir: string; real: string | null }>;
  private readonly cache = new Map<string, Compiled>();

  constructor(opts: { searchPath: readonly string[] }) {
    this.searchPath = opts.searchPath.map((p) => resolve(p));
    this.roots = this.searchPath.map((dir) => {
      try {
        return { dir, real: realpathSync(dir) };
      } catch {
        return { dir, real: null };
      }
    });
  }

  /** Finds a template file the way FileSystemLoader does, refusing names that could escape the roots. */
  resolve(name: string): TemplateSource {
    if (typeof name !== "string" || name === "") throw notFound(String(name), "template name is empty");
    if (isAbsolute(name) || name.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(name)) {
      throw notFound(name, `template name '${name}' is absolute; names are relative to the search path`);
    }
    const pieces: string[] = [];
    for (const piece of name.split("/")) {
      if (piece === "..") throw notFound(name, `template name '${name}' contains '..'`);
      if (piece.includes(sep) || piece.includes("\0"))
        throw notFound(name, `template name '${name}' is not a plain path`);
      if (piece && piece !== ".") pieces.push(piece);
    }
    for (const root of this.roots) {
      if (!root.real) continue;
      const file = join(root.dir, ...pieces);
      let st;
      try {
        st = statSync(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const real = realpathSync(file);
      if (!real.startsWith(root.real.endsWith(sep) ? root.real : root.real + sep)) {
        throw new TemplateError(
          "SecurityError",
          name,
          1,
          1,
          `template '${name}' resolves to ${real}, outside the search path root ${root.real}`,
          "templates may not be symlinks to files outside the template directory",
        );
      }
      let source: string;
      try {
        source = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(real));
      } catch {
        throw new TemplateError("UnicodeDecodeError", name, 1, 1, `template '${name}' is not valid UTF-8`);
      }
      return { name, file: real, source };
    }
    throw notFound(
      name,
      `template '${name}' not found in search path: ${this.searchPath.join(", ") || "(empty)"}`,
      this.searchPath.length ? this.nearest(pieces) : "give a template directory",
    );
  }

  /** A did-you-mean for a missing template (a wrong `sparkapp_suffix` is the usual cause). */
  private nearest(pieces: string[]): string | undefined {
    const dir = pieces.slice(0, -1);
    const base = pieces[pieces.length - 1] ?? "";
    const names = new Set<string>();
    for (const root of this.roots) {
      try {
        for (const e of readdirSync(join(root.dir, ...dir), { withFileTypes: true }))
          if (e.isFile()) names.add(e.name);
      } catch {
        // a root without that folder has nothing to suggest
      }
    }
    const near = closest(base, [...names]);
    return near ? `did you mean '${[...dir, near].join("/")}'?` : undefined;
  }

  /** Loads and compiles a template once; later calls return the cached compilation. */
  load(name: string): Compiled {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const src = this.resolve(name);
    const compiled = compileSource(src.source, name, src.file);
    this.cache.set(name, compiled);
    return compiled;
  }

  getTemplate(name: string): Template {
    return new Template(this, this.load(name));
  }

  fromString(source: string, name = "<template>"): Template {
    return new Template(this, compileSource(source, name, name));
  }
}

// Compilations by name, file and exact source. An Environment caches by name only, for its own life; this one
// outlives Environments, so a process that loads the same unchanged file again (a long-lived library user
// with new search paths) does not compile it again.
const compiledBySource = new Map<string, Compiled>();
const MAX_COMPILED = 64;

export function compileSource(source: string, name: string, file: string): Compiled {
  const key = `${name}\0${file}\0${source}`;
  const hit = compiledBySource.get(key);
  if (hit) return hit;
  const compiled = compileFresh(source, name, file);
  if (compiledBySource.size >= MAX_COMPILED) compiledBySource.clear();
  compiledBySource.set(key, compiled);
  return compiled;
}

function compileFresh(source: string, name: string, file: string): Compiled {
  const norm = normalizeSource(source);
  const lines = new LineMap(norm);
  try {
    const toks = tokenize(norm, name, lines);
    const ast = new Parser(toks, name, lines).parseTemplate();
    return new Compiler(name, lines).compileTemplate(ast, file);
  } catch (e) {
    // Python's parser gives up with RecursionError on absurd nesting; so do we, without a JS stack
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new TemplateError("RecursionError", name, 1, 1, "template nested too deeply to parse");
    }
    throw e;
  }
}

export class Template {
  readonly name: string;
  readonly file: string;

  constructor(
    private readonly env: Environment,
    private readonly compiled: Compiled,
  ) {
    this.name = compiled.name;
    this.file = compiled.file;
  }

  render(context: Record<string, unknown>): string {
    return this.run(context, false).s;
  }

  renderWithSpans(context: Record<string, unknown>, opts: RenderOptions = {}): RenderResult {
    const out = this.run(context, true, opts.payload ?? []);
    const tainted: Array<[number, number]> = [];
    const closed: Array<[number, number]> = [];
    for (const [a, b, t] of out.taint!) (t === CLOSED ? closed : tainted).push([a, b]);
    return { text: out.s, spans: out.spans!, tainted, closed };
  }

  private run(context: Record<string, unknown>, spans: boolean, payload: readonly string[] = []): Out {
    const st: RenderState = {
      pos: undefined,
      loader: (n) => this.env.load(n),
      t: UNTAINTED,
      tainted: new WeakSet(),
    };
    const root = new Frame(null, st);
    for (const k of Object.keys(context)) root.set(k, toPy(context[k]));
    for (const path of payload) taintAll(st, payloadValue(root, path));
    const out = new Out(spans ? [] : null);
    try {
      this.compiled.run(new Frame(root, st), out);
    } catch (e) {
      throw toTemplateError(e, st, this.name);
    }
    return out;
  }
}

/** The context value at a dotted path (`dag_run.conf`), or undefined when it is not there. */
function payloadValue(root: Frame, path: string): unknown {
  const [first, ...rest] = path.split(".");
  let v: unknown = root.get(first!);
  for (const name of rest) {
    if (v === undefined) return undefined;
    v = v instanceof Map ? v.get(name) : rawGetattr(v, name);
    if (v === NOATTR) return undefined;
  }
  return v;
}

function toTemplateError(e: unknown, st: RenderState, name: string): Error {
  if (e instanceof TemplateError) return e;
  if (e instanceof PyError) {
    const pos = e.pos ?? st.pos;
    let detail = e.message;
    if (
      pos &&
      e.kind !== "UndefinedError" &&
      e.kind !== "TemplateNotFound" &&
      pos.text &&
      !detail.includes(pos.text)
    ) {
      detail += ` (in '${pos.text.length > 80 ? pos.text.slice(0, 77) + "..." : pos.text}')`;
    }
    if (e.kind !== "UndefinedError" && e.kind !== "TemplateNotFound" && e.kind !== "SecurityError")
      detail = `${e.kind}: ${detail}`;
    return new TemplateError(e.kind, pos?.file ?? name, pos?.line ?? 1, pos?.col ?? 1, detail, e.hint);
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    const pos = st.pos;
    return new TemplateError(
      "RecursionError",
      pos?.file ?? name,
      pos?.line ?? 1,
      pos?.col ?? 1,
      "maximum recursion depth exceeded",
    );
  }
  return new InternalError(
    `template engine failure while rendering ${name}: ${(e as Error)?.message ?? String(e)}`,
    {
      cause: e,
    },
  );
}
