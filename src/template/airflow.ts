// The render context Airflow gives a templated field, reduced to what SparkApplication templates use.
import { PyError } from "./errors.js";
import { closest } from "./hints.js";
import { PyFunc, PyObj, isIntLike, mkFloat, pyStr, toPy } from "./values.js";

export interface AirflowContextOptions {
  /** The payload as given. A Map (e.g. from parseJsonPy) keeps JSON key order exactly. */
  conf: Record<string, unknown> | Map<string, unknown>;
  dagId: string;
  taskId: string;
  /**
   * The logical date, ISO 8601 with an offset (e.g. 2026-03-15T06:30:00+00:00). Airflow stores it in UTC, so
   * another offset is converted. Without it, `ds` stands for midnight UTC of that day.
   */
  ts?: string;
  /** Logical date as YYYY-MM-DD: the shorthand for `ts` at midnight UTC. Ignored when `ts` is given. */
  ds?: string;
  runId: string;
  /** `var.value.*`: Airflow Variables (from sparklane.yaml). */
  varValues: Record<string, unknown> | Map<string, unknown>;
  /**
   * The DAG's params. The template's `params` is these with `dag_run.conf`'s keys merged on top, as Airflow does
   * by default (`core.dag_run_conf_overrides_params`); `confOverridesParams: false` turns the merge off.
   */
  params: Record<string, unknown> | Map<string, unknown>;
  confOverridesParams?: boolean;
}

/** A logical date as Airflow holds it: a UTC instant with microseconds (JS dates stop at milliseconds). */
export interface LogicalDate {
  /** The instant, to the millisecond. */
  readonly date: Date;
  /** 0..999999, the full fraction of the second. */
  readonly micros: number;
}

const LOGICAL_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO 8601 timestamp with an offset into the UTC instant Airflow stores. Null when the text is not
 * one (a date without a time or offset is not: Airflow would read it in the server's time zone).
 */
export function parseLogicalDate(text: string): LogicalDate | null {
  const m = LOGICAL_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", frac = "", off] = m;
  const micros = Number(frac.padEnd(6, "0") || 0);
  let offsetMin = 0;
  if (off !== "Z") {
    const o = off!.replace(":", "");
    offsetMin = (o[0] === "-" ? -1 : 1) * (Number(o.slice(1, 3)) * 60 + Number(o.slice(3, 5)));
    if (Number(o.slice(3, 5)) > 59 || Number(o.slice(1, 3)) > 23) return null;
  }
  const local = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s, Math.floor(micros / 1000));
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== +y! ||
    check.getUTCMonth() !== +mo! - 1 ||
    check.getUTCDate() !== +d! ||
    check.getUTCHours() !== +h! ||
    check.getUTCMinutes() !== +mi! ||
    check.getUTCSeconds() !== +s
  )
    return null;
  return { date: new Date(local - offsetMin * 60000), micros };
}

/** Python's `datetime.isoformat()` of a UTC logical date: `2026-03-15T06:30:00+00:00`, `.500000` if any. */
export function isoformat(ld: LogicalDate, sep = "T"): string {
  const frac = ld.micros ? `.${String(ld.micros).padStart(6, "0")}` : "";
  return `${strftime(ld, `%Y-%m-%d${sep}%H:%M:%S`)}${frac}+00:00`;
}

const DS_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDs(ds: unknown): Date {
  const m = typeof ds === "string" ? DS_RE.exec(ds) : null;
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : null;
  if (!m || !d || d.getUTCMonth() !== +m[2]! - 1) {
    throw new PyError(
      "ValueError",
      `time data ${JSON.stringify(pyStr(ds))} does not match format '%Y-%m-%d'`,
    );
  }
  return d;
}

