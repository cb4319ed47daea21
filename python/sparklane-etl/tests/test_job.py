import datetime as dt

import pytest

from sparklane_etl import ConfigError, EtlJob, parse_args

CONFIG = """spark_config:
  config:
    spark.sql.shuffle.partitions: "3"
io:
  inputs:
    visits: data/visits.csv
    remote: s3a://bucket/visits/
  outputs:
    visits_distinct: output/visits_distinct
    absolute: /tmp/elsewhere
"""


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "dev.yaml"
    path.write_text(CONFIG)
    return str(path)


def test_daily_run(config_path, tmp_path):
    job = EtlJob.from_args(["--config", config_path, "--process-date", "2026-03-15"], data_root=str(tmp_path))
    assert job.mode == "daily"
    assert job.first_date == dt.date(2026, 3, 15) and job.last_date == dt.date(2026, 3, 15)
    assert job.includes(dt.date(2026, 3, 15))
    assert not job.includes(dt.date(2026, 3, 14)) and not job.includes(dt.date(2026, 3, 16))


def test_bulk_run_is_open_ended_unless_config_ends_it(config_path, tmp_path):
    job = EtlJob.from_args(["--config", config_path, "--start-date", "2026-03-01"], data_root=str(tmp_path))
    assert job.mode == "bulk" and job.last_date is None
    assert job.includes(dt.date(2030, 1, 1)) and not job.includes(dt.date(2026, 2, 28))

    with open(config_path, "a") as fh:
        fh.write("job:\n  end_date: 2026-03-10\n")
    job = EtlJob.from_args(["--config", config_path, "--start-date", "2026-03-01"], data_root=str(tmp_path))
    assert job.last_date == dt.date(2026, 3, 10)
    assert not job.includes(dt.date(2026, 3, 11))


def test_bad_end_date_names_key(config_path, tmp_path):
    with open(config_path, "a") as fh:
        fh.write("job:\n  end_date: soon\n")
    job = EtlJob.from_args(["--config", config_path, "--start-date", "2026-03-01"], data_root=str(tmp_path))
    with pytest.raises(ConfigError, match="job.end_date"):
        job.last_date


def test_paths_resolve_against_data_root_but_keep_uris_and_absolute_paths(config_path, tmp_path):
    job = EtlJob.from_args(["--config", config_path, "--process-date", "2026-03-15"], data_root=str(tmp_path))
    assert job.input_path("visits") == str(tmp_path / "data" / "visits.csv")
    assert job.input_path("remote") == "s3a://bucket/visits/"
    assert job.output_path("visits_distinct") == str(tmp_path / "output" / "visits_distinct")
    assert job.output_path("absolute") == "/tmp/elsewhere"


def test_data_root_from_environment(config_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKLANE_DATA_ROOT", str(tmp_path / "root"))
    job = EtlJob.from_args(["--config", config_path, "--process-date", "2026-03-15"])
    assert job.input_path("visits") == str(tmp_path / "root" / "data" / "visits.csv")


def test_unknown_io_name_lists_known_ones(config_path):
    job = EtlJob.from_args(["--config", config_path, "--process-date", "2026-03-15"])
    with pytest.raises(ConfigError, match=r"io.inputs.clicks is not set \(inputs set: remote, visits\)"):
        job.input_path("clicks")
    with pytest.raises(ConfigError, match="io.outputs.nope"):
        job.output_path("nope")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--process-date", "2026-03-15"], "--config"),
        (["--config", "c.yaml"], "give --process-date"),
        (["--config", "c.yaml", "--process-date", "15/03/2026"], "YYYY-MM-DD"),
        (["--config", "c.yaml", "--start-date", "2026-03-20", "--process-date", "2026-03-15"], "is after"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_window_with_both_dates(config_path):
    job = EtlJob.from_args(["--config", config_path, "--start-date", "2026-03-10", "--process-date", "2026-03-12"])
    assert job.mode == "bulk"
    assert [d for d in (dt.date(2026, 3, i) for i in range(9, 14)) if job.includes(d)] == [
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 11),
        dt.date(2026, 3, 12),
    ]
