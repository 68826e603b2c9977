"""Dashboard pages' query times per data size: cold, cached, and beside a plain pandas version of the same numbers.

How a page is measured (docs/performance.md says why):
- The page file runs headless under streamlit.testing's AppTest as an admin with no URL parameters, so the
  sidebar and every widget show their defaults (the last 28 days ending on the last day with data, grain
  day): the page's own code decides which analytics calls it makes. The user explorer and the compare
  page get the most active users in their URL, since without one they show only a search box.
- While it runs, `ui.state.cached` and every analytics function the page imports are wrapped in timers.
  A page's query time is the sum over its top-level calls, cached or not; drawing the charts is left out.
- cold: after clearing Streamlit's data cache and the forecast cache (the DuckDB connection stays open, as
  in a running app). cached: the same session run again, as a rerun or a second visit does: the
  st.cache_data hits (hashing the key, unpickling the result) plus whatever the page does not cache.
  Each page is measured REPEATS times and the run with the median cold time is reported.
- pandas: `bench.pandas_reference` on the events loaded once per size (that load is timed on its own),
  checked against the results the page got.
"""

from __future__ import annotations

import ast
import functools
import importlib
import logging
import os
import pkgutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from analytics.db import forget_database, open_database
from analytics.overview import data_days
from analytics.viewer import SYSTEM, Viewer
from bench.datasets import Dataset
from bench.pandas_frames import PageView, differences, load
from bench.pandas_reference import PAGES as PANDAS_PAGES

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("Dashboards", "Intelligence")
"""Menu sections whose pages are measured (the Data, Admin and Account pages are not dashboards)."""
PAGE_TIMEOUT_S = 900
REPEATS = 3
"""Each page is measured this many times; the run with the median cold time is reported."""
COLD_TARGET_S = 1.0
CACHED_TARGET_S = 0.3
VIEWER = ("bench", "admin")
BARE_MODE_LOGGERS = (
    "streamlit.runtime.scriptrunner_utils.script_run_context",
    "streamlit.runtime.caching.cache_data_api",
)


@dataclass(frozen=True)
class Call:
    """One top-level analytics call of a page run: through `cached` (label = its name) or direct."""

    label: str
    seconds: float
    result: Any
    computed: tuple[tuple[str, float], ...]
    """The analytics functions that ran inside, with their seconds; empty when the cache answered."""
    through_cache: bool


@dataclass(frozen=True)
class PageResult:
    """A page's figures at one data size."""

    path: str
    cold: list[Call]
    cached: list[Call]
    problems: list[str]
    pandas_s: float | None = None
    agreement: str = "–"

    @property
    def cold_s(self) -> float:
        return sum(call.seconds for call in self.cold)

    @property
    def cached_s(self) -> float:
        return sum(call.seconds for call in self.cached)

    @property
    def slowest(self) -> Call | None:
        return max(self.cold, key=lambda call: call.seconds, default=None)

    @property
    def name(self) -> str:
        return Path(self.path).stem


class _Recorder:
    """Times the calls a page makes; calls made inside another timed call count as part of it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._inside: list[tuple[str, float]] | None = None

    def take(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls

    def _timed(self, label: str, run: Callable[[], Any], *, computes: bool) -> Any:
        outer, self._inside = self._inside, []
        started = time.perf_counter()
        try:
            result = run()
        finally:
            seconds = time.perf_counter() - started
            computed, self._inside = self._inside, outer
        if computes:
            computed.append((label, seconds))
        if outer is None:
            self.calls.append(Call(label, seconds, result, tuple(computed), through_cache=not computes))
        else:
            outer.extend(computed)
        return result

    def cached(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def cached(name: str, call: Callable[[], Any], **key: Any) -> Any:
            return self._timed(name, lambda: original(name, call, **key), computes=False)

        return cached

    def function(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            return self._timed(original.__name__, lambda: original(*args, **kwargs), computes=True)

        return timed


def measured_pages() -> list[str]:
    """The dashboard pages, in menu order."""
    from ui.navigation import PAGES

    return [spec.path for spec in PAGES if spec.section in SECTIONS]


def _analytics_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from analytics... import name` in the page file."""
    tree = ast.parse(path.read_text())
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "analytics"
        for alias in node.names
    ]