const p2 = (n: number) => String(n).padStart(2, "0");

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** Python's strftime for a UTC date (tz-aware: `%z` is +0000, `%Z` is UTC). */
function strftime(ld: Date | LogicalDate, fmt: string): string {
  const d = ld instanceof Date ? ld : ld.date;
  const micros = ld instanceof Date ? d.getUTCMilliseconds() * 1000 : ld.micros;
  return fmt.replace(/%(.)/g, (_, c: string) => {
    switch (c) {
      case "f":
        return String(micros).padStart(6, "0");
      // A Date is a naive datetime (macros.ds_format's strptime result); a LogicalDate is aware, in UTC.
      case "z":
        return ld instanceof Date ? "" : "+0000";
      case "Z":
        return ld instanceof Date ? "" : "UTC";
      case "a":
        return DAYS[d.getUTCDay()]!.slice(0, 3);
      case "A":
        return DAYS[d.getUTCDay()]!;
      case "b":
        return MONTHS[d.getUTCMonth()]!.slice(0, 3);
      case "B":
        return MONTHS[d.getUTCMonth()]!;
      case "Y":
        return String(d.getUTCFullYear()).padStart(4, "0");
      case "y":
        return p2(d.getUTCFullYear() % 100);
      case "m":
        return p2(d.getUTCMonth() + 1);
      case "d":
        return p2(d.getUTCDate());
      case "H":
        return p2(d.getUTCHours());
      case "M":
        return p2(d.getUTCMinutes());
      case "S":
        return p2(d.getUTCSeconds());
      case "j":
        return String(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1).padStart(
          3,
          "0",
        );
      case "%":
        return "%";
    }
    throw new PyError("ValueError", `format code %${c} is not supported by sparklane's macros`);
  });
}

function strptime(s: string, fmt: string): Date {
  const parts: Record<string, number> = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0 };
  const order: string[] = [];
  const re = fmt.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%(.)/g, (_, c: string) => {
    if (c === "%") return "%";
    if (!"YmdHMS".includes(c))
      throw new PyError("ValueError", `format code %${c} is not supported by sparklane's macros`);
    order.push(c);
    return c === "Y" ? "(\\d{4})" : "(\\d{1,2})";
  });
  const m = new RegExp(`^${re}$`).exec(s);
  if (!m) throw new PyError("ValueError", `time data '${s}' does not match format '${fmt}'`);
  order.forEach((c, i) => (parts[c] = Number(m[i + 1])));
  const d = new Date(Date.UTC(parts.Y!, parts.m! - 1, parts.d!, parts.H!, parts.M!, parts.S!));
  if (d.getUTCDate() !== parts.d) throw new PyError("ValueError", `day is out of range for month: '${s}'`);
  return d;
}

const MACROS = new PyObj(
  "module",
  new Map<string, unknown>([
    [
      "ds_add",
      new PyFunc("ds_add", (a) => {
        const [ds, days] = a;
        if (!days) return ds;
        if (!isIntLike(days)) throw new PyError("TypeError", "ds_add: days must be an integer");
        const d = parseDs(ds);
        return strftime(new Date(d.getTime() + +days * 86400000), "%Y-%m-%d");
      }),
    ],
    [
      "ds_format",
      new PyFunc("ds_format", (a) => {
        const [ds, inFmt, outFmt] = a.map((x) => pyStr(x));
        return strftime(strptime(ds!, inFmt!), outFmt!);
      }),
    ],
  ]),
  undefined,
  () => "<module 'airflow.macros'>",
);

/** A pendulum DateTime as Airflow puts it in the context: prints as `2026-03-15 06:30:00+00:00`. */
export function dateTimeValue(ld: LogicalDate): PyObj {
  const d = ld.date;
  return new PyObj(
    "DateTime",
    new Map<string, unknown>([
      ["year", d.getUTCFullYear()],
      ["month", d.getUTCMonth() + 1],
      ["day", d.getUTCDate()],
      ["hour", d.getUTCHours()],
      ["minute", d.getUTCMinutes()],
      ["second", d.getUTCSeconds()],
      ["microsecond", ld.micros],
      ["isoformat", new PyFunc("isoformat", (a) => isoformat(ld, a.length ? pyStr(a[0]) : "T"))],
      ["strftime", new PyFunc("strftime", (a) => strftime(ld, pyStr(a[0])))],
      ["timestamp", new PyFunc("timestamp", () => mkFloat(Math.floor(d.getTime() / 1000) + ld.micros / 1e6))],
    ]),
    undefined,
    () => isoformat(ld, " "),
  );
}

