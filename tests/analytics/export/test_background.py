"""Exports started from the app: run in a thread, report rows, keep errors, tidy the downloads folder."""

from __future__ import annotations

import os
import time

import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.export import ExportRequest
from analytics.export.background import downloads_folder, remove_old_files, start_export
from analytics.viewer import Viewer


def test_an_export_runs_in_a_thread_into_the_accounts_folder(filled, analyst):
    task = start_export(filled, analyst, ExportRequest("events"), file_format="csv", source="ui")
    task.thread.join(timeout=30)
    assert not task.running and task.error is None
    assert task.result.rows == task.rows_written == 8
    assert task.path.parent == downloads_folder(filled, "ana") and task.path.exists()


def test_errors_found_while_reading_are_kept_for_the_page(filled, analyst):
    task = start_export(filled, analyst, ExportRequest("funnel"), file_format="csv")
    task.thread.join(timeout=30)
    assert isinstance(task.error, AnalyticsError) and "needs the 'steps' option" in str(task.error)


def test_mistakes_found_without_data_raise_at_once(filled, analyst):
    with pytest.raises(PermissionDenied):
        start_export(
            filled, Viewer.for_role("pm", "product_manager"), ExportRequest("events"), file_format="csv"
        )
    with pytest.raises(AnalyticsError, match="no column 'age'"):
        start_export(filled, analyst, ExportRequest("users", columns=("age",)), file_format="csv")


def test_files_older_than_a_day_are_removed(tmp_path):
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("x")
    new.write_text("y")
    two_days_ago = time.time() - 2 * 86_400
    os.utime(old, (two_days_ago, two_days_ago))
    assert remove_old_files(tmp_path) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["new.csv"]
    assert remove_old_files(tmp_path / "missing") == 0
