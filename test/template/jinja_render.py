"""Renders template cases with Python's jinja2, configured as Airflow configures it, for the differential test.

The environment is Airflow's own sandbox subclass (airflow.sdk templater), rebuilt here so the test needs no
Airflow install: its five filters, written exactly as Airflow writes them, and its is_safe_attribute, which
allows `_name` attributes and blocks only what jinja calls internal.

stdin:  {"searchPath": [dir, ...], "cases": [{"template": name} | {"source": text},
         plus "context": {...} or "airflow": {conf, dagId, taskId, ds, runId, ts, varValues, params},
         and optionally a per-case "searchPath"]}
stdout: [{"text": rendered} | {"error": exception class name, "message": str}]
"""
import json
import sys
from datetime import datetime, timedelta, timezone

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment, is_internal_attribute


def ds_filter(value):
    """Date filter."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%d")


def ds_nodash_filter(value):
    """Date filter without dashes."""
    if value is None:
        return None
    return value.strftime("%Y%m%d")


def ts_filter(value):
    """Timestamp filter."""
    if value is None:
        return None
    return value.isoformat()


def ts_nodash_filter(value):
    """Timestamp filter without dashes."""
    if value is None:
        return None
    return value.strftime("%Y%m%dT%H%M%S")


def ts_nodash_with_tz_filter(value):
    """Timestamp filter with timezone."""
    if value is None:
        return None
    return value.isoformat().replace("-", "").replace(":", "")


AIRFLOW_FILTERS = {
    "ds": ds_filter,
    "ds_nodash": ds_nodash_filter,
    "ts": ts_filter,
    "ts_nodash": ts_nodash_filter,
    "ts_nodash_with_tz": ts_nodash_with_tz_filter,
}


class AirflowSandboxedEnvironment(SandboxedEnvironment):
    """Airflow's _AirflowEnvironmentMixin over jinja's SandboxedEnvironment."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.filters.update(AIRFLOW_FILTERS)

    def is_safe_attribute(self, obj, attr, value):
        return not is_internal_attribute(obj, attr)


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class VariableAccessor:
    """Airflow's `var.value`: attribute access raises KeyError for a missing Variable."""

    def __init__(self, values):
        self.__dict__["_values"] = values

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"Variable {key} does not exist") from None

    def get(self, key, default_var=KeyError):
        if key in self._values:
            return self._values[key]
        if default_var is KeyError:
            raise KeyError(f"Variable {key} does not exist")
        return default_var


def ds_add(ds, days):
    if not days:
        return str(ds)
    dt = datetime.strptime(str(ds), "%Y-%m-%d") + timedelta(days=days)
    return dt.strftime("%Y-%m-%d")


def ds_format(ds, input_format, output_format):
    return datetime.strptime(str(ds), input_format).strftime(output_format)


def airflow_context(a):
    ds = a["ds"]
    ts = a["ts"]
    # the logical date as the worker has it: an aware datetime in UTC (str() '2026-03-15 00:00:00+00:00')
    when = datetime.fromisoformat(ts).astimezone(timezone.utc)
    return {
        "dag_run": Obj(conf=a.get("conf", {}), dag_id=a["dagId"], run_id=a["runId"],
                       run_type=a["runId"].split("__")[0], logical_date=when,
                       data_interval_start=when, data_interval_end=when),
        "logical_date": when,
        "data_interval_start": when,
        "data_interval_end": when,
        "dag": Obj(dag_id=a["dagId"]),
        "task": Obj(task_id=a["taskId"], dag_id=a["dagId"]),
        "ds": ds,
        "ds_nodash": ds.replace("-", ""),
        "ts": ts,
        "ts_nodash": ts.replace("-", "").replace(":", "")[:15],
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
        "run_id": a["runId"],
        "task_instance_key_str": f"{a['dagId']}__{a['taskId']}__{ds.replace('-', '')}",
        "var": Obj(value=VariableAccessor(a.get("varValues", {}))),
        # Airflow's process_params: the DAG's params, then dag_run.conf's keys on top (the default config).
        "params": {**a.get("params", {}), **(a.get("conf") or {})},
        "macros": Obj(ds_add=ds_add, ds_format=ds_format),
    }


def main():
    req = json.load(sys.stdin)
    envs = {}

    def environment(search_path):
        key = tuple(search_path)
        if key not in envs:
            envs[key] = AirflowSandboxedEnvironment(
                undefined=StrictUndefined,
                extensions=["jinja2.ext.do"],
                cache_size=0,
                loader=FileSystemLoader(list(search_path)),
                keep_trailing_newline=False,
                autoescape=False,
            )
        return envs[key]

    out = []
    for case in req["cases"]:
        env = environment(case.get("searchPath", req.get("searchPath", [])))
        try:
            if "source" in case:
                tmpl = env.from_string(case["source"])
            else:
                tmpl = env.get_template(case["template"])
            ctx = airflow_context(case["airflow"]) if "airflow" in case else case.get("context", {})
            out.append({"text": tmpl.render(ctx)})
        except Exception as e:  # the test compares the exception class with sparklane's error kind
            out.append({"error": type(e).__name__, "message": str(e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
