"""page_hourly: page views per page per hour of day (UTC), for the processed days.

Same date contract as every module: --process-date for a daily run, --start-date for a bulk run.
"""

from pyspark.sql import functions as F

from sparklane_etl import EtlJob

SCHEMA = "visitor_id STRING, page STRING, ts TIMESTAMP"


def main() -> None:
    job = EtlJob.from_args()
    spark = job.spark_session(app_name=f"page_hourly-{job.mode}")

    visits = spark.read.csv(job.input_path("visits"), header=True, schema=SCHEMA).withColumn("visit_date", F.to_date("ts"))
    window = visits.where(F.col("visit_date") >= F.lit(job.first_date))
    if job.last_date is not None:
        window = window.where(F.col("visit_date") <= F.lit(job.last_date))

    result = window.groupBy("visit_date", F.hour("ts").alias("hour"), "page").agg(F.count("*").alias("views"))
    result.write.mode("overwrite").partitionBy("visit_date").parquet(job.output_path("page_hourly"))
    spark.stop()


if __name__ == "__main__":
    main()
