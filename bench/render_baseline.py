"""The Python path Airflow takes for a SparkKubernetesOperator application_file: jinja2 render + PyYAML safe_load.

Usage: python3 bench/render_baseline.py TEMPLATE_DIR TEMPLATE_NAME PAYLOAD_JSON
"""
import json
import sys

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment


class _Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class _VarValue:
    def __init__(self, values):
        self._values = values

    def get(self, key, default=None):
        return self._values.get(key, default)

    def __getattr__(self, key):
        return self._values[key]


def main():
    search, name, payload_file = sys.argv[1:4]
    env = SandboxedEnvironment(
        loader=FileSystemLoader(search), undefined=StrictUndefined, extensions=["jinja2.ext.do"]
    )
    with open(payload_file) as f:
        conf = json.load(f)
    ts = "2026-03-15T00:00:00+00:00"
    ctx = dict(
        dag_run=_Obj(conf=conf, run_id="manual__" + ts),
        dag=_Obj(dag_id="generic_spark_etl"),
        task=_Obj(task_id="submit_spark_etl"),
        ds="2026-03-15",
        ds_nodash="20260315",
        ts=ts,
        run_id="manual__" + ts,
        var=_Obj(value=_VarValue({})),
        params={},
    )
    template = env.get_template(name)
    if "--loop" in sys.argv:
        # Library mode: renders + safe_load per second for the given number of seconds, on this one thread.
        import time

        seconds = float(sys.argv[sys.argv.index("--loop") + 1])
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            yaml.safe_load(template.render(**ctx))
            n += 1
        print(n / (time.perf_counter() - t0))
        return
    text = template.render(**ctx)
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
