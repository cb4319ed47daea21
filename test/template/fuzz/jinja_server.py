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
import os
import sys
import warnings

import jinja2
from jinja2 import StrictUndefined

# The replica of Airflow's environment and context objects is jinja_render.py's (the differential test's
# reference), so both references are one implementation.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from jinja_render import AirflowSandboxedEnvironment, Obj, VariableAccessor, ds_add, ds_format  # noqa: E402

try:  # the real thing, when the Airflow venv runs this script
    from airflow.sdk.definitions._internal.templater import SandboxedEnvironment as AirflowSandbox

    KIND = "airflow"
except ImportError:
    AirflowSandbox = AirflowSandboxedEnvironment
    KIND = "replica"


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
