"""Settings: declared once, documented, overridable from the environment, validated."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT, Settings, SparkBackend, load_settings

DOC = PROJECT_ROOT / "docs" / "configuration.md"


def _shown(value: object) -> str:
    """A default as written in TOML."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def settings_table() -> str:
    """The markdown table docs/configuration.md must contain, generated from the declaration."""
    lines = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for item in fields(Settings):
        default = _shown(item.default)
        lines.append(
            f"| `{item.name}` | `PULSE_{item.name.upper()}` | `{default}` | {item.metadata['help']} |"
        )
    return "\n".join(lines)


def test_every_setting_is_documented():
    table = settings_table()
    assert table in DOC.read_text(), f"docs/configuration.md must contain exactly:\n{table}"


def test_environment_overrides_file(tmp_path: Path):
    file = tmp_path / "settings.toml"
    file.write_text('reporting_timezone = "Europe/Berlin"\ndemo_users = 10\n')
    settings = load_settings(file, environ={"PULSE_DEMO_USERS": "25", "PULSE_DEMO_MODE": "false"})
    assert (settings.reporting_timezone, settings.demo_users, settings.demo_mode) == (
        "Europe/Berlin",
        25,
        False,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nonsense = 1\n", "unknown settings \\['nonsense'\\]"),
        ('demo_users = "many"\n', "The setting 'demo_users' must be a int. Got 'many' instead."),
        ('demo_mode = "perhaps"\n', "The setting 'demo_mode' must be a bool"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, message: str):
    file = tmp_path / "settings.toml"
    file.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_settings(file, environ={})


def test_backend_url_must_name_duckdb_or_spark():
    with pytest.raises(
        ValueError, match=re.escape("must look like 'duckdb://PATH' or 'spark://MASTER?lake=DIR'")
    ):
        _ = Settings(backend_url="postgres://x").database_path
    with pytest.raises(ValueError, match="must look like"):
        _ = Settings(backend_url="spark://local[2]").spark_backend  # no lake
    assert Settings(backend_url="duckdb:///tmp/x.duckdb").database_path == Path("/tmp/x.duckdb")
    assert Settings(backend_url="duckdb:///tmp/x.duckdb").spark_backend is None


def test_spark_backend_url_names_master_lake_state_file_and_spark_settings():
    local = Settings(backend_url="spark://local[2]?lake=/data/lake&spark.driver.memory=4g")
    assert local.spark_backend == SparkBackend("local[2]", Path("/data/lake"), {"spark.driver.memory": "4g"})
    assert local.database_path == PROJECT_ROOT / "data" / "pulse.duckdb"
    cluster = Settings(backend_url="spark://10.0.0.5:7077?lake=s3lake&db=/srv/pulse.duckdb")
    assert cluster.spark_backend.master == "spark://10.0.0.5:7077"
    assert cluster.spark_backend.lake == PROJECT_ROOT / "s3lake"
    assert cluster.database_path == Path("/srv/pulse.duckdb")
    assert Settings(backend_url="spark://yarn?lake=/l").spark_backend.master == "yarn"
