// Reusing the parse of an earlier render. A template rendered again with another payload usually prints the
// same text around its `{{ }}` expressions, and only the expressions' output differs. When every output lands
// inside a quoted or single-line plain scalar and is made of characters that cannot end or re-style that
// scalar, the new text has the same YAML structure as the old one. Then the document is the old one with those
// scalars' values replaced, and the full YAML parse (most of the cost of a render) is skipped. Whenever that
// cannot be shown cheaply, the text is parsed in full: reuse only ever returns what parseManifest would.
import { parseManifest, parseManifestDetailed, resolvePlainScalar, type ScalarMeta } from "./parse.js";
import { isRecord } from "./paths.js";
import { scalarBefore } from "./structure.js";
import type { ManifestPath, ParsedManifest, ScalarSpan } from "./types.js";

type Span = readonly [number, number];

interface Slot {
  readonly style: "plain" | "single" | "double";
  readonly isKey: boolean;
  /** Where the value sits in the document; for a key, the path of its entry. */
  readonly path: ManifestPath;
  /** The scalar's text without its quotes, cut around its spans: one more piece than spans. */
  readonly pieces: readonly string[];
  /** Indexes (into the render's spans) of the expressions printed inside this scalar, in order. */
  readonly spans: readonly number[];
}

interface Skeleton {
  readonly doc: Record<string, unknown>;
  readonly scalars: readonly ScalarSpan[];
  /** Per scalar: how many spans lie before its start, and before its end (offsets shift by their growth). */
  readonly before: readonly number[];
  readonly through: readonly number[];
  readonly slots: readonly Slot[];
  /** Span lengths in the skeleton's text. */
  readonly lengths: readonly number[];
  /** The text around the spans: one more piece than spans. */
  readonly statics: readonly string[];
}

// Characters a value may bring into a quoted scalar without ending it or starting an escape: printable, no
// line breaks of either YAML version, no byte-order mark.
const LINE_SAFE = "\\x20-\\x7E\\xA0-\\u2027\\u202A-\\uD7FF\\uE000-\\uFEFE\\uFF00-\\uFFFD";
const DOUBLE_SAFE = new RegExp(
  `^[${LINE_SAFE.replace("\\x20-\\x7E", "\\x20\\x21\\x23-\\x5B\\x5D-\\x7E")}]*$`,
);
const SINGLE_SAFE = new RegExp(`^[${LINE_SAFE.replace("\\x20-\\x7E", "\\x20-\\x26\\x28-\\x7E")}]*$`);
const PLAIN_CHARS = new RegExp(`^[${LINE_SAFE}]+$`);
// A plain scalar (block context, one line) stays one scalar with the same extent unless it: starts or ends
// with a space, starts with an indicator or a document marker, holds `: ` or ` #` (a key or a comment), ends
// with `:`, or holds flow indicators (kept out although block context allows them, to stay on the safe side).
const PLAIN_UNSAFE = /^[\s?:,[\]{}#&*!|>'"%@`]|^-(?:\s|$|-)|^\.\.\.|\s$|:$|:\s|\s#|[,[\]{}]/;
// JS puts integer-like keys first whatever the insertion order, so renaming one could reorder its map.
const INDEX_LIKE = /^(?:0|[1-9]\d{0,9})$/;
const MAX_KEY_LENGTH = 1000;

/**
 * Parses kept for reuse, owned by the caller: a long-lived renderer (a service, a benchmark, `validate` over
 * many payloads) makes one and passes it to every parseRendered call; nothing is kept between calls without
 * one. At most `max` parses are kept: a full cache is emptied, never trusted past its size.
 */
export class ParseReuse {
  readonly #max: number;
  /** Skeletons by span count and length of the text around the spans; most recent first within a bucket. */
  readonly #buckets = new Map<string, Skeleton[]>();
  #entries = 0;
  #reused = 0;
  #parsed = 0;

  constructor(options: { readonly max?: number } = {}) {
    const max = options.max ?? 128;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`ParseReuse max must be a positive integer, got ${max}`);
    this.#max = max;
  }

  /** How many parses this cache answered from an earlier one, and how many it parsed in full. */
  stats(): { reused: number; parsed: number } {
    return { reused: this.#reused, parsed: this.#parsed };
  }

  /** Forgets every kept parse (the counts stay). */
  clear(): void {
    this.#buckets.clear();
    this.#entries = 0;
  }

  /** parseRendered with this cache. */
  parse(text: string, spans: readonly Span[], file: string): ParsedManifest {
    const bucket = bucketOf(text, spans);
    const skeleton =
      bucket === undefined
        ? undefined
        : this.#buckets.get(bucket)?.find((sk) => sameStatics(sk, text, spans));
    const reused = skeleton && reuse(skeleton, text, spans, file);
    if (reused) {
      this.#reused++;
      return reused;
    }
    this.#parsed++;
    const detailed = parseManifestDetailed(text, file);
    if (bucket !== undefined && !skeleton) {
      const built = buildSkeleton(detailed, spans, staticsOf(text, spans));
      if (built) this.#remember(bucket, built);
    }
    return detailed.parsed;
  }

  #remember(bucket: string, sk: Skeleton): void {
    if (this.#entries >= this.#max) this.clear();
    this.#buckets.set(bucket, [sk, ...(this.#buckets.get(bucket) ?? [])]);
    this.#entries++;
  }
}

/** A cache of parses for parseRendered; see ParseReuse. */
export function createParseReuse(options: { readonly max?: number } = {}): ParseReuse {
  return new ParseReuse(options);
}

function staticsOf(text: string, spans: readonly Span[]): string[] {
  return spans
    .map(([a], j) => text.slice(j === 0 ? 0 : spans[j - 1]![1], a))
    .concat(text.slice(spans.at(-1)?.[1] ?? 0));
}

/** The bucket a render belongs in; undefined when spans overlap, are unordered or leave the text. */
function bucketOf(text: string, spans: readonly Span[]): string | undefined {
  let at = 0;
  let printed = 0;
  for (const [start, end] of spans) {
    if (start < at || end < start || end > text.length) return undefined;
    printed += end - start;
    at = end;
  }
  return `${spans.length}:${text.length - printed}`;
}

/** Same text around the spans as the skeleton's, compared in place (no key string is built per render). */
function sameStatics(sk: Skeleton, text: string, spans: readonly Span[]): boolean {
  let at = 0;
  for (let j = 0; j <= spans.length; j++) {
    const piece = sk.statics[j]!;
    const end = j < spans.length ? spans[j]![0] : text.length;
    // A slice compared with === is a memory compare; startsWith walks the characters one by one.
    if (end - at !== piece.length || text.slice(at, end) !== piece) return false;
    if (j < spans.length) at = spans[j]![1];
  }
  return true;
}

/**
 * Parses a rendered manifest as parseManifest does, given the output range of every `{{ }}` expression. With
 * a ParseReuse, reuses the parse of an earlier render with the same text around the expressions where that
 * provably gives the same result; errors always come from a full parse, so their messages and positions are
 * the same. Without one, this is parseManifest.
 */
export function parseRendered(
  text: string,
  spans: readonly Span[],
  file: string,
  options: { readonly reuse?: ParseReuse } = {},
): ParsedManifest {
  return options.reuse ? options.reuse.parse(text, spans, file) : parseManifest(text, file);
}

function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (!isRecord(v)) return false;
  return Object.keys(v).some((k) => k === "__proto__" || hasProtoKey(v[k]));
}

