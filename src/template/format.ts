// Python's `%` string formatting, str.format() and the format-spec mini-language, for the value model of
// values.ts. Number formatting rounds half to even on the exact binary value, as CPython does.
import { PyError } from "./errors.js";
import {
  Markup,
  PyFloat,
  Undefined,
  isFloat,
  isIntLike,
  isNumLike,
  isStr,
  isTuple,
  num,
  pyRepr,
  pyStr,
  strOf,
  typeName,
} from "./values.js";

function nonFinite(x: number, upper: boolean): string | null {
  if (Number.isNaN(x)) return upper ? "NAN" : "nan";
  if (x === Infinity) return upper ? "INF" : "inf";
  if (x === -Infinity) return upper ? "-INF" : "-inf";
  return null;
}

/** |x| in fixed notation with p decimals, ties to even. */
function fixedAbs(ax: number, p: number): string {
  if (ax >= 1e21) return BigInt(ax).toString() + (p > 0 ? "." + "0".repeat(p) : "");
  const rounded = ax.toFixed(p);
  if (p > 70) return rounded;
  const ext = ax.toFixed(p + 30);
  const dot = ext.indexOf(".");
  const tail = ext.slice(dot + 1 + p);
  if (/^50*$/.test(tail)) {
    const trunc = p === 0 ? ext.slice(0, dot) : ext.slice(0, dot + 1 + p);
    const last = trunc.charCodeAt(trunc.length - 1) - 48;
    if (last % 2 === 0) return trunc;
  }
  return rounded;
}

