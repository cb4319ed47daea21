import textwrap

import pytest

from sparklane_etl import ConfigError, load_config


def write(tmp_path, text, name="dev-daily.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_loads_spark_config_and_io_as_strings(tmp_path):
    path = write(
        tmp_path,
        """
        spark_config:
          config:
            spark.sql.shuffle.partitions: 4
            spark.sql.adaptive.enabled: true
            spark.sql.session.timeZone: UTC
        io:
          inputs: {visits: data/visits}
          outputs: {visits_distinct: output/visits_distinct}
        job: {end_date: 2026-03-20}
        """,
    )
    config = load_config(path)
    assert config.spark_conf == {
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
    }
    assert config.inputs == {"visits": "data/visits"}
    assert config.outputs == {"visits_distinct": "output/visits_distinct"}


@pytest.mark.parametrize(
    "key",
    ["spark.jars.packages", "spark.driver.memory", "spark.executor.instances", "spark.kubernetes.namespace", "spark.master"],
)
def test_refuses_launch_only_keys_naming_file_and_key(tmp_path, key):
    path = write(tmp_path, f"spark_config:\n  config:\n    {key}: x\n    spark.sql.shuffle.partitions: '8'\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert path in message
    assert key in message
    assert "launch-only" in message


def test_lists_every_refused_key(tmp_path):
    path = write(tmp_path, "spark_config:\n  config:\n    spark.driver.memory: 4g\n    spark.jars: a.jar\n")
    with pytest.raises(ConfigError, match="spark.driver.memory, spark.jars"):
        load_config(path)


@pytest.mark.parametrize(
    "text, where",
    [
        ("- a\n- b\n", "top level"),
        ("spark_config: [1]\n", "spark_config must be a mapping"),
        ("spark_config:\n  config:\n    spark.x: [1, 2]\n", "spark_config.config.spark.x"),
        ("io:\n  inputs: nope\n", "io.inputs"),
        ("io: {inputs: {a: b}\n", "not valid YAML"),
    ],
)
def test_bad_shapes_name_the_key(tmp_path, text, where):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=where):
        load_config(path)


def test_missing_file_is_named(tmp_path):
    missing = str(tmp_path / "config" / "nope.yaml")
    with pytest.raises(ConfigError, match="nope.yaml: config file not found"):
        load_config(missing)


def test_empty_file_is_an_empty_config(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert config.spark_conf == {} and config.inputs == {} and config.outputs == {}
