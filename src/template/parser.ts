// A port of jinja2.parser for the statements sparklane supports. Operator precedence and the quirks that
// change output are kept: `**` is left-associative, a print statement is a tuple, `-x|f` filters `-x`.
import type { CallArgs, Expr, Signature, Stmt, Target } from "./ast.js";
import { TemplateError } from "./errors.js";
import type { LineMap, Token } from "./lexer.js";
import { PyFloat } from "./values.js";

const DESCRIBE: Partial<Record<Token["type"], string>> = {
  variable_begin: "begin of print statement",
  variable_end: "end of print statement",
  block_begin: "begin of statement block",
  block_end: "end of statement block",
  data: "template data / text",
  eof: "end of template",
};

function describe(t: Token): string {
  if (t.type === "name" || t.type === "op") return t.value;
  return DESCRIBE[t.type] ?? t.type;
}

const COMPARE_OPS = new Set(["==", "!=", ">", ">=", "<", "<="]);
const PRIMARY_START = new Set(["name", "string", "integer", "float"]);
const END_TAG_OPENERS: Record<string, string> = {
  endif: "if",
  elif: "if",
  else: "if",
  endfor: "for",
  endmacro: "macro",
  endcall: "call",
  endset: "set",
  endwith: "with",
  endfilter: "filter",
  endblock: "block",
};

