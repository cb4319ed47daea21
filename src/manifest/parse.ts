// Parse rendered manifest text as PyYAML `safe_load` does for Airflow (YAML 1.1): the same values, and a
// refusal wherever PyYAML refuses (tabs, unacceptable characters, unhashable keys). Stricter where PyYAML is
// silently lossy: duplicate keys, alias bombs, non-string keys and exotic tags are errors too.
import { Document, LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, isAlias, Scalar } from "yaml";
import type { Node, ParseOptions, DocumentOptions, SchemaOptions, ScalarTag } from "yaml";
import { ValidationError } from "../errors.js";
import { pyyamlTags } from "./yaml11.js";
import { formatPath } from "./paths.js";
import type { ManifestIssue, ManifestPath, ParsedManifest, Position, ScalarSpan } from "./types.js";

// PyYAML's reader refuses these outright ("unacceptable character"); matching control characters is the point.
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
// Line breaks for YAML 1.1 (PyYAML) but ordinary characters for `yaml`: inside a plain scalar PyYAML would
// start a new line, and so possibly a new key, where this parser sees one value. Refused rather than emulated.
const YAML11_BREAKS = /[\x85\u2028\u2029]/g;

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Manifests have no use for aliases beyond a few merge keys; more means an expansion attack. */
export const MAX_ALIAS_COUNT = 50;

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  schema: "yaml-1.1",
  customTags: pyyamlTags,
  merge: true,
  uniqueKeys: true,
  strict: true,
  prettyErrors: false,
  resolveKnownTags: false,
};

let implicitTags: { value: ScalarTag[]; key: ScalarTag[]; options: Document["options"] } | undefined;

/**
 * Resolves the source of one plain scalar with the tags and order `parseManifest` uses (the same schema, as
 * `yaml` composes it): `{ value }`, or undefined where that parse would report a problem.
 */
export function resolvePlainScalar(source: string, atKey: boolean): { value: unknown } | undefined {
  if (!implicitTags) {
    const { schema, options } = new Document(null, OPTIONS);
    const scalarTags = schema.tags.filter((t): t is ScalarTag => !("collection" in t && t.collection));
    implicitTags = {
      value: scalarTags.filter((t) => t.default === true && t.test),
      key: scalarTags.filter((t) => (t.default === true || t.default === "key") && t.test),
      options,
    };
  }
  const tag = (atKey ? implicitTags.key : implicitTags.value).find((t) => t.test!.test(source));
  if (!tag) return { value: source };
  let failed = false;
  const res = tag.resolve(source, () => (failed = true), implicitTags.options);
  if (failed) return undefined;
  return { value: isScalar(res) ? res.value : res };
}

const MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: "duplicate key: PyYAML keeps the last one silently, so this is refused",
  MULTIPLE_DOCS:
    "more than one YAML document: the manifest must be exactly one document (PyYAML safe_load refuses a stream)",
};

function issue(
  file: string,
  pos: Position | undefined,
  message: string,
  hint?: string,
  path = "",
): ManifestIssue {
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  return {
    step: "yaml",
    where: path ? `${where} ${path}` : where,
    path,
    message,
    ...(hint ? { hint } : {}),
    ...(pos ? { line: pos.line, col: pos.col } : {}),
  };
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return "nothing (an empty document)";
  if (Array.isArray(v)) return "a sequence";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `a ${typeof v}`;
}

function scalarKind(v: unknown): string {
  if (v === null) return "null";
  return typeof v === "number" ? (Number.isInteger(v) ? "an integer" : "a float") : `a ${typeof v}`;
}

/** What the reuse of a parse (reuse.ts) needs to know of each scalar, beyond its range and path. */
export interface ScalarMeta {
  readonly style: "plain" | "single" | "double" | "block";
  /** Inside a flow collection (`[...]`, `{...}`), where `,` and brackets end a plain scalar. */
  readonly flow: boolean;
  /** Carries an explicit tag or an anchor. */
  readonly decorated: boolean;
}

interface Walk {
  text: string;
  /** Where PyYAML accepts a tab: inside quoted scalars and block scalar content (comments are found apart). */
  tabOk: Array<[number, number]>;
  scalars: ScalarSpan[];
  /** One entry per entry of `scalars`. */
  meta: ScalarMeta[];
  /** Alias nodes met (merge keys are aliases too): their values are shared, so a parse with any is not reused. */
  aliases: number;
  badKeys: Array<{ path: ManifestPath; offset: number; message: string; hint: string }>;
}

