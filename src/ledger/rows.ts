// How records map to table rows, for both backends: one column per schema field (camelCase -> snake_case),
// nested objects as JSON text, absent fields as NULL, plus the derived columns the queries index. Reading maps
// back the same way, so a record read equals the record written (test/ledger/store.test.ts).
import { z } from "zod";
import { AppRecord, NodeRecord, PodRecord } from "./schema.js";
import { podSpan } from "./merge.js";

type Row = Record<string, unknown>;

export interface Table<T> {
  readonly name: string;
  readonly key: string;
  /** Every column, schema fields first, then the derived ones. */
  readonly columns: readonly string[];
  readonly toRow: (r: T) => Row;
  /** A row of some of the columns maps to the record of those fields (`select`). */
  readonly fromRow: (row: Row) => T;
  /** fromRow, reading the JSON columns with `parse` (`sharedJson` for many rows whose JSON repeats). */
  readonly fromRowWith: (parse: (json: string) => unknown) => (row: Row) => T;
  /** fromRowWith for rows read as arrays of `columns` (better-sqlite3's raw mode: no object per row). */
  readonly fromValuesWith: (
    parse: (json: string) => unknown,
    columns: readonly string[],
  ) => (values: unknown[]) => T;
  /** The columns of some fields, for a read that needs only those (the cost reads a third of a pod). */
  readonly select: (fields: readonly (keyof T)[]) => string;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function table<T extends object>(
  name: string,
  schema: z.ZodObject,
  keyField: string,
  derived: (r: T) => Row = () => ({}),
  derivedColumns: readonly string[] = [],
): Table<T> {
  const fields = Object.keys(schema.shape);
  const json = new Set(
    fields.filter((f) => {
      const t = (schema.shape as Record<string, z.ZodType>)[f];
      const inner = t instanceof z.ZodOptional ? t.unwrap() : t;
      return inner instanceof z.ZodObject || inner instanceof z.ZodRecord;
    }),
  );
  const map = fields.map((f) => ({ field: f, column: snake(f), json: json.has(f) }));
  return {
    name,
    key: snake(keyField),
    columns: [...map.map((m) => m.column), ...derivedColumns],
    toRow(r) {
      const row: Row = derived(r);
      for (const m of map) {
        const v = (r as Record<string, unknown>)[m.field];
        row[m.column] = v === undefined ? null : m.json ? JSON.stringify(v) : v;
      }
      return row;
    },
    select: (fields) => fields.map((f) => snake(String(f))).join(", "),
    fromRow: fromRowWith(JSON.parse),
    fromRowWith,
    fromValuesWith(parse, columns) {
      const at = columns.map((c) => map.find((m) => m.column === c));
      return (values) => {
        const r: Record<string, unknown> = {};
        for (let i = 0; i < at.length; i++) put(r, at[i], values[i], parse);
        return r as T;
      };
    },
  };
  function fromRowWith(parse: (json: string) => unknown) {
    return (row: Row): T => {
      const r: Record<string, unknown> = {};
      for (const m of map) put(r, m, row[m.column], parse);
      return r as T;
    };
  }
}

/** The one reading rule: NULL is an absent field, a JSON column is parsed, a derived column is skipped. */
function put(
  r: Record<string, unknown>,
  m: { field: string; json: boolean } | undefined,
  v: unknown,
  parse: (json: string) => unknown,
): void {
  if (m === undefined || v === null || v === undefined) return;
  r[m.field] = m.json ? parse(v as string) : v;
}

/**
 * JSON.parse for one read of many rows whose JSON text repeats (a pod's node labels: a few distinct values
 * over thousands of pods): equal texts give one frozen object, parsed once. Frozen, as records share it.
 */
export function sharedJson(): (json: string) => unknown {
  const seen = new Map<string, unknown>();
  return (text) => {
    let v = seen.get(text);
    if (v === undefined) seen.set(text, (v = Object.freeze(JSON.parse(text) as object)));
    return v;
  };
}

export const apps = table<AppRecord>(
  "apps",
  AppRecord,
  "uid",
  // Schema v2: the attribution keys listApps filters on, as indexed columns.
  (a) => ({ dag: a.attribution.dag ?? null, module: a.attribution.module ?? null }),
  ["dag", "module"],
);

export const pods = table<PodRecord>(
  "pods",
  PodRecord,
  "uid",
  (p) => {
    const s = podSpan(p);
    return { span_start: s.start, span_end: s.end ?? null };
  },
  ["span_start", "span_end"],
);

export const nodes = table<NodeRecord>("nodes", NodeRecord, "name");

export const tables = [apps, pods, nodes] as const;
