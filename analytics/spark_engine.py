"""Apache Spark as the engine of analytic reads, over the Parquet lake (`analytics.lake`).

The lake's tables are registered as Spark views under the names `analytics.schema` uses, so the same
Ibis expressions run through Ibis's PySpark backend and the same SQL (transpiled by `spark_sql`) runs
on Spark SQL. The session starts on first use (a few seconds: it launches a JVM) and re-reads the lake
whenever its generation number moves on.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.json_fields import SPARK_DEFINITION
from analytics.lake import LAKE_TABLES, lake_generation
from analytics.spark_sql import to_spark_sql
from config.settings import SparkBackend

DEFAULT_CONF = {
    "spark.app.name": "pulse",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.ansi.enabled": "false",  # like DuckDB: x / 0 is NULL, not an error
}


class SparkEngine:
    """A Spark session (local or a cluster's master) reading the lake at `lake`."""

    tables = frozenset(LAKE_TABLES)

    def __init__(self, master: str, lake: Path, conf: dict[str, str] | None = None) -> None:
        self.master = master
        self.lake = Path(lake)
        self.conf = {**DEFAULT_CONF, **(conf or {})}
        self._lock = threading.Lock()
        self._session: Any = None
        self._backend: Any = None
        self._generation = -1

    @property
    def generation(self) -> int:
        """The lake's generation number: it moves on with every write to the lake."""
        return lake_generation(self.lake)

    def describe(self) -> str:
        """The engine in words, for the health page."""
        return f"Spark {self.master} over the lake {self.lake} (generation {self.generation})"

    def _ready(self) -> Any:
        """The Ibis PySpark backend, the session started and the lake's views current."""
        with self._lock:
            if self._session is None:
                self._session = self._start()
                self._backend = ibis.pyspark.connect(self._session)
            generation = self.generation
            if generation != self._generation:
                self._register_views()
                self._generation = generation
            return self._backend

    def _start(self) -> Any:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - pyspark is pinned in requirements.txt
            raise AnalyticsError("The Spark backend needs the pyspark package: pip install pyspark.") from exc
        logging.getLogger("py4j").setLevel(logging.WARNING)
        # Local workers run this venv's Python: its pandas and models.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = SparkSession.builder.master(self.master)
        for key, value in self.conf.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        session.sql(SPARK_DEFINITION)
        return session

    def _register_views(self) -> None:
        if self.generation == 0:
            raise AnalyticsError(
                f"The data lake {self.lake} is empty: write it first with "
                f"`python -m analytics lake --lake {self.lake}`."
            )
        self._session.catalog.clearCache()
        events = self._session.read.option("basePath", str(self.lake / "events"))
        events.parquet(str(self.lake / "events")).drop("day").createOrReplaceTempView("events")
        for table in LAKE_TABLES[1:]:
            self._session.read.parquet(str(self.lake / table)).createOrReplaceTempView(table)

    def run(self, expr: ibis.Expr) -> pd.DataFrame | Any:
        """Execute an Ibis expression on Spark."""
        return self._ready().execute(expr)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run Pulse's DuckDB-dialect SQL on Spark and return its rows as a DataFrame."""
        self._ready()
        return self._session.sql(to_spark_sql(sql, params)).toPandas()

    def map_groups(
        self, frame: pd.DataFrame, key: str, function: Callable[[pd.DataFrame], pd.DataFrame], schema: str
    ) -> pd.DataFrame:
        """`function` over each group of `frame` by `key`, as a grouped pandas UDF on Spark's executors."""
        self._ready()
        # pandas' Arrow-backed strings arrive chunked, which Spark's Arrow transfer refuses: plain objects
        texts = {column: object for column in frame.columns if pd.api.types.is_string_dtype(frame[column])}
        grouped = self._session.createDataFrame(frame.astype(texts)).groupBy(key)
        return grouped.applyInPandas(function, schema).toPandas()

    def stop(self) -> None:
        """Stop the Spark session (shutdown, tests)."""
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session, self._backend, self._generation = None, None, -1


_engines: dict[tuple[str, Path], SparkEngine] = {}
_engines_lock = threading.Lock()


def spark_engine(backend: SparkBackend) -> SparkEngine:
    """The process's engine for a Spark backend (one session per master and lake)."""
    key = (backend.master, backend.lake.resolve())
    with _engines_lock:
        if key not in _engines:
            _engines[key] = SparkEngine(backend.master, backend.lake, backend.conf)
        return _engines[key]
