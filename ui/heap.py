"""Keep the server's long-lived objects out of the garbage collector's full passes.

Python's cyclic collector walks every object it tracks in each full pass. The server holds about
350,000 that live as long as it does (modules, classes, Streamlit's runtime, pandas, ibis, sqlglot,
Altair and its Vega-Lite schema), so under the mixed load test a full pass stopped every thread for
about 175 ms, every second or two. `gc.freeze()` moves the objects alive at start-up into a generation
the passes skip: after it a full pass took 12-18 ms under the same load. Frozen objects are still freed
when no longer referenced, but a reference cycle among them that is dropped later stays in memory, so
the freeze is done once, after a collection, with what the pages will load already loaded.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil

import altair as alt
import ibis
import pandas as pd

import analytics
import ui
from analytics import ibis_duckdb
from analytics.db import Database

LOADED_LATER = {"ui.auth", "ui.pins", "ui.lifespan"}
"""Modules that import streamlit_authenticator, which must not be loaded before the runtime serves
(ui.lifespan), and this module's importer."""


def settle(db: Database) -> int:
    """Load what the pages use, collect garbage once, then set every object alive aside from later
    full passes; how many were set aside."""
    for package in (analytics, ui):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name not in LOADED_LATER and not module.name.endswith(".__main__"):
                importlib.import_module(module.name)
    alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()  # loads the schema
    ibis_duckdb.execute(db.cursor(), ibis.memtable({"x": [1]}).count())  # as Database.run does
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def release() -> None:
    """Hand the objects set aside back to the collector, so that they are freed at exit (DuckDB's
    bindings report objects still alive then as leaks)."""
    gc.unfreeze()
