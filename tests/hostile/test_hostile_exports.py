"""CSV formula injection: text a spreadsheet would run as a formula is neutralised in every export path
(API and CLI exports as CSV and xlsx, the right-of-access zip, the dashboards' download buttons)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from analytics.export import DATASETS
from analytics.ingest import import_files, track_events
from analytics.privacy.access import export_user_data
from analytics.privacy.csv_cells import FORMULA_PREFIXES
from analytics.viewer import SYSTEM
from tests.api.seeded import seeded_api_env
from ui.downloads import csv_download

FORMULAS = ('=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1")
USER = FORMULAS[0]
OPTIONS = {
    "funnel": {"steps": [FORMULAS[1], FORMULAS[3]]},
    "metric": {"metric": "active_users"},
}


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_safe_cells(cells: list[str], where: str) -> int:
    """No cell starts like a formula unless it is a plain number; returns how many cells were neutralised."""
    risky = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES) and not is_number(cell)]
    assert not risky, (where, risky[:5])
    return sum(cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES) for cell in cells)


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.fixture(scope="module")
def formula_api(hostile_master, tmp_path_factory):
    """The API over the small data set plus a user, events and sessions whose every text is a formula."""
    for env in seeded_api_env(hostile_master, tmp_path_factory):
        folder = tmp_path_factory.mktemp("formulas")
        user = {
            "user_id": USER,
            "display_name": FORMULAS[1],
            "email": FORMULAS[3],
            "plan": FORMULAS[2],
            "country": FORMULAS[4],
            "platform": FORMULAS[5],
            "attributes": {"note": "=1+1"},
        }
        (folder / "users.jsonl").write_text(json.dumps(user) + "\n")
        import_files(env.db, SYSTEM, [folder / "users.jsonl"], kind="users")
        events = [
            {
                "user_id": USER,
                "activity_type": formula,
                "timestamp": f"2025-06-{20 + number}T10:00:00Z",
                "session_id": formula,
                "city": formula,
                "country": formula,
                "user_agent": formula,
                "ip_address": formula,
                "properties": {"note": formula},
            }
            for number, formula in enumerate(FORMULAS)
        ]
        track_events(env.db, SYSTEM, events, queue_rollups=False)
        yield env


@pytest.mark.parametrize("dataset", DATASETS)
def test_api_csv_exports_are_neutralised(formula_api, dataset):
    body = {"dataset": dataset, "format": "csv", "options": OPTIONS.get(dataset, {})}
    response = formula_api.client.post("/analytics/export", json=body, headers=formula_api.headers("admin"))
    assert response.status_code == 200, response.text
    neutralised = assert_safe_cells(csv_cells(response.text), dataset)
    # The formula-like cells were there (one per field and event, one per funnel step) and were defused.
    assert neutralised >= {"events": 6 * 6, "users": 5, "sessions": 6, "funnel": 2}.get(dataset, 0), dataset


@pytest.mark.parametrize("dataset", ["events", "users", "funnel"])
def test_xlsx_exports_hold_no_formulas(formula_api, dataset):
    body = {"dataset": dataset, "format": "xlsx", "options": OPTIONS.get(dataset, {})}
    response = formula_api.client.post("/analytics/export", json=body, headers=formula_api.headers("admin"))
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    assert_safe_cells([cell.value for cell in cells if isinstance(cell.value, str)], dataset)


@pytest.mark.parametrize(
    "command",
    [["export", "events"], ["predict", "churn"], ["recommend", "--user", USER]],
    ids=["export", "predict", "recommend"],
)
def test_cli_csv_files_are_neutralised(formula_api, tmp_path: Path, command):
    from analytics.cli import main

    out = tmp_path / "out.csv"
    assert main([*command, "--out", str(out), "--db", str(formula_api.db.path)]) == 0
    with out.open(newline="") as handle:
        cells = csv_cells(handle.read())
    assert_safe_cells(cells, " ".join(command))
    assert "'" + USER in cells or command[0] != "export"  # the user's id is a formula-like cell


def test_the_right_of_access_zip_is_neutralised(formula_api):
    archive = zipfile.ZipFile(io.BytesIO(export_user_data(formula_api.db, SYSTEM, USER)))
    tables = [name for name in archive.namelist() if name.endswith(".csv")]
    assert {"users.csv", "events.csv"} <= set(tables)
    neutralised = sum(assert_safe_cells(csv_cells(archive.read(name).decode()), name) for name in tables)
    assert neutralised >= len(FORMULAS)


TEXTS = st.one_of(st.sampled_from([*FORMULAS, "-5", "+3.5", "plain"]), st.text(max_size=8))


@settings(max_examples=150, deadline=None)
@given(
    frame=data_frames(
        [
            column("object", elements=st.one_of(TEXTS, st.integers(), st.none()), dtype=object),
            column("text", elements=TEXTS, dtype=str),
            column("number", elements=st.floats(allow_nan=False), dtype=float),
        ]
    ),
    as_category=st.booleans(),
    header=st.sampled_from(["plain", *FORMULAS]),
)
def test_dashboard_downloads_are_neutralised(frame, as_category, header):
    if as_category:
        frame["text"] = frame["text"].astype("category")
    frame = frame.rename(columns={"object": header}) if header not in frame.columns else frame
    text = csv_download(frame)()  # what a download button hands the browser when clicked
    cells = csv_cells(text)
    assert_safe_cells(cells, "csv_download")
    assert len(list(csv.reader(io.StringIO(text)))) == len(frame) + 1
