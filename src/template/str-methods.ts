// Python's str methods, one named function each, on JS strings (code points where Python counts them).
import { REQUIRED, bindArgs, needInt as argInt, needStr as argStr } from "./args.js";
import type { Method } from "./args.js";
import { PyError } from "./errors.js";
import { isPySpace } from "./lexer.js";
import { Undefined, isStr, isTuple, iterate, strLen, strOf, tuple, typeName } from "./values.js";
import type { Kwargs } from "./values.js";

// str's own methods check their arguments' types in C, before anything touches the value: an undefined
// argument is a TypeError there, where jinja's filters (which call str() first) raise UndefinedError.
function needStr(fname: string, v: unknown): string {
  if (v instanceof Undefined)
    throw new PyError("TypeError", `${fname}() argument must be str, not StrictUndefined`);
  return argStr(fname, v);
}

function fillChar(v: unknown): string {
  if (!isStr(v))
    throw new PyError("TypeError", `The fill character must be a unicode character, not ${typeName(v)}`);
  const c = strOf(v);
  if (strLen(c) !== 1)
    throw new PyError("TypeError", "The fill character must be exactly one character long");
  return c;
}

function needInt(fname: string, v: unknown): number {
  if (v instanceof Undefined)
    throw new PyError("TypeError", `'StrictUndefined' object cannot be interpreted as an integer (${fname})`);
  return argInt(fname, v);
}

export function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === null || chars === undefined ? null : needStr("strip", chars);
  const isStrip = (c: string) => (set === null ? isPySpace(c.charCodeAt(0)) : set.includes(c));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && isStrip(s[a]!)) a++;
  if (right) while (b > a && isStrip(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function splitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isPySpace(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length === maxsplit) {
      out.push(s.slice(i));
      break;
    }
    let j = i;
    while (j < n && !isPySpace(s.charCodeAt(j))) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

export function pySplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (sep === null) return splitWhitespace(s, maxsplit);
  const p = needStr("split", sep);
  if (p === "") throw new PyError("ValueError", "empty separator");
  const parts = s.split(p);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(p)];
}

function pyRsplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (maxsplit < 0) return pySplit(s, sep, -1);
  if (sep === null) {
    const rev = splitWhitespace(Array.from(s).reverse().join(""), maxsplit);
    return rev.map((x) => Array.from(x).reverse().join("")).reverse();
  }
  const p = needStr("rsplit", sep);
  if (p === "") throw new PyError("ValueError", "empty separator");
  const parts = s.split(p);
  if (parts.length <= maxsplit + 1) return parts;
  const keep = parts.length - maxsplit;
  return [parts.slice(0, keep).join(p), ...parts.slice(keep)];
}

export function pyReplace(s: string, old: string, repl: string, count: number): string {
  if (count < 0) count = Infinity;
  if (old === "") {
    const chars = Array.from(s);
    let out = "";
    let n = 0;
    for (const c of chars) {
      if (n < count) {
        out += repl;
        n++;
      }
      out += c;
    }
    if (n < count) out += repl;
    return out;
  }
  if (count === Infinity) return s.split(old).join(repl);
  let out = "";
  let i = 0;
  let n = 0;
  while (n < count) {
    const j = s.indexOf(old, i);
    if (j < 0) break;
    out += s.slice(i, j) + repl;
    i = j + old.length;
    n++;
  }
  return out + s.slice(i);
}