/** The logical date of a context: `ts` wins, else `ds` at midnight UTC. */
function logicalDateOf(opts: AirflowContextOptions): LogicalDate {
  const text = opts.ts ?? (opts.ds !== undefined ? `${opts.ds}T00:00:00+00:00` : undefined);
  const ld = text === undefined ? null : parseLogicalDate(text);
  if (!ld) {
    throw new PyError(
      "ValueError",
      `logical date ${JSON.stringify(text ?? "")}: expected ISO 8601 with an offset, e.g. 2026-03-15T06:30:00+00:00`,
    );
  }
  return ld;
}

/** `params` as Airflow's process_params gives it: the DAG's params, then dag_run.conf's keys on top. */
function mergedParams(opts: AirflowContextOptions, conf: unknown): unknown {
  const params = toPy(opts.params ?? {}) as Map<string, unknown>;
  if (opts.confOverridesParams === false || !(conf instanceof Map) || conf.size === 0) return params;
  const merged = new Map(params);
  for (const [k, v] of conf) merged.set(k, v);
  return merged;
}

/** The variables of `{{ }}` in an Airflow-rendered template: dag_run.conf, ds, var.value and friends. */
export function airflowContext(opts: AirflowContextOptions): Record<string, unknown> {
  const ld = logicalDateOf(opts);
  const ts = isoformat(ld);
  const ds = strftime(ld, "%Y-%m-%d");
  const dsNodash = strftime(ld, "%Y%m%d");
  const when = dateTimeValue(ld);
  const conf = toPy(opts.conf ?? {});
  const vars = toPy(opts.varValues ?? {}) as Map<string, unknown>;
  const missingVar = (name: string): never => {
    const near = closest(name, [...vars.keys()]);
    throw new PyError(
      "KeyError",
      `Variable ${name} does not exist`,
      undefined,
      near
        ? `did you mean '${near}'?`
        : "declare it under variables in sparklane.yaml (an Airflow Variable in production)",
    );
  };
  const varValue = new PyObj(
    "VariableAccessor",
    new Map<string, unknown>([
      [
        "get",
        new PyFunc("get", (a, k) => {
          const name = pyStr(a[0]);
          const dflt = a.length > 1 ? a[1] : k?.has("default_var") ? k.get("default_var") : undefined;
          if (vars.has(name)) return vars.get(name);
          if (dflt !== undefined) return dflt;
          return missingVar(name);
        }),
      ],
      ...vars,
    ]),
    missingVar,
    () => "<VariableAccessor>",
  );
  const dagRun = new PyObj(
    "DagRun",
    new Map<string, unknown>([
      ["conf", conf],
      ["dag_id", opts.dagId],
      ["run_id", opts.runId],
      ["run_type", opts.runId.split("__")[0] ?? "manual"],
      ["logical_date", when],
      ["data_interval_start", when],
      ["data_interval_end", when],
      ["run_after", when],
    ]),
    undefined,
    () => `<DagRun ${opts.dagId} @ ${ts}: ${opts.runId}, state:running>`,
  );
  return {
    dag_run: dagRun,
    dag: new PyObj("DAG", new Map([["dag_id", opts.dagId]]), undefined, () => `<DAG: ${opts.dagId}>`),
    task: new PyObj(
      "SparkKubernetesOperator",
      new Map([
        ["task_id", opts.taskId],
        ["dag_id", opts.dagId],
      ]),
      undefined,
      () => `<Task(SparkKubernetesOperator): ${opts.taskId}>`,
    ),
    ds,
    ds_nodash: dsNodash,
    ts,
    ts_nodash: strftime(ld, "%Y%m%dT%H%M%S"),
    ts_nodash_with_tz: ts.replace(/[-:]/g, ""),
    logical_date: when,
    data_interval_start: when,
    data_interval_end: when,
    run_id: opts.runId,
    task_instance_key_str: `${opts.dagId}__${opts.taskId}__${dsNodash}`,
    var: new PyObj(
      "VariableAccessors",
      new Map([["value", varValue]]),
      undefined,
      () => "<VariableAccessors>",
    ),
    params: mergedParams(opts, conf),
    macros: MACROS,
  };
}