function walk(node: unknown, path: ManifestPath, out: Walk, flow = false): void {
  if (isAlias(node)) out.aliases++;
  if (isMap(node)) {
    const inFlow = flow || node.flow === true;
    for (const pair of node.items) {
      const key = pair.key;
      let name: string | number = "?";
      if (isScalar(key)) {
        const v = key.value;
        if (typeof v === "string") name = v;
        else if (typeof v !== "symbol") {
          // `on:`/`yes:`/`1:` would reach the API server as "true"/"1": almost always a template bug.
          name = String(v);
          const source = key.source ?? String(v);
          out.badKeys.push({
            path,
            offset: key.range?.[0] ?? 0,
            message: `key ${JSON.stringify(source)} is read by YAML 1.1 as ${scalarKind(v)}, not a string`,
            hint: `quote it: "${source}"`,
          });
        } else name = "<<";
        pushScalar(key, [...path, name], true, out, inFlow);
      } else if (key !== null && key !== undefined) {
        if (isAlias(key)) out.aliases++;
        // PyYAML refuses these too ("found unhashable key"); `yaml` would stringify them with a process warning.
        const range = (key as Node).range;
        out.badKeys.push({
          path,
          offset: range?.[0] ?? 0,
          message: isAlias(key)
            ? "an alias used as a key is not supported"
            : "a mapping or list used as a key is not supported",
          hint: "keys must be plain strings",
        });
      }
      walk(pair.value, [...path, name], out, inFlow);
    }
  } else if (isSeq(node)) {
    const inFlow = flow || node.flow === true;
    node.items.forEach((item, i) => walk(item, [...path, i], out, inFlow));
  } else if (isScalar(node)) {
    pushScalar(node, path, false, out, flow);
  } else if (isPair(node)) {
    walk(node.value, path, out, flow);
  }
}

const STYLES: Record<string, ScalarMeta["style"]> = {
  [Scalar.PLAIN]: "plain",
  [Scalar.QUOTE_SINGLE]: "single",
  [Scalar.QUOTE_DOUBLE]: "double",
};

function pushScalar(node: Scalar, path: ManifestPath, isKey: boolean, out: Walk, flow: boolean): void {
  const range = node.range;
  if (!range || range[1] <= range[0]) return;
  out.meta.push({
    style: STYLES[node.type ?? ""] ?? "block",
    flow,
    decorated: node.tag !== undefined || node.anchor !== undefined,
  });
  let contentStart = range[0];
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    // The header line (`|-`, `>2`, and any comment after it) belongs to the syntax, not the value.
    const nl = out.text.indexOf("\n", range[0]);
    if (nl !== -1) contentStart = Math.min(nl + 1, range[1]);
  }
  out.scalars.push({ start: range[0], end: range[1], contentStart, path, isKey });
  if (node.type !== Scalar.PLAIN) out.tabOk.push([contentStart, range[1]]);
}

const inside = (ranges: ReadonlyArray<[number, number]>, offset: number): boolean =>
  ranges.some(([a, b]) => offset >= a && offset < b);

/** Offsets of tabs PyYAML's scanner would refuse: outside quoted/block scalars and outside comments. */
function misplacedTabs(text: string, ok: ReadonlyArray<[number, number]>): number[] {
  const bad: number[] = [];
  for (let i = text.indexOf("\t"); i !== -1; i = text.indexOf("\t", i + 1)) {
    if (inside(ok, i)) continue;
    let comment = false;
    for (let j = text.lastIndexOf("\n", i - 1) + 1; j < i; j++) {
      if (text[j] === "#" && (j === 0 || /[ \t\n]/.test(text[j - 1])) && !inside(ok, j)) {
        comment = true;
        break;
      }
    }
    if (!comment) bad.push(i);
  }
  return bad;
}

/** Line and column of `path`: the key for a map entry, the item for a sequence index. */
function locate(document: Document.Parsed, counter: LineCounter, path: ManifestPath): Position | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as Scalar).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else if (isAlias(node)) {
      break;
    } else break;
  }
  if (offset === undefined) return undefined;
  const { line, col } = counter.linePos(offset);
  return { line, col };
}

/** The path at which `v` reaches one of its own ancestors again, if it does. */
function cycleIn(v: unknown, path: ManifestPath, open = new Set<object>()): ManifestPath | undefined {
  if (v === null || typeof v !== "object") return undefined;
  if (open.has(v)) return path;
  open.add(v);
  const entries: Array<[string | number, unknown]> = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : Object.entries(v);
  for (const [k, x] of entries) {
    const found = cycleIn(x, [...path, k], open);
    if (found) return found;
  }
  open.delete(v);
  return undefined;
}

/**
 * Parse one manifest. Throws ValidationError("yaml", issues) naming `file:line:col` for every problem found:
 * syntax, duplicate keys, several documents, alias bombs, unsupported tags, non-string keys, non-mapping root.
 */
export function parseManifest(text: string, file: string): ParsedManifest {
  return parseManifestDetailed(text, file).parsed;
}

