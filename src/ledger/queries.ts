// The store's read queries, written once for both backends. `bind` adds a parameter and returns its
// placeholder (`?` for SQLite, `$n` for PostgreSQL); `key` orders text keys bytewise on both engines.
// The window conditions are split into "ended after the start" and "still open", each a range on the
// (span_end, span_start) index, because an OR with IS NULL would make either engine scan every pod.
import type { Dialect } from "./migrations.js";
import type { RunFilter, Window } from "./schema.js";

export type Bind = (value: unknown) => string;

const key = (d: Dialect, col: string) => (d === "postgres" ? `${col} COLLATE "C"` : col);

export function listAppsSql(d: Dialect, f: RunFilter, bind: Bind): string {
  const where: string[] = [];
  if (f.dag !== undefined) where.push(`dag = ${bind(f.dag)}`);
  if (f.module !== undefined) where.push(`module = ${bind(f.module)}`);
  if (f.window) where.push(`created_at >= ${bind(f.window.start)}`, `created_at < ${bind(f.window.end)}`);
  return (
    `SELECT * FROM apps${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ` +
    `ORDER BY created_at DESC, ${key(d, "uid")}${f.limit !== undefined ? ` LIMIT ${bind(f.limit)}` : ""}`
  );
}

function podsOverlapping(cols: string, w: Window, bind: Bind, all: boolean): string {
  return (
    `SELECT ${cols} FROM pods WHERE span_end > ${bind(w.start)} AND span_start < ${bind(w.end)} ` +
    `UNION${all ? " ALL" : ""} SELECT ${cols} FROM pods WHERE span_end IS NULL AND span_start < ${bind(w.end)}`
  );
}

/** `cols`: the columns to read (all by default); the order is the same whatever they are. */
export function podsInWindowSql(d: Dialect, w: Window, bind: Bind, cols = "*"): string {
  return `SELECT ${cols} FROM (${podsOverlapping("*", w, bind, true)}) AS p ORDER BY span_start, ${key(d, "uid")}`;
}

export function appsOfPodsInWindowSql(d: Dialect, w: Window, bind: Bind, cols = "*"): string {
  return (
    `SELECT ${cols} FROM apps WHERE uid IN (${podsOverlapping("app_uid", w, bind, false)}) ` +
    `ORDER BY created_at, ${key(d, "uid")}`
  );
}

export function nodesInWindowSql(d: Dialect, w: Window, bind: Bind): string {
  return (
    `SELECT * FROM nodes WHERE first_seen_at < ${bind(w.end)} ` +
    `AND (deleted_at IS NULL OR deleted_at > ${bind(w.start)}) ORDER BY ${key(d, "name")}`
  );
}

/** A query and its parameters, with the dialect's placeholders. */
export function build(d: Dialect, q: (bind: Bind) => string): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = q((v) => {
    params.push(v);
    return d === "postgres" ? `$${params.length}` : "?";
  });
  return { sql, params };
}
