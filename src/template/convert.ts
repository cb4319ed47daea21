// Python's int(), float() and round() for the conversion filters, raising what Python raises.
import { PyError } from "./errors.js";
import { fmtFixed } from "./format.js";
import { pyStrip } from "./str-methods.js";
import { Undefined, isIntLike, isNumLike, isStr, mkFloat, num, strOf, typeName } from "./values.js";

const INT_RE = /^[+-]?(?:\d(?:_?\d)*)$/;

const ND = /\p{Nd}/u;
const ND_ALL = /\p{Nd}/gu;

/**
 * Python's int() and float() read any Unicode decimal digit ('١٢٣' is 123). Decimal digits come in runs of
 * ten, zero first, so a digit's value is its distance from the start of its run.
 */
function asciiDigits(s: string): string {
  return s.replace(ND_ALL, (c) => {
    const cp = c.codePointAt(0)!;
    let start = cp;
    while (ND.test(String.fromCodePoint(start - 1))) start--;
    return String((cp - start) % 10);
  });
}

export function pyIntFromStr(s: string, base: number): number {
  const t = asciiDigits(pyStrip(s, null, true, true));
  let m = t;
  let sign = 1;
  if (m.startsWith("-") || m.startsWith("+")) {
    if (m[0] === "-") sign = -1;
    m = m.slice(1);
  }
  let b = base;
  const pfx = m.slice(0, 2).toLowerCase();
  const pb = pfx === "0x" ? 16 : pfx === "0o" ? 8 : pfx === "0b" ? 2 : 0;
  if (pb && (b === 0 || b === pb)) {
    b = pb;
    m = m.slice(2).replace(/^_/, "");
  } else if (b === 0) {
    if (/^0+(_?0)*$/.test(m)) return 0;
    if (m.startsWith("0")) throw new PyError("ValueError", `invalid literal for int() with base 0: '${s}'`);
    b = 10;
  }
  const digits = "0123456789abcdefghijklmnopqrstuvwxyz".slice(0, b);
  if (!m || !new RegExp(`^[${digits}](?:_?[${digits}])*$`, "i").test(m) || (b === 10 && !INT_RE.test(m))) {
    throw new PyError("ValueError", `invalid literal for int() with base ${base}: '${s}'`);
  }
  return sign * parseInt(m.replace(/_/g, ""), b);
}

const FLOAT_STR = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)$/;

export function pyFloatFromStr(s: string): number {
  const t = asciiDigits(pyStrip(s, null, true, true));
  const low = t.toLowerCase().replace(/^[+-]/, "");
  const neg = t.startsWith("-");
  if (low === "inf" || low === "infinity") return neg ? -Infinity : Infinity;
  if (low === "nan") return NaN;
  if (FLOAT_STR.test(t) && /\d/.test(t) && !/^[+-]?\.?[eE]/.test(t) && !/\.\d*_|_\./.test(t)) {
    return Number(t.replace(/_/g, ""));
  }
  throw new PyError("ValueError", `could not convert string to float: '${s}'`);
}

/** Python's int(v) for the conversion filters; raises TypeError/ValueError like Python. */
export function pyInt(v: unknown, base = 10): number {
  if (v instanceof Undefined) return v.fail();
  if (isStr(v)) return pyIntFromStr(strOf(v), base);
  if (isNumLike(v)) {
    const x = num(v);
    if (!Number.isFinite(x)) {
      throw new PyError(Number.isNaN(x) ? "ValueError" : "OverflowError", "cannot convert float to integer");
    }
    return Math.trunc(x) || 0;
  }
  throw new PyError(
    "TypeError",
    `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`,
  );
}

export function pyFloat(v: unknown): number {
  if (v instanceof Undefined) return v.fail();
  if (isStr(v)) return pyFloatFromStr(strOf(v));
  if (isNumLike(v)) return num(v);
  throw new PyError("TypeError", `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

export function isConvError(e: unknown): boolean {
  return e instanceof PyError && (e.kind === "TypeError" || e.kind === "ValueError");
}

export function pyRound(v: unknown, ndigits: number): unknown {
  if (isIntLike(v)) {
    const x = +v;
    if (ndigits >= 0) return x;
    const p = 10 ** -ndigits;
    const q = x / p;
    let r = Math.round(q);
    if (Math.abs(q % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r * p;
  }
  if (!isNumLike(v)) {
    // StrictUndefined has no __round__ either: a TypeError, not an UndefinedError
    throw new PyError("TypeError", `type ${typeName(v)} doesn't define __round__ method`);
  }
  const x = num(v);
  if (!Number.isFinite(x)) return mkFloat(x);
  if (ndigits >= 0) return mkFloat(Number(fmtFixed(x, Math.min(ndigits, 100))));
  const p = 10 ** -ndigits;
  return mkFloat(Number(fmtFixed(x / p, 0)) * p);
}
