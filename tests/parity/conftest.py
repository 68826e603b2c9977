"""One Spark session (local[2]) over a lake written from the shared generated data set, for the parity suite."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.db import Database, forget_database, open_database
from analytics.lake import write_lake
from analytics.spark_engine import SparkEngine

SPARK_MASTER = "local[2]"


@pytest.fixture(scope="session")
def duck(seeded_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The generated data set on DuckDB alone."""
    copy = tmp_path_factory.mktemp("parity") / "pulse.duckdb"
    shutil.copy(seeded_master, copy)
    database = open_database(copy)
    yield database
    forget_database(copy)


@pytest.fixture(scope="session")
def spark_engine(duck: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkEngine]:
    """Spark in local mode reading the lake written from `duck`."""
    lake = tmp_path_factory.mktemp("lake")
    write_lake(duck, lake)
    engine = SparkEngine(SPARK_MASTER, lake, {"spark.sql.shuffle.partitions": "2"})
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def spark(duck: Database, spark_engine: SparkEngine) -> Database:
    """The same DuckDB file with analytic reads sent to Spark."""
    return Database(duck.path, engine=spark_engine)