function buildSkeleton(
  detailed: { parsed: ParsedManifest; meta: readonly ScalarMeta[]; aliases: number },
  spans: readonly Span[],
  statics: readonly string[],
): Skeleton | undefined {
  const { parsed, meta, aliases } = detailed;
  // Aliases share one value between places, and merge keys copy entries: the paths no longer say it all.
  if (aliases > 0 || hasProtoKey(parsed.doc)) return undefined;
  const { scalars, text } = parsed;
  const owner: number[] = [];
  for (const [start, end] of spans) {
    const i = scalarBefore(scalars, start);
    const s = scalars[i];
    const m = meta[i];
    if (!s || !m || m.style === "block" || m.flow || m.decorated) return undefined;
    const quoted = m.style === "plain" ? 0 : 1;
    if (start < s.start + quoted || end > s.end - quoted) return undefined;
    owner.push(i);
  }
  const slots: Slot[] = [];
  const before: number[] = [];
  const through: number[] = [];
  let next = 0;
  for (let i = 0; i < scalars.length; i++) {
    const s = scalars[i]!;
    if (owner[next] !== i) {
      // Spans are ordered and every one sits in a scalar, so those not yet passed lie after this one.
      before.push(next);
      through.push(next);
      continue;
    }
    const own: number[] = [];
    while (owner[next] === i) own.push(next++);
    before.push(own[0]!);
    through.push(next);
    const m = meta[i]!;
    const source = text.slice(s.start, s.end);
    if (/[\r\n]/.test(source)) return undefined;
    const quoted = m.style === "plain" ? 0 : 1;
    const pieces: string[] = [];
    let at = s.start + quoted;
    for (const j of own) {
      pieces.push(text.slice(at, spans[j]![0]));
      at = spans[j]![1];
    }
    pieces.push(text.slice(at, s.end - quoted));
    const safe = m.style === "double" ? DOUBLE_SAFE : m.style === "single" ? SINGLE_SAFE : undefined;
    if (safe && !pieces.every((p) => safe.test(p))) return undefined;
    slots.push({ style: m.style as Slot["style"], isKey: s.isKey, path: s.path, pieces, spans: own });
  }
  return {
    // A copy: parsed.doc goes back to the caller of this full parse, who may change it.
    doc: clone(parsed.doc) as Record<string, unknown>,
    scalars,
    before,
    through,
    slots,
    lengths: spans.map(([a, b]) => b - a),
    statics,
  };
}

