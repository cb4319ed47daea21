// A port of jinja2's lexer for the default delimiters with trim_blocks/lstrip_blocks off and
// keep_trailing_newline off: same token boundaries, whitespace control and string escapes.
import { TemplateError } from "./errors.js";

export type TokType =
  | "data"
  | "variable_begin"
  | "variable_end"
  | "block_begin"
  | "block_end"
  | "name"
  | "string"
  | "integer"
  | "float"
  | "op"
  | "eof";

export interface Token {
  readonly type: TokType;
  /** Operator text, name, decoded string value, or the data text. */
  readonly value: string;
  readonly num: number;
  /** Offset into the normalised source. */
  readonly pos: number;
}

/** Python's str.isspace(), which both `\s` in jinja's regexes and str.rstrip() use. */
export function isPySpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

export function pyRstrip(s: string): string {
  let e = s.length;
  while (e > 0 && isPySpace(s.charCodeAt(e - 1))) e--;
  return e === s.length ? s : s.slice(0, e);
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isPySpace(s.charCodeAt(i))) i++;
  return i;
}

/** jinja drops exactly one trailing newline and turns \r\n and \r into \n. */
export function normalizeSource(source: string): string {
  let s = source.indexOf("\r") >= 0 ? source.replace(/\r\n|\r/g, "\n") : source;
  if (s.endsWith("\n")) s = s.slice(0, -1);
  return s;
}

export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly source: string) {
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  locate(pos: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: pos - this.starts[lo]! + 1 };
  }
}

