"""What a module script gets: its arguments, its app config, its dates, its I/O paths and a SparkSession."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from dataclasses import dataclass
from typing import Optional, Sequence

from .config import AppConfig, ConfigError, load_config

# Relative I/O paths in an app config are resolved against this folder. `sparklane run --local` runs the
# driver in the project folder, so relative paths mean "inside the project" there; on a cluster, configs
# use absolute URIs (s3a://...), which are left alone.
DATA_ROOT_ENV = "SPARKLANE_DATA_ROOT"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, found {text!r}") from None


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="sparklane ETL module", allow_abbrev=False)
    parser.add_argument("--config", required=True, help="app config YAML (spark_config, io, job)")
    parser.add_argument("--process-date", type=_date, help="daily runs: the one day to process")
    parser.add_argument("--start-date", type=_date, help="bulk runs: the first day to process")
    args = parser.parse_args(argv)
    if args.process_date is None and args.start_date is None:
        parser.error("give --process-date (daily run) or --start-date (bulk run)")
    if args.process_date is not None and args.start_date is not None and args.start_date > args.process_date:
        parser.error(f"--start-date {args.start_date} is after --process-date {args.process_date}")
    return args


def _has_scheme(path: str) -> bool:
    head, sep, _ = path.partition("://")
    return bool(sep) and head.isalnum()


@dataclass(frozen=True)
class EtlJob:
    config: AppConfig
    process_date: Optional[dt.date]
    start_date: Optional[dt.date]
    data_root: str

    @classmethod
    def from_args(cls, argv: Optional[Sequence[str]] = None, data_root: Optional[str] = None) -> "EtlJob":
        args = parse_args(argv)
        config = load_config(args.config)
        root = data_root or os.environ.get(DATA_ROOT_ENV) or os.getcwd()
        return cls(config=config, process_date=args.process_date, start_date=args.start_date, data_root=root)

    @property
    def mode(self) -> str:
        """"daily" for a --process-date run alone, "bulk" when --start-date is given."""
        return "bulk" if self.start_date is not None else "daily"

    @property
    def first_date(self) -> dt.date:
        return self.start_date if self.start_date is not None else self.process_date  # type: ignore[return-value]

    @property
    def last_date(self) -> Optional[dt.date]:
        """Inclusive end of the window; None means open-ended (a bulk run up to the newest data)."""
        if self.process_date is not None:
            return self.process_date
        end = self.config.job.get("end_date")
        if end is None:
            return None
        if isinstance(end, dt.date):
            return end
        try:
            return dt.date.fromisoformat(str(end))
        except ValueError:
            raise ConfigError(f"{self.config.path}: job.end_date must be YYYY-MM-DD, found {end!r}") from None

    def includes(self, day: dt.date) -> bool:
        last = self.last_date
        return day >= self.first_date and (last is None or day <= last)

    def _resolve(self, path: str) -> str:
        if _has_scheme(path) or os.path.isabs(path):
            return path
        return os.path.normpath(os.path.join(self.data_root, path))

    def input_path(self, name: str) -> str:
        if name not in self.config.inputs:
            known = ", ".join(sorted(self.config.inputs)) or "none"
            raise ConfigError(f"{self.config.path}: io.inputs.{name} is not set (inputs set: {known})")
        return self._resolve(self.config.inputs[name])

    def output_path(self, name: str) -> str:
        if name not in self.config.outputs:
            known = ", ".join(sorted(self.config.outputs)) or "none"
            raise ConfigError(f"{self.config.path}: io.outputs.{name} is not set (outputs set: {known})")
        return self._resolve(self.config.outputs[name])

    def spark_session(self, app_name: Optional[str] = None):
        # Imported here so the config and argument handling can be used (and tested) without a JVM.
        from pyspark.sql import SparkSession

        builder = SparkSession.builder
        if app_name:
            builder = builder.appName(app_name)
        for key, value in self.config.spark_conf.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()
