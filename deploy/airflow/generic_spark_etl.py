# The seed's DAG, with the variant chosen by `sparklane bake --check` when the trigger does not choose it:
# dag_run.conf['sparkapp_suffix'] wins, then the Airflow Variable sparklane_sparkapp_suffix (written by a CI
# step after `sparklane bake --push`), then the seed's default '-pre-baked'. The pre-baked template reads the
# image from the Variable sparklane_pre_baked_image, which the same step writes (by digest).
from datetime import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator

with DAG(dag_id="generic_spark_etl", start_date=datetime(2026, 1, 1), schedule=None, catchup=False) as dag:
    submit_etl = SparkKubernetesOperator(
        task_id="submit_spark_etl",
        namespace="spark",
        application_file="{% include 'sparkapps/generic-spark-app'"
        " ~ dag_run.conf.get('sparkapp_suffix', var.value.get('sparklane_sparkapp_suffix', '-pre-baked'))"
        " ~ '.yaml' %}",
        delete_on_termination=True,
    )