/** parseManifest, plus what reuse.ts needs to reuse this parse for a later render of the same template. */
export function parseManifestDetailed(
  text: string,
  file: string,
): { parsed: ParsedManifest; meta: readonly ScalarMeta[]; aliases: number } {
  const counter = new LineCounter();
  const document = parseDocument(text, { ...OPTIONS, lineCounter: counter });
  const pos = (offset: number): Position => counter.linePos(offset);
  const issues: ManifestIssue[] = [];

  // One scan in the common case; `search` ignores and keeps lastIndex, so matchAll below starts at 0.
  if (text.search(NON_PRINTABLE) !== -1 || text.search(YAML11_BREAKS) !== -1) {
    for (const m of text.matchAll(NON_PRINTABLE)) {
      issues.push(
        issue(
          file,
          pos(m.index),
          `unacceptable character ${codePoint(m[0])}: PyYAML refuses control and non-printable characters`,
        ),
      );
    }
    for (const m of text.matchAll(YAML11_BREAKS)) {
      issues.push(
        issue(
          file,
          pos(m.index),
          `character ${codePoint(m[0])} is a line break for YAML 1.1 (PyYAML, Airflow) but not for YAML 1.2 readers`,
          "remove it from the value: it can split one value into new keys",
        ),
      );
    }
    throw new ValidationError("yaml", issues);
  }

  for (const e of document.errors) {
    let msg = MESSAGES[e.code] ?? e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "");
    if (e.code === "DUPLICATE_KEY") msg = `${JSON.stringify(text.slice(e.pos[0], e.pos[1]).trim())}: ${msg}`;
    issues.push(
      issue(
        file,
        pos(e.pos[0]),
        msg,
        e.code === "DUPLICATE_KEY" ? "remove one of the two entries" : undefined,
      ),
    );
  }
  for (const w of document.warnings) {
    if (w.code === "TAG_RESOLVE_FAILED") {
      issues.push(
        issue(
          file,
          pos(w.pos[0]),
          w.message.replace(/ at line \d+[\s\S]*$/, ""),
          "PyYAML safe_load cannot build this tag; remove it or quote the value",
        ),
      );
    } else if (w.code === "BAD_DIRECTIVE") {
      issues.push(issue(file, pos(w.pos[0]), w.message.replace(/ at line \d+[\s\S]*$/, "")));
    }
  }
  if (issues.length > 0) throw new ValidationError("yaml", issues);

  const out: Walk = { text, tabOk: [], scalars: [], meta: [], aliases: 0, badKeys: [] };
  walk(document.contents, [], out);
  const tabs = misplacedTabs(text, out.tabOk);
  if (tabs.length > 0) {
    throw new ValidationError(
      "yaml",
      tabs.map((offset) =>
        issue(
          file,
          pos(offset),
          "a tab used as indentation or separation: PyYAML refuses tabs outside quoted values, block scalars and comments",
          "use spaces",
        ),
      ),
    );
  }
  if (out.badKeys.length > 0) {
    throw new ValidationError(
      "yaml",
      out.badKeys.map((k) => issue(file, pos(k.offset), k.message, k.hint, formatPath(k.path))),
    );
  }

  let doc: unknown;
  try {
    doc = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const bomb = /alias count|resource exhaustion/i.test(message);
    throw new ValidationError("yaml", [
      issue(
        file,
        undefined,
        bomb
          ? `aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}): refused as a YAML alias bomb`
          : message,
        bomb ? "write the values out instead of using anchors and aliases" : undefined,
      ),
    ]);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ValidationError("yaml", [
      issue(
        file,
        document.contents?.range ? pos(document.contents.range[0]) : undefined,
        `the manifest must be a mapping, found ${kindOf(doc)}`,
      ),
    ]);
  }

  const lineOf = (path: ManifestPath): Position | undefined => locate(document, counter, path);
  // An alias inside its own anchor builds a value that contains itself: PyYAML builds it too, but nothing
  // after it (JSON for the API server, the checks) can use one. Only aliases can make a cycle.
  const cycle = out.aliases > 0 ? cycleIn(doc, []) : undefined;
  if (cycle) {
    const at = lineOf(cycle);
    throw new ValidationError("yaml", [
      issue(
        file,
        at,
        "an alias refers to a collection that contains it, so the value would contain itself",
        "write the values out instead of using anchors and aliases",
        formatPath(cycle),
      ),
    ]);
  }
  const parsed: ParsedManifest = {
    file,
    text,
    doc: doc as Record<string, unknown>,
    document: () => document,
    scalars: out.scalars,
    lineOf,
    positionOf: pos,
    at(path) {
      const p = lineOf(path);
      return p ? `${file}:${p.line}:${p.col}` : file;
    },
  };
  return { parsed, meta: out.meta, aliases: out.aliases };
}
