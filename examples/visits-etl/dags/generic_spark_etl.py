"""The seed's DAG: one SparkKubernetesOperator whose application_file picks the SparkApplication template variant
from the trigger payload (``sparkapp_suffix``, default ``-pre-baked``), rendered by Airflow from
``template_searchpath``. ``sparklane render`` renders the same template from the same payload byte for byte.

The templates are sparklane's built-in ones (``templates/`` at the repository root) unless
``SPARKLANE_TEMPLATE_DIR`` names other folders (separated by ``os.pathsep``), e.g. where a deployment copies
them next to its DAGs. The search path must hold ``sparkapps/generic-spark-app.yaml`` and
``sparkapps/generic-spark-app-pre-baked.yaml``; ``sparklane render --template-dir`` takes the same folders.
"""

import os
from datetime import datetime
from pathlib import Path

from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator
from airflow.sdk import DAG

TEMPLATE_SEARCHPATH = (os.environ.get("SPARKLANE_TEMPLATE_DIR") or str(Path(__file__).resolve().parents[3] / "templates")).split(os.pathsep)

with DAG(
    dag_id="generic_spark_etl",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    template_searchpath=TEMPLATE_SEARCHPATH,
    tags=["sparklane", "spark"],
) as dag:
    SparkKubernetesOperator(
        task_id="submit_spark_etl",
        namespace="spark",
        application_file="{% include 'sparkapps/generic-spark-app'"
        " ~ dag_run.conf.get('sparkapp_suffix', '-pre-baked')"
        " ~ '.yaml' %}",
        delete_on_termination=True,
    )