// Plain loops: about twice as fast as map and Object.keys here, and the clone is a tenth of a reused render.
function clone(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clone(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) if (Object.hasOwn(v, k)) out[k] = clone((v as Record<string, unknown>)[k]);
  return out;
}

function parentOf(doc: unknown, path: ManifestPath): Record<string, unknown> | unknown[] | undefined {
  let node = doc;
  for (let i = 0; i < path.length - 1; i++) {
    node = (node as Record<string | number, unknown> | undefined)?.[path[i]!];
  }
  return node !== null && typeof node === "object"
    ? (node as Record<string, unknown> | unknown[])
    : undefined;
}

/** The scalar's new value, or undefined when the new text might not parse as the same single scalar. */
function slotValue(slot: Slot, values: readonly string[]): { value: unknown } | undefined {
  let source = slot.pieces[0]!;
  for (let k = 0; k < slot.spans.length; k++) {
    const v = values[slot.spans[k]!]!;
    if (
      slot.style === "double" ? !DOUBLE_SAFE.test(v) : slot.style === "single" ? !SINGLE_SAFE.test(v) : false
    ) {
      return undefined;
    }
    source += v + slot.pieces[k + 1]!;
  }
  if (slot.style !== "plain") return { value: source };
  if (!PLAIN_CHARS.test(source) || PLAIN_UNSAFE.test(source)) return undefined;
  if (slot.isKey && source.length > MAX_KEY_LENGTH) return undefined;
  const resolved = resolvePlainScalar(source, slot.isKey);
  if (!resolved) return undefined;
  const t = typeof resolved.value;
  if (resolved.value !== null && t !== "string" && t !== "number" && t !== "boolean") return undefined;
  return resolved;
}

function renameKey(parent: Record<string, unknown>, from: string, to: string): boolean {
  if (from === to) return true;
  if (to === "__proto__" || INDEX_LIKE.test(to) || INDEX_LIKE.test(from) || Object.hasOwn(parent, to)) {
    return false;
  }
  const entries = Object.entries(parent);
  for (const [k] of entries) delete parent[k];
  for (const [k, v] of entries) parent[k === from ? to : k] = v;
  return true;
}

function reuse(sk: Skeleton, text: string, spans: readonly Span[], file: string): ParsedManifest | undefined {
  const values = spans.map(([a, b]) => text.slice(a, b));
  const doc = clone(sk.doc) as Record<string, unknown>;
  const renames: Array<{ slot: Slot; key: string }> = [];
  for (const slot of sk.slots) {
    const next = slotValue(slot, values);
    if (!next) return undefined;
    if (slot.isKey) {
      if (typeof next.value !== "string") return undefined;
      renames.push({ slot, key: next.value });
      continue;
    }
    const parent = parentOf(doc, slot.path);
    if (!parent) return undefined;
    (parent as Record<string | number, unknown>)[slot.path.at(-1)!] = next.value;
  }
  // Deepest first, so a renamed map is found through its parent's old key before that is renamed too.
  renames.sort((a, b) => b.slot.path.length - a.slot.path.length);
  for (const { slot, key } of renames) {
    const parent = parentOf(doc, slot.path);
    if (!isRecord(parent) || !renameKey(parent, String(slot.path.at(-1)), key)) return undefined;
  }

  // Offsets move by how much longer or shorter each expression's output is than in the skeleton.
  const shift: number[] = [0];
  for (let j = 0; j < spans.length; j++) shift.push(shift[j]! + values[j]!.length - sk.lengths[j]!);
  // A plain loop and object literal: this runs for every scalar of every reused render.
  const scalars: ScalarSpan[] = new Array(sk.scalars.length);
  for (let i = 0; i < sk.scalars.length; i++) {
    const s = sk.scalars[i]!;
    const a = shift[sk.before[i]!]!;
    let path = s.path;
    for (const { slot, key } of renames) {
      const at = slot.path.length - 1;
      if (path.length > at && slot.path.every((seg, k) => path[k] === seg)) {
        path = [...path.slice(0, at), key, ...path.slice(at + 1)];
      }
    }
    scalars[i] = {
      start: s.start + a,
      end: s.end + shift[sk.through[i]!]!,
      contentStart: s.contentStart + a,
      path,
      isKey: s.isKey,
    };
  }

  // Positions are only wanted for messages: the full parse that gives them runs when one is first asked
  // for, in a method call (never a property read). The reuse was only taken because that parse succeeds
  // with this very document.
  let full: ParsedManifest | undefined;
  const fullParse = (): ParsedManifest => (full ??= parseManifest(text, file));
  return {
    file,
    text,
    doc,
    scalars,
    // Every span was checked to keep its scalar's style and extent before the old parse was reused.
    structureProven: spans,
    document: () => fullParse().document(),
    lineOf: (path) => fullParse().lineOf(path),
    positionOf: (offset) => fullParse().positionOf(offset),
    at: (path) => fullParse().at(path),
  };
}