export class Parser {
  private i = 0;
  private readonly endStack: string[][] = [];
  private readonly tagStack: string[] = [];

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
    private readonly lines: LineMap,
  ) {}

  private get cur(): Token {
    return this.toks[this.i]!;
  }
  private look(k = 1): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.cur;
    if (t.type !== "eof") this.i++;
    return t;
  }
  private prevEnd(): number {
    const t = this.toks[this.i - 1];
    if (!t) return 0;
    if (t.type === "string") {
      // the raw literal length is not kept; find the closing quote from the source
      return this.stringEnd(t);
    }
    return (
      t.pos +
      (t.type === "name" || t.type === "op" || t.type === "integer" || t.type === "float"
        ? t.value.length
        : 0)
    );
  }
  private stringEnd(t: Token): number {
    const src = this.lines.source;
    const q = src[t.pos]!;
    let j = t.pos + 1;
    while (j < src.length && src[j] !== q) j += src[j] === "\\" ? 2 : 1;
    return j + 1;
  }

  fail(msg: string, pos = this.cur.pos, kind = "TemplateSyntaxError"): never {
    const { line, col } = this.lines.locate(pos);
    throw new TemplateError(kind, this.file, line, col, msg);
  }

  private isOp(v: string): boolean {
    return this.cur.type === "op" && this.cur.value === v;
  }
  private isName(v: string): boolean {
    return this.cur.type === "name" && this.cur.value === v;
  }
  private skipOp(v: string): boolean {
    if (this.isOp(v)) {
      this.next();
      return true;
    }
    return false;
  }
  private skipName(v: string): boolean {
    if (this.isName(v)) {
      this.next();
      return true;
    }
    return false;
  }
  private expectOp(v: string): Token {
    if (!this.isOp(v)) this.unexpected(`'${v}'`);
    return this.next();
  }
  private expectType(type: Token["type"]): Token {
    if (this.cur.type !== type) this.unexpected(`'${DESCRIBE[type] ?? type}'`);
    return this.next();
  }
  private expectName(v?: string): Token {
    if (this.cur.type !== "name" || (v !== undefined && this.cur.value !== v))
      this.unexpected(`'${v ?? "name"}'`);
    return this.next();
  }
  private unexpected(expected: string): never {
    if (this.cur.type === "eof") this.fail(`unexpected end of template, expected ${expected}.`);
    return this.fail(`expected token ${expected}, got '${describe(this.cur)}'`);
  }

  parseTemplate(): Stmt[] {
    const body = this.subparse(null);
    return body;
  }

  private subparse(endTokens: string[] | null): Stmt[] {
    const body: Stmt[] = [];
    if (endTokens) this.endStack.push(endTokens);
    try {
      for (;;) {
        const t = this.cur;
        if (t.type === "data") {
          this.next();
          body.push({ t: "data", text: t.value, pos: t.pos, end: t.pos + t.value.length });
        } else if (t.type === "variable_begin") {
          this.next();
          const expr = this.parseTuple({});
          body.push({ t: "print", expr, pos: expr.pos, end: expr.end });
          this.expectType("variable_end");
        } else if (t.type === "block_begin") {
          this.next();
          if (endTokens && this.cur.type === "name" && endTokens.includes(this.cur.value)) return body;
          body.push(this.parseStatement());
          this.expectType("block_end");
        } else if (t.type === "eof") {
          if (endTokens) this.failEof();
          return body;
        } else this.fail(`unexpected '${describe(t)}'`);
      }
    } finally {
      if (endTokens) this.endStack.pop();
    }
  }

  private failEof(): never {
    const expected = this.endStack.flat().map((e) => `'${e}'`);
    let msg = "Unexpected end of template.";
    if (expected.length) msg += ` Jinja was looking for the following tags: ${expected.join(" or ")}.`;
    const inner = this.tagStack[this.tagStack.length - 1];
    if (inner) msg += ` The innermost block that needs to be closed is '${inner}'.`;
    this.fail(msg);
  }

  private parseStatement(): Stmt {
    const t = this.cur;
    if (t.type !== "name") this.fail("tag name expected");
    this.tagStack.push(t.value);
    let popTag = true;
    try {
      switch (t.value) {
        case "if":
          return this.parseIf();
        case "for":
          return this.parseFor();
        case "set":
          return this.parseSet();
        case "macro":
          return this.parseMacro();
        case "call":
          return this.parseCallBlock();
        case "include":
          return this.parseInclude();
        case "import":
          return this.parseImport();
        case "extends": {
          this.next();
          const template = this.parseExpression();
          return { t: "extends", template, pos: t.pos, end: template.end };
        }
        case "block":
          return this.parseBlock();
        case "from":
          return this.parseFromImport();
        case "do": {
          this.next();
          const expr = this.parseTuple({});
          return { t: "do", expr, pos: t.pos, end: expr.end };
        }
        case "with":
          return this.parseWith();
        case "filter":
          return this.parseFilterBlock();
      }
      this.tagStack.pop();
      popTag = false;
      let msg = `Encountered unknown tag '${t.value}'.`;
      const expected = this.endStack.flat();
      if (expected.length) {
        msg += ` Jinja was looking for the following tags: ${expected.map((e) => `'${e}'`).join(" or ")}.`;
        const inner = this.tagStack[this.tagStack.length - 1];
        if (inner) msg += ` The innermost block that needs to be closed is '${inner}'.`;
      } else if (END_TAG_OPENERS[t.value]) {
        msg += ` It has no opening '${END_TAG_OPENERS[t.value]}' tag.`;
      } else if (["autoescape", "raw", "endraw"].includes(t.value)) {
        msg += " sparklane's template engine does not support this tag.";
      }
      return this.fail(msg, t.pos);
    } finally {
      if (popTag) this.tagStack.pop();
    }
  }

  private parseStatements(ends: string[], dropNeedle: boolean): Stmt[] {
    this.skipOp(":");
    this.expectType("block_end");
    const body = this.subparse(ends);
    if (this.cur.type === "eof") this.failEof();
    if (dropNeedle) this.next();
    return body;
  }

  private parseIf(): Stmt {
    const start = this.next().pos; // `if`, or `elif` for the nested if it stands for
    const test = this.parseTuple({ withCondexpr: false });
    const body = this.parseStatements(["elif", "else", "endif"], false);
    const node: Stmt & { t: "if" } = { t: "if", test, body, else_: [], pos: start, end: 0 };
    const tok = this.next();
    if (tok.value === "elif") {
      this.i--; // re-read `elif` as a nested `if`
      const nested = this.parseIf();
      node.else_ = [nested];
    } else if (tok.value === "else") {
      node.else_ = this.parseStatements(["endif"], true);
    }
    node.end = this.prevEnd();
    return node;
  }

  private parseFor(): Stmt {
    const start = this.expectName("for").pos;
    const target = this.parseAssignTarget({ extraEnd: ["in"] });
    this.expectName("in");
    const iter = this.parseTuple({ withCondexpr: false, extraEnd: ["recursive"] });
    let test: Expr | null = null;
    if (this.skipName("if")) test = this.parseExpression();
    const recursive = this.skipName("recursive");
    const body = this.parseStatements(["endfor", "else"], false);
    let else_: Stmt[] = [];
    if (this.next().value === "else") else_ = this.parseStatements(["endfor"], true);
    return { t: "for", target, iter, body, else_, test, recursive, pos: start, end: this.prevEnd() };
  }

  private parseSet(): Stmt {
    const start = this.expectName("set").pos;
    const target = this.parseAssignTarget({ withNamespace: true });
    if (this.skipOp("=")) {
      const expr = this.parseTuple({});
      return { t: "set", target, expr, pos: start, end: expr.end };
    }
    const filter = this.isOp("|") ? this.parseFilter(null) : null;
    const body = this.parseStatements(["endset"], true);
    return { t: "setblock", target, filter, body, pos: start, end: this.prevEnd() };
  }

  private parseSignature(): Signature {
    const params: string[] = [];
    const defaults: Expr[] = [];
    this.expectOp("(");
    while (!this.isOp(")")) {
      if (params.length) this.expectOp(",");
      const arg = this.parseAssignTarget({ nameOnly: true }) as Target & { t: "name" };
      if (this.skipOp("=")) defaults.push(this.parseExpression());
      else if (defaults.length) this.fail("non-default argument follows default argument");
      params.push(arg.name);
    }
    this.expectOp(")");
    return { params, defaults };
  }

  private parseMacro(): Stmt {
    const start = this.expectName("macro").pos;
    const name = (this.parseAssignTarget({ nameOnly: true }) as Target & { t: "name" }).name;
    const sig = this.parseSignature();
    const body = this.parseStatements(["endmacro"], true);
    return { t: "macro", name, sig, body, pos: start, end: this.prevEnd() };
  }

  private parseCallBlock(): Stmt {
    const start = this.expectName("call").pos;
    const sig = this.isOp("(") ? this.parseSignature() : { params: [], defaults: [] };
    const call = this.parseExpression();
    if (call.t !== "call") this.fail("expected call", call.pos);
    const body = this.parseStatements(["endcall"], true);
    return { t: "callblock", call: call as Expr & { t: "call" }, sig, body, pos: start, end: this.prevEnd() };
  }

  private parseInclude(): Stmt {
    const start = this.expectName("include").pos;
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.isName("ignore") && this.look().type === "name" && this.look().value === "missing") {
      this.i += 2;
      ignoreMissing = true;
    }
    let withContext = true;
    if (
      (this.isName("with") || this.isName("without")) &&
      this.look().type === "name" &&
      this.look().value === "context"
    ) {
      withContext = this.next().value === "with";
      this.next();
    }
    return { t: "include", template, ignoreMissing, withContext, pos: start, end: this.prevEnd() };
  }

  /** `with context` / `without context` after include/import; imports default to without. */
  private parseContextFlag(dflt: boolean): boolean {
    if (
      (this.isName("with") || this.isName("without")) &&
      this.look().type === "name" &&
      this.look().value === "context"
    ) {
      const w = this.next().value === "with";
      this.next();
      return w;
    }
    return dflt;
  }

  private parseBlock(): Stmt {
    const start = this.expectName("block").pos;
    const name = this.expectName().value;
    const scoped = this.skipName("scoped");
    const required = this.skipName("required");
    if (this.isOp("-"))
      this.fail(
        "Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.",
      );
    const body = this.parseStatements(["endblock"], true);
    if (required && body.some((b) => b.t !== "data" || b.text.trim() !== "")) {
      this.fail("Required blocks can only contain comments or whitespace", start);
    }
    if (this.cur.type === "name") {
      const end = this.next();
      if (end.value !== name)
        this.fail(`mismatching name of block end tag: expected '${name}', got '${end.value}'`, end.pos);
    }
    return { t: "block", name, body, scoped, required, pos: start, end: this.prevEnd() };
  }

  private parseImport(): Stmt {
    const start = this.expectName("import").pos;
    const template = this.parseExpression();
    this.expectName("as");
    const target = (this.parseAssignTarget({ nameOnly: true }) as Target & { t: "name" }).name;
    const withContext = this.parseContextFlag(false);
    return { t: "import", template, target, withContext, pos: start, end: this.prevEnd() };
  }

  private parseFromImport(): Stmt {
    const start = this.expectName("from").pos;
    const template = this.parseExpression();
    this.expectName("import");
    const names: Array<[string, string]> = [];
    let withContext = false;
    for (;;) {
      if (names.length) this.expectOp(",");
      if (this.cur.type === "name") {
        if ((this.isName("with") || this.isName("without")) && this.look().value === "context") {
          withContext = this.parseContextFlag(false);
          break;
        }
        const tok = this.next();
        if (tok.value.startsWith("_"))
          this.fail(
            "names starting with an underline can not be imported",
            tok.pos,
            "TemplateAssertionError",
          );
        const alias = this.skipName("as") ? this.expectName().value : tok.value;
        names.push([tok.value, alias]);
      } else this.expectName();
      if (!this.isOp(",")) {
        withContext = this.parseContextFlag(false);
        break;
      }
    }
    return { t: "fromimport", template, names, withContext, pos: start, end: this.prevEnd() };
  }

  private parseWith(): Stmt {
    const start = this.expectName("with").pos;
    const targets: Target[] = [];
    const values: Expr[] = [];
    while (this.cur.type !== "block_end") {
      if (targets.length) this.expectOp(",");
      targets.push(this.parseAssignTarget({}));
      this.expectOp("=");
      values.push(this.parseExpression());
    }
    const body = this.parseStatements(["endwith"], true);
    return { t: "with", targets, values, body, pos: start, end: this.prevEnd() };
  }

  private parseFilterBlock(): Stmt {
    const start = this.expectName("filter").pos;
    const filter = this.parseFilter(null, true);
    const body = this.parseStatements(["endfilter"], true);
    return { t: "filterblock", filter, body, pos: start, end: this.prevEnd() };
  }

  private parseAssignTarget(o: {
    withTuple?: boolean;
    nameOnly?: boolean;
    extraEnd?: string[];
    withNamespace?: boolean;
  }): Target {
    if (
      o.withNamespace &&
      this.cur.type === "name" &&
      this.look().type === "op" &&
      this.look().value === "."
    ) {
      const ns = this.next();
      this.next();
      const attr = this.expectName();
      return { t: "nsref", ns: ns.value, attr: attr.value, pos: ns.pos, end: attr.pos + attr.value.length };
    }
    let target: Expr;
    if (o.nameOnly) {
      const tok = this.expectName();
      target = { t: "name", name: tok.value, pos: tok.pos, end: tok.pos + tok.value.length };
    } else if (o.withTuple !== false) {
      target = this.parseTuple({ simplified: true, extraEnd: o.extraEnd });
    } else target = this.parsePrimary();
    const check = (e: Expr): Target => {
      if (e.t === "name") {
        if (["true", "false", "none", "True", "False", "None"].includes(e.name))
          this.fail(`can't assign to '${e.name}'`, e.pos);
        return e;
      }
      if (e.t === "tuple") return { t: "tuple", items: e.items.map(check), pos: e.pos, end: e.end };
      return this.fail(`can't assign to '${e.t}'`, e.pos);
    };
    return check(target);
  }

  parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    let expr1 = this.parseOr();
    while (this.skipName("if")) {
      const test = this.parseOr();
      const else_ = this.skipName("else") ? this.parseCondexpr() : null;
      expr1 = { t: "cond", test, then: expr1, else_, pos: expr1.pos, end: this.prevEnd() };
    }
    return expr1;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.skipName("or")) {
      const right = this.parseAnd();
      left = { t: "or", left, right, pos: left.pos, end: right.end };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.skipName("and")) {
      const right = this.parseNot();
      left = { t: "and", left, right, pos: left.pos, end: right.end };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName("not")) {
      const pos = this.next().pos;
      const node = this.parseNot();
      return { t: "not", node, pos, end: node.end };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const first = this.parseMath1();
    const ops: Array<[string, Expr]> = [];
    for (;;) {
      if (this.cur.type === "op" && COMPARE_OPS.has(this.cur.value)) {
        const op = this.next().value;
        ops.push([op, this.parseMath1()]);
      } else if (this.skipName("in")) {
        ops.push(["in", this.parseMath1()]);
      } else if (this.isName("not") && this.look().type === "name" && this.look().value === "in") {
        this.i += 2;
        ops.push(["notin", this.parseMath1()]);
      } else break;
    }
    if (!ops.length) return first;
    return { t: "compare", first, ops, pos: first.pos, end: ops[ops.length - 1]![1].end };
  }

  private binLoop(next: () => Expr, ops: string[]): Expr {
    let left = next();
    while (this.cur.type === "op" && ops.includes(this.cur.value)) {
      const op = this.next().value;
      const right = next();
      left = { t: "binop", op, left, right, pos: left.pos, end: right.end };
    }
    return left;
  }

  private parseMath1(): Expr {
    return this.binLoop(() => this.parseConcat(), ["+", "-"]);
  }

  private parseConcat(): Expr {
    const first = this.parseMath2();
    const items = [first];
    while (this.skipOp("~")) items.push(this.parseMath2());
    if (items.length === 1) return first;
    return { t: "concat", items, pos: first.pos, end: items[items.length - 1]!.end };
  }

  private parseMath2(): Expr {
    return this.binLoop(() => this.parsePow(), ["*", "/", "//", "%"]);
  }

  private parsePow(): Expr {
    return this.binLoop(() => this.parseUnary(), ["**"]);
  }

  private parseUnary(withFilter = true): Expr {
    let node: Expr;
    if (this.isOp("-") || this.isOp("+")) {
      const tok = this.next();
      const inner = this.parseUnary(false);
      node = { t: tok.value === "-" ? "neg" : "pos", node: inner, pos: tok.pos, end: inner.end };
    } else node = this.parsePrimary();
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(): Expr {
    const tok = this.cur;
    if (tok.type === "name") {
      this.next();
      const end = tok.pos + tok.value.length;
      switch (tok.value) {
        case "true":
        case "True":
          return { t: "const", value: true, pos: tok.pos, end };
        case "false":
        case "False":
          return { t: "const", value: false, pos: tok.pos, end };
        case "none":
        case "None":
          return { t: "const", value: null, pos: tok.pos, end };
      }
      return { t: "name", name: tok.value, pos: tok.pos, end };
    }
    if (tok.type === "string") {
      let value = "";
      while (this.cur.type === "string") value += this.next().value;
      return { t: "const", value, pos: tok.pos, end: this.prevEnd() };
    }
    if (tok.type === "integer" || tok.type === "float") {
      this.next();
      const value = tok.type === "float" && Number.isInteger(tok.num) ? new PyFloat(tok.num) : tok.num;
      return { t: "const", value, pos: tok.pos, end: tok.pos + tok.value.length };
    }
    if (this.isOp("(")) {
      this.next();
      const node = this.parseTuple({ explicitParens: true });
      this.expectOp(")");
      node.pos = tok.pos;
      node.end = this.prevEnd();
      return node;
    }
    if (this.isOp("[")) return this.parseList();
    if (this.isOp("{")) return this.parseDict();
    return this.fail(
      tok.type === "eof"
        ? "unexpected end of template, expected an expression"
        : `unexpected '${describe(tok)}', expected an expression`,
    );
  }

  parseTuple(o: {
    simplified?: boolean;
    withCondexpr?: boolean;
    extraEnd?: string[];
    explicitParens?: boolean;
  }): Expr {
    const start = this.cur.pos;
    const parse = o.simplified
      ? () => this.parsePrimary()
      : () => this.parseExpression(o.withCondexpr !== false);
    const items: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length) this.expectOp(",");
      if (this.isTupleEnd(o.extraEnd)) break;
      items.push(parse());
      if (this.isOp(",")) isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (items.length) return items[0]!;
      if (!o.explicitParens) this.fail(`Expected an expression, got '${describe(this.cur)}'`);
    }
    return { t: "tuple", items, pos: start, end: this.prevEnd() };
  }

  private isTupleEnd(extraEnd?: string[]): boolean {
    const t = this.cur;
    if (t.type === "variable_end" || t.type === "block_end" || t.type === "eof") return true;
    if (t.type === "op" && t.value === ")") return true;
    if (extraEnd && t.type === "name" && extraEnd.includes(t.value)) return true;
    return false;
  }

  private parseList(): Expr {
    const start = this.expectOp("[").pos;
    const items: Expr[] = [];
    while (!this.isOp("]")) {
      if (items.length) this.expectOp(",");
      if (this.isOp("]")) break;
      items.push(this.parseExpression());
    }
    this.expectOp("]");
    return { t: "list", items, pos: start, end: this.prevEnd() };
  }

  private parseDict(): Expr {
    const start = this.expectOp("{").pos;
    const pairs: Array<[Expr, Expr]> = [];
    while (!this.isOp("}")) {
      if (pairs.length) this.expectOp(",");
      if (this.isOp("}")) break;
      const key = this.parseExpression();
      this.expectOp(":");
      pairs.push([key, this.parseExpression()]);
    }
    this.expectOp("}");
    return { t: "dict", pairs, pos: start, end: this.prevEnd() };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp(".") || this.isOp("[")) node = this.parseSubscript(node);
      else if (this.isOp("(")) node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp("|")) node = this.parseFilter(node);
      else if (this.isName("is")) node = this.parseTest(node);
      else if (this.isOp("(")) node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const tok = this.next();
    if (tok.value === ".") {
      const attr = this.next();
      if (attr.type === "name")
        return {
          t: "getattr",
          obj: node,
          attr: attr.value,
          pos: node.pos,
          end: attr.pos + attr.value.length,
        };
      if (attr.type !== "integer") this.fail("expected name or number", attr.pos);
      const arg: Expr = { t: "const", value: attr.num, pos: attr.pos, end: attr.pos + attr.value.length };
      return { t: "getitem", obj: node, arg, pos: node.pos, end: arg.end };
    }
    const args: Expr[] = [];
    while (!this.isOp("]")) {
      if (args.length) this.expectOp(",");
      args.push(this.parseSubscribed());
    }
    this.expectOp("]");
    const end = this.prevEnd();
    const arg: Expr =
      args.length === 1 ? args[0]! : { t: "tuple", items: args, pos: tok.pos + 1, end: end - 1 };
    return { t: "getitem", obj: node, arg, pos: node.pos, end };
  }

  private parseSubscribed(): Expr {
    const start = this.cur.pos;
    const parts: Array<Expr | null> = [];
    if (this.isOp(":")) {
      this.next();
      parts.push(null);
    } else {
      const node = this.parseExpression();
      if (!this.isOp(":")) return node;
      this.next();
      parts.push(node);
    }
    if (this.isOp(":")) parts.push(null);
    else if (!this.isOp("]") && !this.isOp(",")) parts.push(this.parseExpression());
    else parts.push(null);
    if (this.skipOp(":")) {
      if (!this.isOp("]") && !this.isOp(",")) parts.push(this.parseExpression());
      else parts.push(null);
    } else parts.push(null);
    return {
      t: "slice",
      start: parts[0]!,
      stop: parts[1]!,
      step: parts[2]!,
      pos: start,
      end: this.prevEnd(),
    };
  }

  private parseCallArgs(): CallArgs {
    const tok = this.expectOp("(");
    const r: CallArgs = { args: [], kwargs: [], star: null, dstar: null };
    let first = true;
    const ensure = (ok: boolean) => {
      if (!ok) this.fail("Invalid argument syntax", tok.pos);
    };
    while (!this.isOp(")")) {
      if (!first) {
        this.expectOp(",");
        if (this.isOp(")")) break;
      }
      first = false;
      if (this.isOp("*")) {
        ensure(r.star === null && r.dstar === null);
        this.next();
        r.star = this.parseExpression();
      } else if (this.isOp("**")) {
        ensure(r.dstar === null);
        this.next();
        r.dstar = this.parseExpression();
      } else if (this.cur.type === "name" && this.look().type === "op" && this.look().value === "=") {
        ensure(r.dstar === null);
        const key = this.next().value;
        this.next();
        r.kwargs.push([key, this.parseExpression()]);
      } else {
        ensure(r.star === null && r.dstar === null && r.kwargs.length === 0);
        r.args.push(this.parseExpression());
      }
    }
    this.expectOp(")");
    return r;
  }

  private parseCall(node: Expr): Expr {
    const args = this.parseCallArgs();
    return { t: "call", callee: node, args, pos: node.pos, end: this.prevEnd() };
  }

  private dottedName(): string {
    let name = this.expectName().value;
    while (this.isOp(".") && this.look().type === "name") {
      this.next();
      name += "." + this.next().value;
    }
    return name;
  }

  private parseFilter(node: Expr | null, startInline = false): Expr {
    let start = node?.pos ?? this.cur.pos;
    while (this.isOp("|") || startInline) {
      if (!startInline) this.next();
      startInline = false;
      const npos = this.cur.pos;
      const name = this.dottedName();
      const args = this.isOp("(") ? this.parseCallArgs() : { args: [], kwargs: [], star: null, dstar: null };
      node = { t: "filter", node, name, npos, args, pos: start, end: this.prevEnd() };
      start = node.pos;
    }
    return node!;
  }

  private parseTest(node: Expr): Expr {
    this.expectName("is");
    const negate = this.skipName("not");
    const npos = this.cur.pos;
    const name = this.dottedName();
    let args: CallArgs = { args: [], kwargs: [], star: null, dstar: null };
    if (this.isOp("(")) args = this.parseCallArgs();
    else if (
      (PRIMARY_START.has(this.cur.type) || this.isOp("(") || this.isOp("[") || this.isOp("{")) &&
      !(this.cur.type === "name" && ["else", "or", "and"].includes(this.cur.value))
    ) {
      if (this.isName("is")) this.fail("You cannot chain multiple tests with is");
      const arg = this.parsePostfix(this.parsePrimary());
      args = { args: [arg], kwargs: [], star: null, dstar: null };
    }
    return { t: "test", node, name, npos, args, negate, pos: node.pos, end: this.prevEnd() };
  }
}
