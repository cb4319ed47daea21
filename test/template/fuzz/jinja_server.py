"""The reference side of the differential fuzzer: Python's jinja2 set up as Airflow 3.3 sets it up, fed JSON lines.

The environment is Airflow's own when apache-airflow is importable (airflow.sdk's templater), else a replica of
it: the same SandboxedEnvironment subclass (is_safe_attribute allows `_` names, refuses only jinja's internal
attributes), the five filters ds/ds_nodash/ts/ts_nodash/ts_nodash_with_tz, StrictUndefined, jinja2.ext.do,
cache_size=0 and jinja's defaults (keep_trailing_newline=False, no trim/lstrip, no autoescape). Templates are
rendered with from_string, as Airflow renders an inline templated field.

stdin:  one JSON object per line: {"id": n, "source": str, "conf": json text, "ts": iso, "params": {...},
        "varValues": {...}}
stdout: one JSON object per line: {"id": n, "text": str} | {"id": n, "error": class name, "message": str}
The first line written is {"ready": true, "environment": "airflow" | "replica"}.
"""

import datetime
import json
import sys
import warnings

import jinja2
import jinja2.sandbox
from jinja2 import StrictUndefined

try:  # the real thing, when the Airflow venv runs this script
    from airflow.sdk.definitions._internal.templater import SandboxedEnvironment as AirflowSandbox

    KIND = "airflow"
except ImportError:
    KIND = "replica"

    def _none_or(fn):
        return lambda value: None if value is None else fn(value)

    FILTERS = {
        "ds": _none_or(lambda v: v.strftime("%Y-%m-%d")),
        "ds_nodash": _none_or(lambda v: v.strftime("%Y%m%d")),
        "ts": _none_or(lambda v: v.isoformat()),
        "ts_nodash": _none_or(lambda v: v.strftime("%Y%m%dT%H%M%S")),
        "ts_nodash_with_tz": _none_or(lambda v: v.isoformat().replace("-", "").replace(":", "")),
    }

    class AirflowSandbox(jinja2.sandbox.SandboxedEnvironment):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.filters.update(FILTERS)

        def is_safe_attribute(self, obj, attr, value):
            return not jinja2.sandbox.is_internal_attribute(obj, attr)


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class VariableAccessor:
    """Airflow's `var.value`: a missing Variable raises KeyError."""

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
    dt = datetime.datetime.strptime(str(ds), "%Y-%m-%d") + datetime.timedelta(days=days)
    return dt.strftime("%Y-%m-%d")


def ds_format(ds, input_format, output_format):
    return datetime.datetime.strptime(str(ds), input_format).strftime(output_format)


def context(case):
    """What Airflow's get_template_context gives a manual run with a logical date (see airflow.md §3)."""
    ld = datetime.datetime.fromisoformat(case["ts"]).astimezone(datetime.timezone.utc)
    ts = ld.isoformat()
    ds_nodash = ld.strftime("%Y%m%d")
    conf = json.loads(case["conf"])
    run_id = f"manual__{ts}"
    dag_id, task_id = "generic_spark_etl", "submit_spark_etl"
    return {
        "dag_run": Obj(conf=conf, dag_id=dag_id, run_id=run_id, run_type="manual", logical_date=ld,
                       data_interval_start=ld, data_interval_end=ld, run_after=ld),
        "dag": Obj(dag_id=dag_id),
        "task": Obj(task_id=task_id, dag_id=dag_id),
        "ds": ld.strftime("%Y-%m-%d"),
        "ds_nodash": ds_nodash,
        "ts": ts,
        "ts_nodash": ld.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
        "logical_date": ld,
        "data_interval_start": ld,
        "data_interval_end": ld,
        "run_id": run_id,
        "task_instance_key_str": f"{dag_id}__{task_id}__{ds_nodash}",
        "var": Obj(value=VariableAccessor(case.get("varValues", {}))),
        "params": {**case.get("params", {}), **(conf if isinstance(conf, dict) else {})},
        "macros": Obj(ds_add=ds_add, ds_format=ds_format),
    }


def main():
    env = AirflowSandbox(undefined=StrictUndefined, extensions=["jinja2.ext.do"], cache_size=0,
                         loader=jinja2.DictLoader({}))
    sys.setrecursionlimit(5000)
    warnings.simplefilter("ignore")  # jinja's generated code warns about literals like 5[:2]; the error is what counts
    out = sys.stdout
    out.write(json.dumps({"ready": True, "environment": KIND}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            text = env.from_string(case["source"]).render(context(case))
            res = {"id": case["id"], "text": text}
        except Exception as e:  # the fuzzer compares the exception class with sparklane's error kind
            res = {"id": case["id"], "error": type(e).__name__, "message": str(e)[:500]}
        out.write(json.dumps(res) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