// Characters whose titlecase differs from their uppercase in Python's Unicode data (str.title and
// str.capitalize use titlecase): each entry is the character, then its titlecase. Georgian Mkhedruli
// (U+10D0-U+10FF) has an uppercase but titlecases to itself.
const TITLECASE = new Map(
  "ßSs Ǆǅ ǅǅ ǆǅ Ǉǈ ǈǈ ǉǈ Ǌǋ ǋǋ ǌǋ Ǳǲ ǲǲ ǳǲ ևԵւ ᾀᾈ ᾁᾉ ᾂᾊ ᾃᾋ ᾄᾌ ᾅᾍ ᾆᾎ ᾇᾏ ᾈᾈ ᾉᾉ ᾊᾊ ᾋᾋ ᾌᾌ ᾍᾍ ᾎᾎ ᾏᾏ ᾐᾘ ᾑᾙ ᾒᾚ ᾓᾛ ᾔᾜ ᾕᾝ ᾖᾞ ᾗᾟ ᾘᾘ ᾙᾙ ᾚᾚ ᾛᾛ ᾜᾜ ᾝᾝ ᾞᾞ ᾟᾟ ᾠᾨ ᾡᾩ ᾢᾪ ᾣᾫ ᾤᾬ ᾥᾭ ᾦᾮ ᾧᾯ ᾨᾨ ᾩᾩ ᾪᾪ ᾫᾫ ᾬᾬ ᾭᾭ ᾮᾮ ᾯᾯ ᾲᾺͅ ᾳᾼ ᾴΆͅ ᾷᾼ͂ ᾼᾼ ῂῊͅ ῃῌ ῄΉͅ ῇῌ͂ ῌῌ ῲῺͅ ῳῼ ῴΏͅ ῷῼ͂ ῼῼ ﬀFf ﬁFi ﬂFl ﬃFfi ﬄFfl ﬅSt ﬆSt ﬓՄն ﬔՄե ﬕՄի ﬖՎն ﬗՄխ"
    .split(" ")
    .map((e) => {
      const [c, ...t] = Array.from(e);
      return [c!, t.join("")];
    }),
);

function toTitle(c: string): string {
  const cp = c.codePointAt(0)!;
  if (cp >= 0x10d0 && cp <= 0x10ff) return c;
  return TITLECASE.get(c) ?? c.toUpperCase();
}

// Python's Py_UNICODE_ISUPPER/ISLOWER/ISTITLE: the Uppercase and Lowercase properties, and category Lt.
const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;
const TITLE = /\p{Lt}/u;

const CASED = /\p{Cased}/u;
const CASE_IGNORABLE = /\p{Case_Ignorable}/u;

/**
 * chars[i] lower-cased as Python's lower_ucs4 does it inside title() and capitalize(): a capital sigma is
 * final (ς) after a cased letter and not before one, case-ignorable characters skipped on both sides.
 */
function lowerAt(chars: readonly string[], i: number): string {
  const c = chars[i]!;
  if (c !== "Σ") return c.toLowerCase();
  let j = i - 1;
  while (j >= 0 && CASE_IGNORABLE.test(chars[j]!)) j--;
  if (j < 0 || !CASED.test(chars[j]!)) return "σ";
  j = i + 1;
  while (j < chars.length && CASE_IGNORABLE.test(chars[j]!)) j++;
  return j < chars.length && CASED.test(chars[j]!) ? "σ" : "ς";
}

export function pyTitle(s: string): string {
  const chars = Array.from(s);
  let out = "";
  let prev = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const r = prev ? lowerAt(chars, i) : toTitle(c);
    out += r;
    prev = CASED.test(c);
  }
  return out;
}

export function pyCapitalize(s: string): string {
  const chars = Array.from(s);
  if (!chars.length) return "";
  let out = toTitle(chars[0]!);
  for (let i = 1; i < chars.length; i++) out += lowerAt(chars, i);
  return out;
}

/** Python's str.casefold, code point by code point (full case folding; Cherokee folds to upper case). */
export function pyCasefold(s: string): string {
  let out = "";
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if ((cp >= 0x13a0 && cp <= 0x13f5) || cp === 0x131)
      out += c; // dotless i has no folding
    else if (cp >= 0x13f8 && cp <= 0x13fd) out += String.fromCodePoint(cp - 8);
    else if (cp >= 0xab70 && cp <= 0xabbf) out += String.fromCodePoint(cp - 0xab70 + 0x13a0);
    else out += c.toUpperCase().toLowerCase().replace(/ß/g, "ss");
  }
  return out;
}

