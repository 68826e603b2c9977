"""Pulse's settings: each declared once here with its default and help text.

Values come from, in order of precedence: `PULSE_<NAME>` environment variables, `config/settings.toml`,
then the defaults below. Secrets never live here; they are read from `.streamlit/secrets.toml`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = PROJECT_ROOT / "config" / "settings.toml"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every setting Pulse reads; the field's metadata holds its help text."""

    backend_url: str = _setting(
        "duckdb://data/pulse.duckdb",
        "Where the data lives: `duckdb://PATH` (relative paths start at the project root), or "
        "`spark://MASTER?lake=DIR` to run analytic reads on Spark over a Parquet lake (docs/scale.md); "
        "optional `&db=PATH` names the DuckDB file that keeps everything else, `&spark.KEY=VALUE` Spark settings.",
    )
    reporting_timezone: str = _setting(
        "UTC", "IANA zone in which days, weeks and hours are counted and times are shown."
    )
    import_timezone: str = _setting(
        "UTC", "IANA zone assumed for timestamps without an offset in imported or tracked data."
    )
    session_gap_minutes: int = _setting(
        30, "Inactivity that ends a session when events arrive without a session_id."
    )
    consent_default: bool = _setting(
        True,
        "Consent given to users created by import or tracking when the data says nothing. "
        "True means you have a lawful basis to analyse users unless they object.",
    )
    demo_mode: bool = _setting(
        True, "Demo accounts exist and the example cookie key is accepted. Turn off in production."
    )
    demo_users: int = _setting(5000, "Users in the demo database `make run` creates.")
    demo_days: int = _setting(730, "Days of history in the demo database.")
    demo_seed: int = _setting(42, "Random seed of the demo database, so every install sees the same data.")
    churn_horizon_days: int = _setting(
        60,
        "Churn means no event in this many days (1-180). Fit it to how often people use the product: the "
        "Predictions page's label check shows how many users called gone came back. Shortened down to 30 "
        "when the history is too short for all four training windows.",
    )
    max_batch_events: int = _setting(10_000, "Most events one tracking request may carry.")
    max_request_bytes: int = _setting(
        20_000_000, "Largest API request body accepted; bigger ones get HTTP 413."
    )
    login_max_attempts: int = _setting(5, "Failed logins in a row that lock an account.")
    login_lock_minutes: int = _setting(15, "How long a locked account stays locked.")
    session_expiry_minutes: int = _setting(
        480, "Lifetime of a login cookie; after it the user signs in again."
    )
    api_rate_limit_per_minute: int = _setting(
        600_000, "Requests one API token may make per minute before getting HTTP 429."
    )
    retention_days: int = _setting(
        0, "Events older than this many days are deleted by `retention apply`; 0 keeps everything."
    )
    memory_limit: str = _setting("", "DuckDB memory limit such as '4GB'; empty lets DuckDB choose.")
    live_refresh_s: int = _setting(
        10,
        "Events tracked through the API reach cached dashboards and API answers at most this many seconds "
        "late, so a busy tracking stream does not make every view recompute; the Real time page reads them "
        "at once. Other changes (imports, your own edits) show at once. 0 shows tracked events at once.",
    )

    @property
    def database_path(self) -> Path:
        """The DuckDB file: named by a `duckdb://` URL, or the `db` parameter of a `spark://` one."""
        scheme, location, options = _backend_parts(self.backend_url)
        return _project_path(location if scheme == "duckdb" else options.get("db", DEFAULT_SPARK_STATE_DB))

    @property
    def spark_backend(self) -> SparkBackend | None:
        """Where Spark runs and reads from, when `backend_url` is a `spark://` URL."""
        scheme, location, options = _backend_parts(self.backend_url)
        if scheme != "spark":
            return None
        conf = {key: value for key, value in options.items() if key.startswith("spark.")}
        return SparkBackend(_spark_master(location), _project_path(options["lake"]), conf)


DEFAULT_SPARK_STATE_DB = "data/pulse.duckdb"
_BACKEND_FORMS = "'duckdb://PATH' or 'spark://MASTER?lake=DIR'"


@dataclass(frozen=True)
class SparkBackend:
    """A Spark master URL, the lake folder it reads, and extra Spark settings."""

    master: str
    lake: Path
    conf: dict[str, str]


def _backend_parts(url: str) -> tuple[str, str, dict[str, str]]:
    """Split a backend URL into scheme, location and its query parameters."""
    scheme, _, rest = url.partition("://")
    location, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    if scheme == "duckdb" and location and not query:
        return scheme, location, options
    if scheme == "spark" and location and options.get("lake"):
        return scheme, location, options
    raise ValueError(f"The 'backend_url' setting must look like {_BACKEND_FORMS}. Got {url!r}.")


def _spark_master(location: str) -> str:
    """The Spark master URL: `local[N]`, `yarn` and full URLs as given, `HOST:PORT` as spark://HOST:PORT."""
    if location.startswith("local") or location == "yarn" or "://" in location:
        return location
    return f"spark://{location}"


def _project_path(location: str) -> Path:
    path = Path(location)
    return path if path.is_absolute() else PROJECT_ROOT / path


def setting_help() -> dict[str, str]:
    """Map each setting's name to its help text (used by the docs test and `--help`)."""
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def _coerce(name: str, raw: Any, default: Any) -> Any:
    """Convert a raw value (a string from the environment, or TOML) to the setting's type."""
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
    elif isinstance(default, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            pass
    else:
        return str(raw)
    kind = type(default).__name__
    raise ValueError(f"The setting {name!r} must be a {kind}. Got {raw!r} instead.")


def load_settings(path: Path = SETTINGS_FILE, environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the TOML file and `PULSE_*` environment variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as handle:
            values.update(tomllib.load(handle))
    known = {f.name: f.default for f in fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{path} names unknown settings {unknown}; known: {sorted(known)}.")
    for name in known:
        env_value = environ.get(f"PULSE_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    coerced = {name: _coerce(name, raw, known[name]) for name, raw in values.items()}
    return replace(Settings(), **coerced)
