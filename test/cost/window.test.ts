// `--window` forms against an injected now, and every refusal naming the flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../../src/errors.js";
import { parseWindow } from "../../src/cost/window.js";

const NOW = Date.parse("2026-12-03T22:15:00Z");
const iso = (t: number): string => new Date(t).toISOString();

const good: [string, string, string][] = [
  ["yesterday", "2026-12-02T00:00:00.000Z", "2026-12-03T00:00:00.000Z"],
  ["7d", "2026-11-26T00:00:00.000Z", "2026-12-03T00:00:00.000Z"],
  ["1d", "2026-12-02T00:00:00.000Z", "2026-12-03T00:00:00.000Z"],
  ["2026-11", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
  ["2024-02", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"],
  ["2026-11-15", "2026-11-15T00:00:00.000Z", "2026-11-16T00:00:00.000Z"],
  ["2026-11-01..2026-11-08", "2026-11-01T00:00:00.000Z", "2026-11-08T00:00:00.000Z"],
  ["2026-12-03T06:00:00Z..2026-12-03T12:30:00Z", "2026-12-03T06:00:00.000Z", "2026-12-03T12:30:00.000Z"],
  ["2026-12-03T08:00:00+02:00..2026-12-03T12:00Z", "2026-12-03T06:00:00.000Z", "2026-12-03T12:00:00.000Z"],
];
for (const [spec, start, end] of good) {
  test(`--window ${spec}`, () => {
    const w = parseWindow(spec, NOW);
    assert.deepEqual([iso(w.start), iso(w.end), w.label], [start, end, spec]);
  });
}

const bad: [string, RegExp][] = [
  ["today", /today is not over yet/],
  ["2026-12", /not closed yet/],
  ["2026-12-03", /not closed yet/],
  ["2027-01", /in the future/],
  ["2026-12-04..2026-12-05", /in the future/],
  ["0d", /empty/],
  ["2026-11-08..2026-11-01", /empty/],
  ["2026-11-01..2026-11-01", /empty/],
  ["2026-13", /no such month/],
  ["2026-02-30", /no such date/],
  ["2026-02-30T00:00:00Z..2026-03-05", /no such date/],
  ["2026-02-29T00:00Z..2026-03-05", /no such date/],
  ["0050-01", /no such date/],
  ["999999999d", /further back than a date can go/],
  ["2026-11-01T00:00..2026-11-02", /not a date .* or a UTC time/],
  ["last week", /unknown form/],
  ["", /unknown form/],
];
for (const [spec, why] of bad) {
  test(`--window ${JSON.stringify(spec)} is refused`, () => {
    assert.throws(
      () => parseWindow(spec, NOW),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.startsWith(`--window ${JSON.stringify(spec)}: `) &&
        why.test(e.message),
    );
  });
}