// Characters Python's isdigit accepts beyond the decimal digits (Numeric_Type=Digit: superscripts, circled...).
const DIGIT_ONLY =
  "\\u{b2}-\\u{b3}\\u{b9}\\u{1369}-\\u{1371}\\u{19da}\\u{2070}\\u{2074}-\\u{2079}\\u{2080}-\\u{2089}\\u{2460}-\\u{2468}\\u{2474}-\\u{247c}\\u{2488}-\\u{2490}\\u{24ea}\\u{24f5}-\\u{24fd}\\u{24ff}\\u{2776}-\\u{277e}\\u{2780}-\\u{2788}\\u{278a}-\\u{2792}\\u{10a40}-\\u{10a43}\\u{10e60}-\\u{10e68}\\u{11052}-\\u{1105a}\\u{1f100}-\\u{1f10a}";
const IS_DIGIT = new RegExp(`^[\\p{Nd}${DIGIT_ONLY}]+$`, "u");
const IS_DECIMAL = /^\p{Nd}+$/u;

export function pyCenter(s: string, width: number, fill = " "): string {
  const marg = width - strLen(s);
  if (marg <= 0) return s;
  const left = (marg >> 1) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

// eslint-disable-next-line no-control-regex -- Python treats these control characters specially
const SPLITLINES = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;

export function pySplitlines(s: string, keepends = false): string[] {
  const out: string[] = [];
  let last = 0;
  let m: RegExpExecArray | null;
  SPLITLINES.lastIndex = 0;
  while ((m = SPLITLINES.exec(s))) {
    out.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function affix(fname: string, s: string, arg: unknown, test: (s: string, p: string) => boolean): boolean {
  if (isTuple(arg)) return arg.some((p) => test(s, needStr(fname, p)));
  return test(s, needStr(fname, arg));
}

function sliceRange(s: string, start: unknown, end: unknown): [number, number] {
  const n = s.length;
  const norm = (v: unknown, d: number) => {
    if (v === null || v === undefined) return d;
    let k = needInt("slice", v);
    if (k < 0) k = Math.max(0, k + n);
    return Math.min(k, n);
  };
  return [norm(start, 0), norm(end, n)];
}

function strLower(s: string): unknown {
  return s.toLowerCase();
}

function strUpper(s: string): unknown {
  return s.toUpperCase();
}

function strSwapcase(s: string): unknown {
  const chars = Array.from(s);
  // titlecase letters (ǅ) are neither upper nor lower, so they stay
  return chars
    .map((c, i) => (UPPER.test(c) ? lowerAt(chars, i) : LOWER.test(c) ? c.toUpperCase() : c))
    .join("");
}

function strTitle(s: string): unknown {
  return pyTitle(s);
}

function strCapitalize(s: string): unknown {
  return pyCapitalize(s);
}

function strStrip(s: string, a: unknown[], k: Kwargs): unknown {
  return pyStrip(s, bindArgs("strip", a, k, [["chars", null]])[0], true, true);
}

function strLstrip(s: string, a: unknown[], k: Kwargs): unknown {
  return pyStrip(s, bindArgs("lstrip", a, k, [["chars", null]])[0], true, false);
}

function strRstrip(s: string, a: unknown[], k: Kwargs): unknown {
  return pyStrip(s, bindArgs("rstrip", a, k, [["chars", null]])[0], false, true);
}

function strReplace(s: string, a: unknown[], k: Kwargs): unknown {
  const [o, n, c] = bindArgs("replace", a, k, [
    ["old", REQUIRED],
    ["new", REQUIRED],
    ["count", -1],
  ]);
  return pyReplace(s, needStr("replace", o), needStr("replace", n), needInt("replace", c));
}

function strSplit(s: string, a: unknown[], k: Kwargs): unknown {
  const [sep, m] = bindArgs("split", a, k, [
    ["sep", null],
    ["maxsplit", -1],
  ]);
  return pySplit(s, sep, needInt("split", m));
}

function strRsplit(s: string, a: unknown[], k: Kwargs): unknown {
  const [sep, m] = bindArgs("rsplit", a, k, [
    ["sep", null],
    ["maxsplit", -1],
  ]);
  return pyRsplit(s, sep, needInt("rsplit", m));
}

function strSplitlines(s: string, a: unknown[], k: Kwargs): unknown {
  return pySplitlines(s, Boolean(bindArgs("splitlines", a, k, [["keepends", false]])[0]));
}

function strStartswith(s: string, a: unknown[], k: Kwargs): unknown {
  const [p, st, en] = bindArgs("startswith", a, k, [
    ["prefix", REQUIRED],
    ["start", null],
    ["end", null],
  ]);
  const [x, y] = sliceRange(s, st, en);
  return affix("startswith", s.slice(x, y), p, (t, q) => t.startsWith(q));
}

function strEndswith(s: string, a: unknown[], k: Kwargs): unknown {
  const [p, st, en] = bindArgs("endswith", a, k, [
    ["suffix", REQUIRED],
    ["start", null],
    ["end", null],
  ]);
  const [x, y] = sliceRange(s, st, en);
  return affix("endswith", s.slice(x, y), p, (t, q) => t.endsWith(q));
}

function strCount(s: string, a: unknown[], k: Kwargs): unknown {
  const [sub, st, en] = bindArgs("count", a, k, [
    ["sub", REQUIRED],
    ["start", null],
    ["end", null],
  ]);
  const [x, y] = sliceRange(s, st, en);
  const t = s.slice(x, y);
  const p = needStr("count", sub);
  if (p === "") return strLen(t) + 1;
  return t.split(p).length - 1;
}

function strFind(s: string, a: unknown[], k: Kwargs): unknown {
  return findIn(s, a, k, "find", false);
}

function strRfind(s: string, a: unknown[], k: Kwargs): unknown {
  return findIn(s, a, k, "rfind", true);
}

function strIndex(s: string, a: unknown[], k: Kwargs): unknown {
  return mustFind(findIn(s, a, k, "index", false));
}

function strRindex(s: string, a: unknown[], k: Kwargs): unknown {
  return mustFind(findIn(s, a, k, "rindex", true));
}

function strJoin(s: string, a: unknown[], k: Kwargs): unknown {
  const [it] = bindArgs("join", a, k, [["iterable", REQUIRED]]);
  return iterate(it)
    .map((x, i) => {
      if (isStr(x)) return strOf(x);
      throw new PyError("TypeError", `sequence item ${i}: expected str instance, ${typeName(x)} found`);
    })
    .join(s);
}

function strCasefold(s: string): unknown {
  return pyCasefold(s);
}

function strIsdigit(s: string): unknown {
  return IS_DIGIT.test(s);
}

function strIsnumeric(s: string): unknown {
  return /^\p{N}+$/u.test(s);
}

function strIsalpha(s: string): unknown {
  return /^\p{L}+$/u.test(s);
}

function strIsalnum(s: string): unknown {
  return /^[\p{L}\p{N}]+$/u.test(s);
}

function strIsspace(s: string): unknown {
  return s.length > 0 && Array.from(s).every((c) => isPySpace(c.charCodeAt(0)));
}

function strIslower(s: string): unknown {
  let cased = false;
  for (const c of s) {
    if (UPPER.test(c) || TITLE.test(c)) return false;
    if (LOWER.test(c)) cased = true;
  }
  return cased;
}

function strIsupper(s: string): unknown {
  let cased = false;
  for (const c of s) {
    if (LOWER.test(c) || TITLE.test(c)) return false;
    if (UPPER.test(c)) cased = true;
  }
  return cased;
}

function strIstitle(s: string): unknown {
  let cased = false;
  let prev = false;
  for (const c of s) {
    if (UPPER.test(c) || TITLE.test(c)) {
      if (prev) return false;
      prev = cased = true;
    } else if (LOWER.test(c)) {
      if (!prev) return false;
      prev = cased = true;
    } else prev = false;
  }
  return cased;
}

function strZfill(s: string, a: unknown[], k: Kwargs): unknown {
  const w = needInt("zfill", bindArgs("zfill", a, k, [["width", REQUIRED]])[0]);
  const sign = s[0] === "-" || s[0] === "+" ? s[0] : "";
  const body = s.slice(sign.length);
  const pad = w - strLen(s);
  return pad > 0 ? sign + "0".repeat(pad) + body : s;
}

function strLjust(s: string, a: unknown[], k: Kwargs): unknown {
  return justify("ljust", s, a, k, (f, n) => s + f.repeat(n));
}

function strRjust(s: string, a: unknown[], k: Kwargs): unknown {
  return justify("rjust", s, a, k, (f, n) => f.repeat(n) + s);
}

function strCenter(s: string, a: unknown[], k: Kwargs): unknown {
  const [w, f] = bindArgs("center", a, k, [
    ["width", REQUIRED],
    ["fillchar", " "],
  ]);
  const width = needInt("center", w);
  return pyCenter(s, width, fillChar(f));
}

function strPartition(s: string, a: unknown[], k: Kwargs): unknown {
  return partition(s, a, k, false);
}

function strRpartition(s: string, a: unknown[], k: Kwargs): unknown {
  return partition(s, a, k, true);
}

function strRemoveprefix(s: string, a: unknown[]): unknown {
  const p = needStr("removeprefix", a[0]);
  return p && s.startsWith(p) ? s.slice(p.length) : s;
}

function strRemovesuffix(s: string, a: unknown[]): unknown {
  const p = needStr("removesuffix", a[0]);
  return p && s.endsWith(p) ? s.slice(0, -p.length) : s;
}

export const STR_METHODS = new Map<string, Method<string>>([
  ["lower", strLower],
  ["upper", strUpper],
  ["casefold", strCasefold],
  ["swapcase", strSwapcase],
  ["title", strTitle],
  ["capitalize", strCapitalize],
  ["strip", strStrip],
  ["lstrip", strLstrip],
  ["rstrip", strRstrip],
  ["replace", strReplace],
  ["split", strSplit],
  ["rsplit", strRsplit],
  ["splitlines", strSplitlines],
  ["startswith", strStartswith],
  ["endswith", strEndswith],
  ["count", strCount],
  ["find", strFind],
  ["rfind", strRfind],
  ["index", strIndex],
  ["rindex", strRindex],
  ["join", strJoin],
  ["isdigit", strIsdigit],
  ["isdecimal", (s: string) => IS_DECIMAL.test(s)],
  ["isnumeric", strIsnumeric],
  ["isalpha", strIsalpha],
  ["isalnum", strIsalnum],
  ["isspace", strIsspace],
  ["islower", strIslower],
  ["isupper", strIsupper],
  ["istitle", strIstitle],
  ["zfill", strZfill],
  ["ljust", strLjust],
  ["rjust", strRjust],
  ["center", strCenter],
  ["partition", strPartition],
  ["rpartition", strRpartition],
  ["removeprefix", strRemoveprefix],
  ["removesuffix", strRemovesuffix],
]);

function justify(
  name: string,
  s: string,
  a: unknown[],
  k: Kwargs,
  f: (fill: string, n: number) => string,
): string {
  const [w, fill] = bindArgs(name, a, k, [
    ["width", REQUIRED],
    ["fillchar", " "],
  ]);
  const n = needInt(name, w) - strLen(s);
  const c = fillChar(fill);
  return n > 0 ? f(c, n) : s;
}

function partition(s: string, a: unknown[], k: Kwargs, right: boolean): unknown[] {
  const sep = needStr("partition", bindArgs("partition", a, k, [["sep", REQUIRED]])[0]);
  if (sep === "") throw new PyError("ValueError", "empty separator");
  const i = right ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) return tuple(right ? ["", "", s] : [s, "", ""]);
  return tuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
}

function findIn(s: string, a: unknown[], k: Kwargs, name: string, right: boolean): number {
  const [sub, st, en] = bindArgs(name, a, k, [
    ["sub", REQUIRED],
    ["start", null],
    ["end", null],
  ]);
  const [x, y] = sliceRange(s, st, en);
  const t = s.slice(x, y);
  const p = needStr(name, sub);
  const i = right ? t.lastIndexOf(p) : t.indexOf(p);
  return i < 0 ? -1 : i + x;
}

function mustFind(i: number): number {
  if (i < 0) throw new PyError("ValueError", "substring not found");
  return i;
}