const TAG_START = /\{[{%#]/g;
const RAW_BEGIN = /\{%[-+]?\s*raw\s*(?:-%\}\s*|%\})/y;
const RAW_END = /\{%([-+]?)\s*endraw\s*(?:\+%\}|-%\}\s*|%\})/g;
const FLOAT_RE = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y;
const INT_RE = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y;
const NAME_RE = /[a-zA-Z_\p{L}][\w\p{L}\p{N}]*/uy;
const ASCII_NAME_RE = /[a-zA-Z_]\w*/y;
const STRING_RE = /'([^'\\]*(?:\\[\s\S][^'\\]*)*)'|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"/y;
const OP_RE = /\/\/|\*\*|==|!=|>=|<=|[+\-/*%~[\](){}<>=.:|,;]/y;
const VAR_END = /-\}\}\s*|\}\}/y;
const BLOCK_END = /\+%\}|-%\}\s*|%\}/y;
const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Python's "unicode-escape" decoding of a string literal body (jinja decodes literals this way). */
export function decodeEscapes(s: string): string {
  if (s.indexOf("\\") < 0) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\" || i === s.length - 1) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    switch (n) {
      case "\n":
        break;
      case "\\":
        out += "\\";
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      case "a":
        out += "\x07";
        break;
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "t":
        out += "\t";
        break;
      case "v":
        out += "\v";
        break;
      case "x":
      case "u":
      case "U": {
        const len = n === "x" ? 2 : n === "u" ? 4 : 8;
        const hex = s.slice(i + 1, i + 1 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex))
          throw new SyntaxError(`truncated \\${n} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) throw new SyntaxError("illegal Unicode character");
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      default:
        if (n >= "0" && n <= "7") {
          let j = i;
          while (j < s.length && j < i + 3 && s[j]! >= "0" && s[j]! <= "7") j++;
          out += String.fromCodePoint(parseInt(s.slice(i, j), 8));
          i = j - 1;
        } else out += "\\" + n;
    }
  }
  return out;
}

export function tokenize(source: string, file: string, lines: LineMap): Token[] {
  const toks: Token[] = [];
  const fail = (pos: number, msg: string): never => {
    const { line, col } = lines.locate(pos);
    throw new TemplateError("TemplateSyntaxError", file, line, col, msg);
  };
  const n = source.length;
  let pos = 0;
  while (pos < n) {
    TAG_START.lastIndex = pos;
    const m = TAG_START.exec(source);
    if (!m) {
      toks.push({ type: "data", value: source.slice(pos), num: 0, pos });
      break;
    }
    const start = m.index;
    let data = source.slice(pos, start);
    const kind = source[start + 1]!;
    const sign = source[start + 2];
    if (sign === "-") data = pyRstrip(data);
    if (data) toks.push({ type: "data", value: data, num: 0, pos });

    if (kind === "%") {
      RAW_BEGIN.lastIndex = start;
      const rb = RAW_BEGIN.exec(source);
      if (rb) {
        RAW_END.lastIndex = start + rb[0].length;
        const re = RAW_END.exec(source);
        if (!re) fail(start, "Missing end of raw directive");
        let raw = source.slice(start + rb[0].length, re!.index);
        if (re![1] === "-") raw = pyRstrip(raw);
        if (raw) toks.push({ type: "data", value: raw, num: 0, pos: start + rb[0].length });
        pos = re!.index + re![0].length;
        continue;
      }
    }
    if (kind === "#") {
      const bodyStart = start + 2 + (sign === "-" || sign === "+" ? 1 : 0);
      const end = source.indexOf("#}", bodyStart);
      if (end < 0) fail(start, "Missing end of comment tag");
      pos = end + 2;
      if (end > bodyStart && source[end - 1] === "-") pos = skipSpace(source, pos);
      continue;
    }

    const isVar = kind === "{";
    toks.push({ type: isVar ? "variable_begin" : "block_begin", value: "", num: 0, pos: start });
    pos = start + 2 + (sign === "-" || sign === "+" ? 1 : 0);
    const stack: string[] = [];
    let closed = false;
    while (pos < n) {
      pos = skipSpace(source, pos);
      if (pos >= n) break;
      if (stack.length === 0) {
        const endRe = isVar ? VAR_END : BLOCK_END;
        endRe.lastIndex = pos;
        const em = endRe.exec(source);
        if (em) {
          toks.push({ type: isVar ? "variable_end" : "block_end", value: "", num: 0, pos });
          pos += em[0].length;
          closed = true;
          break;
        }
      }
      // dispatch on the first character so each token costs one regex run (start-up matters to the CLI)
      const c = source.charCodeAt(pos);
      const isDigit = c >= 48 && c <= 57;
      let mm: RegExpExecArray | null = null;
      if (isDigit) {
        FLOAT_RE.lastIndex = pos;
        mm = FLOAT_RE.exec(source);
      }
      if (mm) {
        toks.push({ type: "float", value: mm[0], num: parseFloat(mm[0].replace(/_/g, "")), pos });
        pos += mm[0].length;
        continue;
      }
      if (isDigit) {
        INT_RE.lastIndex = pos;
        mm = INT_RE.exec(source);
      }
      if (mm) {
        const t = mm[0].replace(/_/g, "");
        const p = t[1]?.toLowerCase();
        const num = p === "b" || p === "o" || p === "x" ? Number(t.toLowerCase()) : Number(t);
        toks.push({ type: "integer", value: mm[0], num, pos });
        pos += mm[0].length;
        continue;
      }
      if (c === 95 || ((c | 32) >= 97 && (c | 32) <= 122) || c > 127) {
        const re = c > 127 || /[^\t-~]/.test(source.slice(pos, pos + 64)) ? NAME_RE : ASCII_NAME_RE;
        re.lastIndex = pos;
        mm = re.exec(source);
      }
      if (mm) {
        toks.push({ type: "name", value: mm[0], num: 0, pos });
        pos += mm[0].length;
        continue;
      }
      if (c === 39 || c === 34) {
        STRING_RE.lastIndex = pos;
        mm = STRING_RE.exec(source);
      }
      if (mm) {
        let value: string;
        try {
          value = decodeEscapes(mm[1] ?? mm[2] ?? "");
        } catch (e) {
          return fail(pos, `invalid string literal: ${(e as Error).message}`);
        }
        toks.push({ type: "string", value, num: 0, pos });
        pos += mm[0].length;
        continue;
      }
      OP_RE.lastIndex = pos;
      mm = OP_RE.exec(source);
      if (mm) {
        const op = mm[0];
        if (op in CLOSERS) stack.push(CLOSERS[op]!);
        else if (op === ")" || op === "]" || op === "}") {
          if (stack.length === 0) fail(pos, `unexpected '${op}'`);
          const want = stack.pop();
          if (want !== op) fail(pos, `unexpected '${op}', expected '${want}'`);
        }
        toks.push({ type: "op", value: op, num: 0, pos });
        pos += op.length;
        continue;
      }
      fail(pos, `unexpected char ${JSON.stringify(source[pos])}`);
    }
    if (!closed) break;
  }
  toks.push({ type: "eof", value: "", num: 0, pos: n });
  return toks;
}
