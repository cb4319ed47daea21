"""Renders the example DAG's application_file with real Apache Airflow, offline, as the worker does.

The recipe is ../shared/reference/airflow.md §2: BundleDagBag -> RuntimeTaskInstance.model_construct ->
get_template_context() -> prepare_for_execution() -> render_templates(). No metadata database, no API server.
After rendering it builds the body the provider would submit (name suffix, labels, SPARK_APPLICATION_NAME),
stopping before the API call.

stdin:  {"dagFile": path, "dagId": id, "taskId": id,
         "cases": [{"conf": {...} | null, "logicalDate": iso8601, "runId": id | null}]}
        Airflow Variables come from the environment (AIRFLOW_VAR_<KEY>), as the caller sets them.
stdout: {"importErrors": {...}, "results": [{"text", "body", "context"} | {"error", "message"}]}
"""

import json
import logging
import os
import sys
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="sparklane-airflow-home-"))


def main():
    req = json.load(sys.stdin)
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # Airflow logs to stdout on import; stdout carries the JSON answer only
    logging.disable(logging.CRITICAL)

    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.sdk.api.datamodels._generated import DagRun, TaskInstanceState, TIRunContext
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    dag_file = Path(req["dagFile"]).resolve()
    bag = BundleDagBag(dag_folder=str(dag_file), bundle_path=dag_file.parent, bundle_name="dags-folder",
                       safe_mode=False, load_op_links=False)
    out = {"importErrors": {str(k): str(v) for k, v in bag.import_errors.items()}, "results": []}
    if out["importErrors"]:
        json.dump(out, real_stdout)
        return
    dag = bag.dags[req["dagId"]]

    for case in req["cases"]:
        try:
            task = dag.task_dict[req["taskId"]]
            ld = datetime.fromisoformat(case["logicalDate"]).astimezone(timezone.utc) \
                if case.get("logicalDate") else None
            now = datetime.now(timezone.utc)
            run_id = case.get("runId") or f"manual__{(ld or now).isoformat()}"
            after = ld or now
            dr = dict(dag_id=dag.dag_id, run_id=run_id, logical_date=ld, run_after=after,
                      data_interval_start=ld, data_interval_end=ld, start_date=now, end_date=None,
                      partition_key=None, clear_number=0, run_type="manual", state="running",
                      conf=case.get("conf"), consumed_asset_events=[])
            ctx = TIRunContext.model_validate({"dag_run": {k: v for k, v in dr.items() if k in DagRun.model_fields},
                                               "max_tries": task.retries or 0})
            ti = RuntimeTaskInstance.model_construct(
                id=uuid.uuid4(), task_id=task.task_id, dag_id=dag.dag_id, run_id=run_id, try_number=1,
                map_index=-1, dag_version_id=uuid.uuid4(), task=task, _ti_context_from_server=ctx,
                max_tries=ctx.max_tries, start_date=now, state=TaskInstanceState.RUNNING)
            context = ti.get_template_context()
            seen = {k: str(context[k]) for k in ("ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz",
                                                 "logical_date", "data_interval_start", "data_interval_end",
                                                 "run_id", "task_instance_key_str") if k in context}
            seen["params"] = json.dumps(dict(context["params"]), sort_keys=True)
            ti.task = ti.task.prepare_for_execution()
            context["task"] = ti.task
            ti.render_templates(context=context, jinja_env=ti.task.dag.get_template_env())
            op = ti.task
            text = op.application_file
            body = None
            if case.get("body"):
                # The submitted body without a cluster: pre-fill the cached clients, stop before the API call.
                op.__dict__.update(client=None, custom_obj_api=None)
                op.find_spark_job = lambda context, exclude_checked=True: None
                op.get_or_create_spark_crd = lambda launcher, context: None
                op.name = op.create_job_name()
                op._setup_spark_configuration(context)
                body = json.loads(json.dumps(op.launcher.body, default=str))
            out["results"].append({"text": text, "body": body, "context": seen})
        except Exception as e:  # the test compares the failure with sparklane's
            out["results"].append({"error": type(e).__name__, "message": str(e)})
    json.dump(out, real_stdout)


if __name__ == "__main__":
    main()
