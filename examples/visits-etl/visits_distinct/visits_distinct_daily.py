"""visits_distinct: distinct visitors per page per day.

Daily runs take --process-date (one day); bulk runs take --start-date (that day onwards). The output is
Parquet partitioned by visit_date; only the partitions of the processed days are replaced, so re-running
a day is idempotent (the config sets dynamic partition overwrite).
"""

from pyspark.sql import functions as F

from sparklane_etl import EtlJob

SCHEMA = "visitor_id STRING, page STRING, ts TIMESTAMP"


def main() -> None:
    job = EtlJob.from_args()
    spark = job.spark_session(app_name=f"visits_distinct-{job.mode}")

    visits = spark.read.csv(job.input_path("visits"), header=True, schema=SCHEMA).withColumn("visit_date", F.to_date("ts"))
    window = visits.where(F.col("visit_date") >= F.lit(job.first_date))
    if job.last_date is not None:
        window = window.where(F.col("visit_date") <= F.lit(job.last_date))

    result = window.groupBy("visit_date", "page").agg(F.countDistinct("visitor_id").alias("distinct_visitors"))
    result.write.mode("overwrite").partitionBy("visit_date").parquet(job.output_path("visits_distinct"))
    spark.stop()


if __name__ == "__main__":
    main()
