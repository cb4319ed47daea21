// The render context Airflow gives a templated field, reduced to what SparkApplication templates use.
import { PyError } from "./errors.js";
import { closest } from "./hints.js";
import { PyFunc, PyObj, isIntLike, pyStr, toPy } from "./values.js";

export interface AirflowContextOptions {
  /** The payload as given. A Map (e.g. from parseJsonPy) keeps JSON key order exactly. */
  conf: Record<string, unknown> | Map<string, unknown>;
  dagId: string;
  taskId: string;
  /** Logical date, YYYY-MM-DD. */
  ds: string;
  runId: string;
  /** Logical timestamp, ISO 8601 with offset, e.g. 2026-03-15T00:00:00+00:00. */
  ts: string;
  /** `var.value.*`: Airflow Variables (from sparklane.yaml). */
  varValues: Record<string, unknown> | Map<string, unknown>;
  params: Record<string, unknown> | Map<string, unknown>;
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

function strftime(d: Date, fmt: string): string {
  return fmt.replace(/%(.)/g, (_, c: string) => {
    switch (c) {
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

/** The variables of `{{ }}` in an Airflow-rendered template: dag_run.conf, ds, var.value and friends. */
export function airflowContext(opts: AirflowContextOptions): Record<string, unknown> {
  const dsNodash = opts.ds.replace(/-/g, "");
  const tsNodash = opts.ts.replace(/[-:]/g, "").slice(0, 15);
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
      ["conf", toPy(opts.conf ?? {})],
      ["dag_id", opts.dagId],
      ["run_id", opts.runId],
      ["run_type", opts.runId.split("__")[0] ?? "manual"],
    ]),
    undefined,
    () => `<DagRun ${opts.dagId} @ ${opts.ts}: ${opts.runId}, state:running>`,
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
    ds: opts.ds,
    ds_nodash: dsNodash,
    ts: opts.ts,
    ts_nodash: tsNodash,
    ts_nodash_with_tz: opts.ts.replace(/[-:]/g, ""),
    run_id: opts.runId,
    task_instance_key_str: `${opts.dagId}__${opts.taskId}__${dsNodash}`,
    var: new PyObj(
      "VariableAccessors",
      new Map([["value", varValue]]),
      undefined,
      () => "<VariableAccessors>",
    ),
    params: toPy(opts.params ?? {}),
    macros: MACROS,
  };
}