function signOf(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

export function fmtFixed(x: number, p: number, upper = false): string {
  const nf = nonFinite(x, upper);
  if (nf) return nf;
  return (signOf(x) ? "-" : "") + fixedAbs(Math.abs(x), p);
}

function expParts(ax: number, p: number): [string, number] {
  const [m, e] = ax.toExponential(p).split("e") as [string, string];
  return [m, Number(e)];
}

function expStr(e: number, upper: boolean): string {
  return (upper ? "E" : "e") + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
}

export function fmtExp(x: number, p: number, upper = false, alt = false): string {
  const nf = nonFinite(x, upper);
  if (nf) return nf;
  const [m, e] = expParts(Math.abs(x), p);
  return (signOf(x) ? "-" : "") + m + (alt && p === 0 ? "." : "") + expStr(e, upper);
}

function stripZeros(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

export function fmtGeneral(x: number, p: number, upper = false, alt = false, noneType = false): string {
  const nf = nonFinite(x, upper);
  if (nf) return nf;
  if (p === 0) p = 1;
  const ax = Math.abs(x);
  const sign = signOf(x) ? "-" : "";
  if (ax === 0) {
    const body = alt ? "0." + "0".repeat(p - 1) : noneType ? "0.0" : "0";
    return sign + body;
  }
  const [, e] = expParts(ax, p - 1);
  // with no presentation type, Python switches to exponent notation one digit earlier than 'g' does
  if (e >= -4 && e < (noneType ? p - 1 : p)) {
    let s = fixedAbs(ax, p - 1 - e);
    if (!alt) s = stripZeros(s);
    if (noneType && !s.includes(".")) s += ".0";
    return sign + s;
  }
  let [m] = expParts(ax, p - 1);
  if (!alt) m = stripZeros(m);
  return sign + m + expStr(e, upper);
}

/** Groups the leading digit run of a number's text (`1234567.5` -> `1,234,567.5`; `1e+20` unchanged). */
function groupLeading(body: string, sep: string): string {
  const m = /^(\d+)(.*)$/s.exec(body);
  return m ? groupDigits(m[1]!, sep) + m[2]! : body;
}

/** A code point for %c: Python refuses one out of range with OverflowError. */
function codePoint(x: number): string {
  if (x < 0 || x >= 0x110000) throw new PyError("OverflowError", "%c arg not in range(0x110000)");
  return String.fromCodePoint(x);
}

function groupDigits(intPart: string, sep: string, every = 3): string {
  let out = "";
  for (let i = 0; i < intPart.length; i++) {
    if (i > 0 && (intPart.length - i) % every === 0) out += sep;
    out += intPart[i];
  }
  return out;
}

function toInt(v: unknown, conv: string): number {
  if (isIntLike(v)) return +v;
  if (isNumLike(v)) {
    if ("xXoc".includes(conv))
      throw new PyError("TypeError", `%${conv} format: an integer is required, not float`);
    return Math.trunc(num(v));
  }
  if (v instanceof Undefined) return v.fail();
  throw new PyError("TypeError", `%${conv} format: a real number is required, not ${typeName(v)}`);
}

function toFloat(v: unknown, conv: string): number {
  if (isNumLike(v)) return num(v);
  if (v instanceof Undefined) return v.fail();
  throw new PyError(
    "TypeError",
    `must be real number, not ${typeName(v)}`.replace("must", `%${conv} format: must`),
  );
}

/** `fmt % args` for str. */
export function printf(fmt: string, args: unknown): string {
  const positional = isTuple(args) ? (args as unknown[]) : [args];
  const mapping = args instanceof Map ? args : null;
  let ai = 0;
  let usedMapping = false;
  const nextArg = (): unknown => {
    if (ai >= positional.length) throw new PyError("TypeError", "not enough arguments for format string");
    return positional[ai++];
  };
  const re = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/gs;
  let out = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(fmt))) {
    out += fmt.slice(last, m.index);
    last = re.lastIndex;
    const [, key, flags = "", widthS, precS, conv = ""] = m;
    if (conv === "%" && key === undefined && !flags && !widthS && precS === undefined) {
      out += "%";
      continue;
    }
    if (!conv) throw new PyError("ValueError", "incomplete format");
    let v: unknown;
    const width = widthS === "*" ? toInt(nextArg(), "d") : widthS ? Number(widthS) : 0;
    const prec =
      precS === "*" ? toInt(nextArg(), "d") : precS !== undefined ? Number(precS || "0") : undefined;
    if (key !== undefined) {
      if (!mapping) throw new PyError("TypeError", "format requires a mapping");
      usedMapping = true;
      if (!mapping.has(key)) throw new PyError("KeyError", strRepr(key));
      v = mapping.get(key);
    } else if (conv !== "%") v = nextArg();
    const left = flags.includes("-");
    const zero = flags.includes("0") && !left;
    const plus = flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
    const alt = flags.includes("#");
    let body: string;
    let numeric = true;
    switch (conv) {
      case "s":
      case "r":
      case "a":
        numeric = false;
        body = conv === "s" ? pyStr(v) : pyRepr(v);
        if (prec !== undefined) body = body.slice(0, prec);
        break;
      case "d":
      case "i":
      case "u":
        body = String(toInt(v, conv));
        break;
      case "x":
      case "X":
      case "o": {
        const n = toInt(v, conv);
        const base = conv === "o" ? 8 : 16;
        body = (n < 0 ? "-" : "") + (alt ? (conv === "o" ? "0o" : "0x") : "") + Math.abs(n).toString(base);
        if (conv === "X") body = body.toUpperCase();
        break;
      }
      case "e":
      case "E":
        body = fmtExp(toFloat(v, conv), prec ?? 6, conv === "E", alt);
        break;
      case "f":
      case "F":
        body = fmtFixed(toFloat(v, conv), prec ?? 6, conv === "F");
        if (alt && prec === 0) body += ".";
        break;
      case "g":
      case "G":
        body = fmtGeneral(toFloat(v, conv), prec ?? 6, conv === "G", alt);
        break;
      case "c":
        numeric = false;
        if (isStr(v)) {
          body = strOf(v);
          if (Array.from(body).length !== 1) throw new PyError("TypeError", "%c requires int or char");
        } else body = codePoint(toInt(v, "c"));
        break;
      case "%":
        numeric = false;
        body = "%";
        break;
      default:
        throw new PyError(
          "ValueError",
          `unsupported format character '${conv}' (0x${conv.charCodeAt(0).toString(16)}) at index ${m.index + m[0].length - 1}`,
        );
    }
    if (numeric && plus && !body.startsWith("-")) body = plus + body;
    if (body.length < width) {
      if (left) body = body.padEnd(width);
      else if (
        zero &&
        numeric &&
        !/[a-z]/i.test(body.replace(/^[-+ ]?0[xo]/i, "").replace(/e[-+]\d+$/i, ""))
      ) {
        const sign = /^[-+ ]/.test(body) ? body[0]! : "";
        const prefix = /^[-+ ]?0[xXo]/.test(body) ? body.slice(sign.length, sign.length + 2) : "";
        const rest = body.slice(sign.length + prefix.length);
        body = sign + prefix + rest.padStart(width - sign.length - prefix.length, "0");
      } else body = body.padStart(width);
    }
    out += body;
  }
  out += fmt.slice(last);
  // CPython skips this check when the argument supports item access (dict, list...), even unused
  const itemAccess = mapping !== null || (Array.isArray(args) && !isTuple(args));
  if (!usedMapping && !itemAccess && ai < positional.length) {
    throw new PyError("TypeError", "not all arguments converted during string formatting");
  }
  return out;
}

