"""Driver-side runtime for sparklane ETL modules.

A module script does::

    from sparklane_etl import EtlJob

    job = EtlJob.from_args()          # --config, --process-date, --start-date
    spark = job.spark_session()       # app config's spark_config.config applied
    df = spark.read.csv(job.input_path("visits"), header=True)
    ...
    df.write.parquet(job.output_path("visits_distinct"))
"""

from .config import AppConfig, ConfigError, LAUNCH_ONLY_PREFIXES, LAUNCH_ONLY_KEYS, load_config
from .job import EtlJob, parse_args

__all__ = [
    "AppConfig",
    "ConfigError",
    "EtlJob",
    "LAUNCH_ONLY_KEYS",
    "LAUNCH_ONLY_PREFIXES",
    "load_config",
    "parse_args",
]
