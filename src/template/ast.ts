// The template AST: a subset of jinja2.nodes with source offsets (pos..end) for file:line:col and the
// expression text quoted in error messages.
interface Base {
  pos: number;
  end: number;
}
export type Expr =
  | (Base & { t: "const"; value: unknown })
  | (Base & { t: "name"; name: string })
  | (Base & { t: "tuple" | "list"; items: Expr[] })
  | (Base & { t: "dict"; pairs: Array<[Expr, Expr]> })
  | (Base & { t: "getattr"; obj: Expr; attr: string })
  | (Base & { t: "getitem"; obj: Expr; arg: Expr })
  | (Base & { t: "slice"; start: Expr | null; stop: Expr | null; step: Expr | null })
  | (Base & { t: "call"; callee: Expr; args: CallArgs })
  | (Base & { t: "filter"; node: Expr | null; name: string; npos: number; args: CallArgs })
  | (Base & { t: "test"; node: Expr; name: string; npos: number; args: CallArgs; negate: boolean })
  | (Base & { t: "binop"; op: string; left: Expr; right: Expr })
  | (Base & { t: "concat"; items: Expr[] })
  | (Base & { t: "compare"; first: Expr; ops: Array<[string, Expr]> })
  | (Base & { t: "and" | "or"; left: Expr; right: Expr })
  | (Base & { t: "not" | "neg" | "pos"; node: Expr })
  | (Base & { t: "cond"; test: Expr; then: Expr; else_: Expr | null });

export interface CallArgs {
  args: Expr[];
  kwargs: Array<[string, Expr]>;
  star: Expr | null;
  dstar: Expr | null;
}

export type Target =
  | (Base & { t: "name"; name: string })
  | (Base & { t: "tuple"; items: Target[] })
  | (Base & { t: "nsref"; ns: string; attr: string });

export interface Signature {
  params: string[];
  defaults: Expr[];
}

export type Stmt =
  | (Base & { t: "data"; text: string })
  | (Base & { t: "print"; expr: Expr })
  | (Base & { t: "if"; test: Expr; body: Stmt[]; else_: Stmt[] })
  | (Base & {
      t: "for";
      target: Target;
      iter: Expr;
      body: Stmt[];
      else_: Stmt[];
      test: Expr | null;
      recursive: boolean;
    })
  | (Base & { t: "set"; target: Target; expr: Expr })
  | (Base & { t: "setblock"; target: Target; filter: Expr | null; body: Stmt[] })
  | (Base & { t: "macro"; name: string; sig: Signature; body: Stmt[] })
  | (Base & { t: "callblock"; call: Expr & { t: "call" }; sig: Signature; body: Stmt[] })
  | (Base & { t: "include"; template: Expr; ignoreMissing: boolean; withContext: boolean })
  | (Base & { t: "import"; template: Expr; target: string; withContext: boolean })
  | (Base & { t: "fromimport"; template: Expr; names: Array<[string, string]>; withContext: boolean })
  | (Base & { t: "do"; expr: Expr })
  | (Base & { t: "with"; targets: Target[]; values: Expr[]; body: Stmt[] })
  | (Base & { t: "filterblock"; filter: Expr; body: Stmt[] })
  | (Base & { t: "extends"; template: Expr })
  | (Base & { t: "block"; name: string; body: Stmt[]; scoped: boolean; required: boolean });
