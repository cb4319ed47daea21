// Airflow's own template filters (airflow.sdk templater FILTERS), added to jinja's by its sandbox subclass.
// Each is a plain Python function there: None passes through, anything else must have the datetime method
// the filter calls (a str does not: `'2026-03-15' | ds` is an AttributeError, as in Airflow).
import { PyError } from "./errors.js";
import type { FilterFn } from "./registry.js";
import { callValue, rawGetattr } from "./sandbox.js";
import { NOATTR, Undefined, typeName } from "./values.js";

function callDateMethod(value: unknown, method: string, args: unknown[]): unknown {
  if (value === null) return null;
  if (value instanceof Undefined) return value.fail();
  const fn = rawGetattr(value, method);
  if (fn === NOATTR) {
    throw new PyError("AttributeError", `'${typeName(value)}' object has no attribute '${method}'`);
  }
  return callValue(fn, args, null);
}

function nodash(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/[-:]/g, "") : value;
}

function dsFilter(value: unknown): unknown {
  return callDateMethod(value, "strftime", ["%Y-%m-%d"]);
}

function dsNodashFilter(value: unknown): unknown {
  return callDateMethod(value, "strftime", ["%Y%m%d"]);
}

function tsFilter(value: unknown): unknown {
  return callDateMethod(value, "isoformat", []);
}

function tsNodashFilter(value: unknown): unknown {
  return callDateMethod(value, "strftime", ["%Y%m%dT%H%M%S"]);
}

function tsNodashWithTzFilter(value: unknown): unknown {
  // value.isoformat().replace("-", "").replace(":", "")
  const iso = callDateMethod(value, "isoformat", []);
  return iso === null ? null : nodash(iso);
}

export const AIRFLOW_FILTERS: ReadonlyMap<string, FilterFn> = new Map<string, FilterFn>([
  ["ds", dsFilter],
  ["ds_nodash", dsNodashFilter],
  ["ts", tsFilter],
  ["ts_nodash", tsNodashFilter],
  ["ts_nodash_with_tz", tsNodashWithTzFilter],
]);