@contextmanager
def _instrumented(path: Path, recorder: _Recorder) -> Iterator[None]:
    """Wrap ui.state.cached and the page's analytics functions (the page imports them on every run)."""
    import inspect

    import ui.state

    patches = [(ui.state, "cached", recorder.cached(ui.state.cached))]
    for module_name, name in _analytics_imports(path):
        module = importlib.import_module(module_name)
        value = getattr(module, name)
        if inspect.isfunction(value):
            patches.append((module, name, recorder.function(value)))
    originals = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, wrapper in patches:
        setattr(module, name, wrapper)
    try:
        yield
    finally:
        for module, name, original in reversed(originals):
            setattr(module, name, original)


def clear_caches() -> None:
    """Forget every cached analytics result of this process (Streamlit's data cache, fitted forecasts)."""
    import streamlit as st

    from analytics.forecast import cache

    st.cache_data.clear()
    cache.clear()


def _prepare_imports() -> None:
    """Import the UI modules before wrapping, so none of them keeps a wrapper it imported mid-run.

    Streamlit's notices about running outside a server (the bench's own thread) are dropped.
    """
    import ui

    for name in BARE_MODE_LOGGERS:
        logger = logging.getLogger(name)
        if _errors_only not in logger.filters:
            logger.addFilter(_errors_only)
    for info in pkgutil.iter_modules(ui.__path__):
        importlib.import_module(f"ui.{info.name}")


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


def _url(path: str, most_active: list[str]) -> dict[str, str]:
    if path == "pages/user_explorer.py":
        return {"user": most_active[0]}
    if path == "pages/compare.py":
        return {"users": ",".join(most_active)}
    return {}


