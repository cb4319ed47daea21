// `--window`: a closed UTC window. Cost is only reported for time that has ended, so a report for a window
// never changes once printed (../shared/reference/cost.md §8.10). `now` is injected: the parser is pure.
import { UserError } from "../errors.js";
import type { Window } from "../ledger/schema.js";

export interface CostWindow extends Window {
  /** What the user asked for: `yesterday`, `7d`, `2026-11`, ... */
  label: string;
}

const DAY = 86_400_000;
const FLAG = "--window";
const FORMS = "yesterday, Nd (e.g. 7d), YYYY-MM, YYYY-MM-DD or START..END";

function startOfUtcDay(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

function bad(spec: string, why: string): UserError {
  return new UserError(`${FLAG} ${JSON.stringify(spec)}: ${why}`, `give one of ${FORMS}`);
}

/** A calendar date or month, checked to exist (Date.UTC would roll 2026-02-30 over to March). */
function ymd(spec: string, y: number, m: number, d: number): number {
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d)
    throw bad(spec, "no such date");
  return t;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
// An instant: a date and a time, in UTC (Z) or with an explicit offset; no zone would mean local time.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** One end of START..END: a date (its 00:00 UTC) or an ISO 8601 instant with a zone. */
function instant(spec: string, part: string): number {
  const d = DATE.exec(part);
  if (d) return ymd(spec, Number(d[1]), Number(d[2]), Number(d[3]));
  if (INSTANT.test(part)) {
    // Date.parse rolls an impossible day over into the next month (2026-02-30 is 2026-03-02): refuse it first.
    const day = DATE.exec(part.slice(0, 10))!;
    ymd(spec, Number(day[1]), Number(day[2]), Number(day[3]));
    const t = Date.parse(part);
    if (!Number.isNaN(t)) return t;
  }
  throw bad(spec, `${JSON.stringify(part)} is not a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)`);
}

function range(spec: string, today: number): Window {
  if (spec === "yesterday") return { start: today - DAY, end: today };
  const n = /^(\d+)d$/.exec(spec);
  if (n) return { start: today - Number(n[1]) * DAY, end: today };
  const m = MONTH.exec(spec);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) throw bad(spec, "no such month");
    return { start: ymd(spec, y, mo, 1), end: Date.UTC(y, mo, 1) };
  }
  const d = DATE.exec(spec);
  if (d) {
    const start = ymd(spec, Number(d[1]), Number(d[2]), Number(d[3]));
    return { start, end: start + DAY };
  }
  const parts = spec.split("..");
  if (parts.length === 2) return { start: instant(spec, parts[0]), end: instant(spec, parts[1]) };
  if (spec === "today")
    throw bad(spec, "today is not over yet; cost is reported for closed windows only (yesterday is)");
  throw bad(spec, "unknown form");
}

/**
 * Parses `--window` into a closed window [start, end) in epoch ms. `yesterday` is the previous UTC day; `Nd` the
 * N whole UTC days before today; `YYYY-MM` a month; `YYYY-MM-DD` a day; `START..END` is half-open, each end a
 * date (00:00 UTC) or a UTC instant. Empty, future or not-yet-closed windows are refused.
 */
export function parseWindow(spec: string, now: number): CostWindow {
  const w = range(spec.trim(), startOfUtcDay(now));
  // JavaScript dates end 273,790 years either side of 1970; a window reaching past them has no dates to print.
  if (Number.isNaN(new Date(w.start).getTime()) || Number.isNaN(new Date(w.end).getTime()))
    throw bad(spec, "the window reaches further back than a date can go");
  if (!(w.end > w.start)) throw bad(spec, "the window is empty (its end is not after its start)");
  if (w.start >= now) throw bad(spec, `the window is in the future (now is ${new Date(now).toISOString()})`);
  if (w.end > now)
    throw bad(
      spec,
      `the window is not closed yet: it ends ${new Date(w.end).toISOString()}, now is ${new Date(now).toISOString()}`,
    );
  return { ...w, label: spec.trim() };
}

/** The UTC day (YYYY-MM-DD) an instant falls in. */
export function utcDay(t: number): string {
  return new Date(startOfUtcDay(t)).toISOString().slice(0, 10);
}

export { startOfUtcDay, DAY };