function strRepr(s: string): string {
  return pyRepr(s);
}

const SPEC_RE = /^(?:([\s\S])?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

// CPython's checks of a spec against the value's type, in its order: the grouping option against the
// presentation type, then the options str and int refuse.
function checkSpec(v: unknown, m: RegExpExecArray): void {
  const [, , alignC, signC, z, alt, , , group, precS, typeC] = m;
  const str = isStr(v);
  const intLike = !str && isNumLike(v) && isIntLike(v) && !isFloat(v);
  const type = typeC ?? (str ? "s" : intLike ? "d" : "");
  if (group && !"deEfFgG%".includes(type) && !(group === "_" && "boxX".includes(type)))
    throw new PyError("ValueError", `Cannot specify '${group}' with '${type}'.`);
  if (str && type === "s") {
    if (signC) {
      const what = signC === " " ? "Space" : "Sign";
      throw new PyError("ValueError", `${what} not allowed in string format specifier`);
    }
    if (alt) throw new PyError("ValueError", "Alternate form (#) not allowed in string format specifier");
    if (alignC === "=")
      throw new PyError("ValueError", "'=' alignment not allowed in string format specifier");
  } else if (intLike && !"eEfFgG%".includes(type)) {
    if (precS !== undefined)
      throw new PyError("ValueError", "Precision not allowed in integer format specifier");
    if (z)
      throw new PyError("ValueError", "Negative zero coercion (z) not allowed in integer format specifier");
    if (type === "c") {
      if (signC) throw new PyError("ValueError", "Sign not allowed with integer format specifier 'c'");
      if (alt)
        throw new PyError("ValueError", "Alternate form (#) not allowed with integer format specifier 'c'");
    }
  }
}

/** format(value, spec): the format-spec mini-language for str, int, float and bool. */
export function formatSpec(v: unknown, spec: string): string {
  if (spec === "") return pyStr(v);
  if (v instanceof Undefined)
    throw new PyError("TypeError", "unsupported format string passed to StrictUndefined.__format__");
  const m = SPEC_RE.exec(spec);
  if (!m)
    throw new PyError("ValueError", `Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  const [, fillC, alignC, signC = "-", , alt, zero, widthS, group, precS, typeC] = m;
  checkSpec(v, m);
  let fill = fillC ?? " ";
  let align = alignC;
  if (zero && !alignC) {
    fill = "0";
    align = isStr(v) ? "<" : "=";
  }
  const width = widthS ? Number(widthS) : 0;
  const prec = precS !== undefined ? Number(precS) : undefined;
  let sign = "";
  let body: string;
  if (isStr(v)) {
    if (typeC && typeC !== "s")
      throw new PyError("ValueError", `Unknown format code '${typeC}' for object of type 'str'`);
    body = strOf(v);
    if (prec !== undefined) body = Array.from(body).slice(0, prec).join("");
    align ??= "<";
  } else if (isNumLike(v)) {
    const intLike = isIntLike(v) && !isFloat(v);
    let type = typeC ?? "";
    if (intLike && "eEfFgG%".includes(type) && type !== "") {
      // ints format as floats for these types
    } else if (intLike && type === "") type = "d";
    const x = num(v);
    const neg = signOf(x) && !(intLike && x === 0);
    const ax = Math.abs(x);
    switch (type) {
      case "n":
        // 'n' is 'd' for an int and 'g' for a float (with the C locale, no separators)
        if (!intLike) {
          body = fmtGeneral(ax, prec ?? 6, false, Boolean(alt));
          break;
        }
        body = String(ax);
        if (group) body = groupDigits(body, group);
        break;
      case "d":
        if (!intLike)
          throw new PyError("ValueError", `Unknown format code '${type}' for object of type 'float'`);
        body = String(ax);
        if (group) body = groupDigits(body, group);
        break;
      case "b":
      case "o":
      case "x":
      case "X":
        if (!intLike)
          throw new PyError("ValueError", `Unknown format code '${type}' for object of type 'float'`);
        body = ax.toString(type === "b" ? 2 : type === "o" ? 8 : 16);
        if (group) body = groupDigits(body, group, 4);
        if (type === "X") body = body.toUpperCase();
        if (alt) body = "0" + (type === "X" ? "X" : type) + body;
        break;
      case "c":
        body = codePoint(x);
        break;
      case "e":
      case "E":
        body = fmtExp(ax, prec ?? 6, type === "E", Boolean(alt));
        break;
      case "f":
      case "F":
      case "%": {
        body = fmtFixed(type === "%" ? ax * 100 : ax, prec ?? 6, type === "F");
        if (group) {
          const [i, f] = body.split(".");
          body = groupDigits(i!, group) + (f !== undefined ? "." + f : "");
        }
        if (type === "%") body += "%";
        break;
      }
      case "g":
      case "G":
        body = fmtGeneral(ax, prec ?? 6, type === "G", Boolean(alt));
        if (group) body = groupLeading(body, group);
        break;
      default:
        body =
          prec === undefined
            ? pyStr(v instanceof PyFloat ? v : x).replace(/^-/, "")
            : fmtGeneral(ax, prec, false, Boolean(alt), true);
        if (group) body = groupLeading(body, group);
    }
    sign = neg ? "-" : signC === "+" ? "+" : signC === " " ? " " : "";
    align ??= ">";
  } else {
    throw new PyError("TypeError", `unsupported format string passed to ${typeName(v)}.__format__`);
  }
  const len = Array.from(sign + body).length;
  if (len >= width) return sign + body;
  const pad = width - len;
  switch (align) {
    case "<":
      return sign + body + fill.repeat(pad);
    case ">":
      return fill.repeat(pad) + sign + body;
    case "^":
      return fill.repeat(pad >> 1) + sign + body + fill.repeat(pad - (pad >> 1));
    default:
      return sign + fill.repeat(pad) + body;
  }
}

/** str.format(*args, **kwargs), with jinja's sandbox rule that fields may not reach `_` attributes. */
export function strFormat(
  fmt: string,
  args: unknown[],
  kwargs: Map<string, unknown> | null,
  getattr: (obj: unknown, name: string) => unknown,
  getitem: (obj: unknown, key: unknown) => unknown,
): string {
  let out = "";
  let auto = 0;
  let mode: "auto" | "manual" | null = null;
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i]!;
    if (c === "{") {
      if (fmt[i + 1] === "{") {
        out += "{";
        i += 2;
        continue;
      }
      let depth = 1;
      let j = i + 1;
      while (j < fmt.length && depth > 0) {
        if (fmt[j] === "{") depth++;
        else if (fmt[j] === "}") depth--;
        if (depth > 0) j++;
      }
      if (depth > 0) throw new PyError("ValueError", "expected '}' before end of string");
      const field = fmt.slice(i + 1, j);
      i = j + 1;
      const fm = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::([\s\S]*))?$/.exec(field);
      if (!fm) throw new PyError("ValueError", `invalid format field '${field}'`);
      const [, first = "", rest = "", conv, specRaw = ""] = fm;
      let v: unknown;
      const manual = first !== "" && /^\d+$/.test(first);
      if (first === "" || manual) {
        if (mode && mode !== (manual ? "manual" : "auto")) {
          throw new PyError(
            "ValueError",
            manual
              ? "cannot switch from automatic field numbering to manual field specification"
              : "cannot switch from manual field specification to automatic field numbering",
          );
        }
        mode = manual ? "manual" : "auto";
      }
      if (first === "") {
        if (auto >= args.length)
          throw new PyError("IndexError", `Replacement index ${auto} out of range for positional args tuple`);
        v = args[auto++];
      } else if (/^\d+$/.test(first)) {
        const k = Number(first);
        if (k >= args.length)
          throw new PyError("IndexError", `Replacement index ${k} out of range for positional args tuple`);
        v = args[k];
      } else {
        if (!kwargs?.has(first)) throw new PyError("KeyError", pyRepr(first));
        v = kwargs.get(first);
      }
      for (const part of rest.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
        if (part.startsWith(".")) v = getattr(v, part.slice(1));
        else {
          const key = part.slice(1, -1);
          v = getitem(v, /^\d+$/.test(key) ? Number(key) : key);
        }
        if (v instanceof Undefined) v.fail();
      }
      if (conv === "r" || conv === "a") v = pyRepr(v);
      else if (conv === "s") v = pyStr(v);
      const spec = specRaw.includes("{") ? strFormat(specRaw, args, kwargs, getattr, getitem) : specRaw;
      out += v instanceof Markup ? formatSpec(v.s, spec) : formatSpec(v, spec);
    } else if (c === "}") {
      if (fmt[i + 1] !== "}") throw new PyError("ValueError", "Single '}' encountered in format string");
      out += "}";
      i += 2;
    } else {
      const next = fmt.slice(i).search(/[{}]/);
      const end = next < 0 ? fmt.length : i + next;
      out += fmt.slice(i, end);
      i = end;
    }
  }
  return out;
}