def run_page(path: str, viewer: Viewer, url: dict[str, str]) -> PageResult:
    """Run the page twice in one AppTest session: cold (caches cleared), then as a rerun."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / path), default_timeout=PAGE_TIMEOUT_S)
    app.session_state["viewer"] = viewer
    for key, value in url.items():
        app.query_params[key] = value
    recorder = _Recorder()
    clear_caches()
    with _instrumented(ROOT / path, recorder):
        app.run()
        cold = recorder.take()
        app.run()
        cached = recorder.take()
    problems = [str(element.value) for element in [*app.exception, *app.error]]
    return PageResult(path, cold, cached, problems)


@contextmanager
def _app_database(path: Path) -> Iterator[None]:
    """Point the pages (open_database() with no path) at `path` for the duration."""
    previous = os.environ.get("PULSE_BACKEND_URL")
    os.environ["PULSE_BACKEND_URL"] = f"duckdb://{path}"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PULSE_BACKEND_URL", None)
        else:
            os.environ["PULSE_BACKEND_URL"] = previous
        forget_database(path)


def _agreement(result: PageResult, pandas: dict[str, Any]) -> str:
    got = {call.label: call.result for call in result.cold}
    compared = dict(pandas)
    notes = []
    steps = compared.get("next_steps")
    if steps is not None and len(steps) and steps["sample_pct"].iloc[0] < 100:
        del compared["next_steps"]  # both sides follow a sample of sessions, drawn by different hashes
        notes.append(f"next_steps sampled ({steps['sample_pct'].iloc[0]:.0f}%), not compared")
    missing = [name for name in compared if name not in got]
    if missing:
        return f"page made no call {', '.join(missing)}"
    found = differences(got, compared)
    verdict = "yes" if not found else f"NO ({len(found)}): {found[0][:160]}"
    return "; ".join([verdict, *notes])


def median_run(path: str, viewer: Viewer, url: dict[str, str]) -> PageResult:
    """The run with the median cold time of REPEATS runs (the first may pay for imports; the machine is shared)."""
    runs = sorted((run_page(path, viewer, url) for _ in range(REPEATS)), key=lambda run: run.cold_s)
    return runs[len(runs) // 2]


def measure(dataset: Dataset, *, with_pandas: bool = True) -> tuple[float | None, list[PageResult]]:
    """Every dashboard page at `dataset`'s size: (pandas load seconds, one PageResult per page).

    Without `with_pandas` (sizes pandas cannot hold) no pandas comparison is made and the load is None.
    """
    _prepare_imports()
    viewer = Viewer.for_role(*VIEWER)
    paths = measured_pages()
    with _app_database(dataset.path):
        db = open_database(dataset.path)
        most_active = [
            user
            for (user,) in db.rows(
                "SELECT user_id FROM user_daily GROUP BY user_id ORDER BY sum(event_count) DESC, user_id LIMIT 3"
            )
        ]
        first_day, last_day = data_days(db, SYSTEM)
        results = [median_run(path, viewer, _url(path, most_active)) for path in paths]
        if not with_pandas:
            return None, results
        started = time.perf_counter()
        frames = load(db)
        load_s = time.perf_counter() - started
        view = PageView.default(first_day, last_day)
        measured = []
        for result in results:
            reference = PANDAS_PAGES.get(result.path)
            if reference is None:
                measured.append(result)
                continue
            started = time.perf_counter()
            pandas = reference(frames, view)
            seconds = time.perf_counter() - started
            measured.append(replace(result, pandas_s=seconds, agreement=_agreement(result, pandas)))
        del frames
    return load_s, measured


def report(dataset: Dataset, load_s: float | None, results: list[PageResult], *, targets: bool) -> None:
    """Print one size's table (and, with `targets`, the pages missing the 10M targets)."""
    pandas_load = "no pandas comparison" if load_s is None else f"pandas load of the events {load_s:.1f} s"
    print(
        f"\npages at {dataset.label}: {dataset.events:,} events, {dataset.users:,} users; "
        f"{pandas_load} (once, not in the pandas column); "
        f"load average now {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        f"  {'page':<14} {'calls':>5} {'cold s':>7} {'cached s':>8} {'pandas s':>8} {'pandas/cold':>11}  "
        f"{'slowest call (cold)':<34} agrees with pandas"
    )
    for result in results:
        slowest = result.slowest
        slow = f"{slowest.label} {slowest.seconds:.3f} s" if slowest else "–"
        pandas = "–" if result.pandas_s is None else f"{result.pandas_s:8.3f}"
        ratio = (
            "–" if result.pandas_s is None or not result.cold_s else f"{result.pandas_s / result.cold_s:.1f}x"
        )
        missed = result.cold_s >= COLD_TARGET_S or result.cached_s >= CACHED_TARGET_S
        flag = " !" if targets and missed else ""
        print(
            f"  {result.name:<14} {len(result.cold):>5} {result.cold_s:7.3f} {result.cached_s:8.3f} {pandas:>8} "
            f"{ratio:>11}  {slow:<34} {result.agreement}{flag}",
            flush=True,
        )
        for problem in result.problems:
            print(f"    page shows an error: {problem[:200]}")
    if targets:
        misses = [r for r in results if r.cold_s >= COLD_TARGET_S or r.cached_s >= CACHED_TARGET_S]
        print(
            f"  targets (< {COLD_TARGET_S:g} s cold, < {CACHED_TARGET_S:g} s cached): "
            + (
                "all pages meet them"
                if not misses
                else "missed by "
                + "; ".join(
                    f"{r.name} (cold {r.cold_s:.2f} s, cached {r.cached_s:.2f} s; slowest "
                    f"{r.slowest.label} {r.slowest.seconds:.2f} s)"
                    for r in misses
                )
            ),
            flush=True,
        )


def run(datasets: list[Dataset]) -> None:
    """Measure and print every dashboard page at each data size."""
    for dataset in datasets:
        load_s, results = measure(dataset)
        report(dataset, load_s, results, targets=dataset.label == "10M")
