"""The application config: what a data engineer tunes per pipeline, loaded by the driver at run time.

The SparkApplication's sparkConf holds only what spark-submit needs to launch the JVM; everything else
lives here, under ``spark_config.config``. Keys that only take effect at launch are refused, because
setting them on an already running driver silently does nothing.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

# Read by spark-submit or the cluster manager before the driver's SparkSession exists. The list is data shared
# with sparklane's lint (launch_only_keys.json), so the two can never drift apart.
_LAUNCH_ONLY = json.loads(resources.files(__package__).joinpath("launch_only_keys.json").read_text("utf-8"))
LAUNCH_ONLY_KEYS = frozenset(_LAUNCH_ONLY["keys"])
LAUNCH_ONLY_PREFIXES = tuple(_LAUNCH_ONLY["prefixes"])


class ConfigError(ValueError):
    """The app config is unreadable or breaks a rule; the message names the file and the key."""


def is_launch_only(key: str) -> bool:
    return key in LAUNCH_ONLY_KEYS or key.startswith(LAUNCH_ONLY_PREFIXES)


@dataclass(frozen=True)
class AppConfig:
    path: str
    spark_conf: Mapping[str, str]
    inputs: Mapping[str, str]
    outputs: Mapping[str, str]
    job: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


def _mapping(value: Any, where: str, path: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {where} must be a mapping, found {type(value).__name__}")
    return value


def _scalar_str(value: Any, where: str, path: str) -> str:
    # YAML turns `true`/`200` into bool/int; Spark wants the text it would have got from a properties file.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ConfigError(f"{path}: {where} must be a string, number or boolean, found {type(value).__name__}")


def load_config(path: str) -> AppConfig:
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: config file not found")
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    raw = _mapping(raw, "the top level", path)

    spark_section = _mapping(raw.get("spark_config"), "spark_config", path)
    conf = _mapping(spark_section.get("config"), "spark_config.config", path)
    spark_conf: dict[str, str] = {}
    refused = []
    for key, value in conf.items():
        key = str(key)
        if is_launch_only(key):
            refused.append(key)
            continue
        spark_conf[key] = _scalar_str(value, f"spark_config.config.{key}", path)
    if refused:
        keys = ", ".join(sorted(refused))
        raise ConfigError(
            f"{path}: spark_config.config has launch-only key(s): {keys}. They take effect only when "
            "spark-submit starts the JVM, so setting them here would be silently ignored. "
            "Move them to the SparkApplication template's sparkConf (or the payload's sizing keys)."
        )

    io = _mapping(raw.get("io"), "io", path)
    inputs = {str(k): _scalar_str(v, f"io.inputs.{k}", path) for k, v in _mapping(io.get("inputs"), "io.inputs", path).items()}
    outputs = {
        str(k): _scalar_str(v, f"io.outputs.{k}", path) for k, v in _mapping(io.get("outputs"), "io.outputs", path).items()
    }
    job = _mapping(raw.get("job"), "job", path)
    return AppConfig(path=path, spark_conf=spark_conf, inputs=inputs, outputs=outputs, job=job, raw=raw)
