"""One real SparkSession (pyspark's local mode): the app config's map must reach the session."""

import pytest

pytest.importorskip("pyspark")

from sparklane_etl import EtlJob  # noqa: E402


def test_spark_config_is_applied_to_the_session(tmp_path, monkeypatch):
    path = tmp_path / "dev.yaml"
    path.write_text("spark_config:\n  config:\n    spark.sql.shuffle.partitions: 3\n    spark.sql.session.timeZone: Asia/Tokyo\n")
    # The master is a launch concern: spark-submit gives it in production, the launcher args give it here.
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--master local[1] --conf spark.ui.enabled=false pyspark-shell")
    job = EtlJob.from_args(["--config", str(path), "--process-date", "2026-03-15"])
    spark = job.spark_session(app_name="sparklane-etl-test")
    try:
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        assert spark.conf.get("spark.sql.session.timeZone") == "Asia/Tokyo"
        assert spark.sparkContext.appName == "sparklane-etl-test"
        assert spark.sparkContext.master == "local[1]"
    finally:
        spark.stop()
