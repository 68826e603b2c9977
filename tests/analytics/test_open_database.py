"""open_database: one Database per file, however its path is spelled."""

from __future__ import annotations

from analytics.db import forget_database, open_database


def test_spellings_of_one_file_share_a_database_and_relative_paths_follow_the_working_directory(
    tmp_path, monkeypatch
):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "a")
    monkeypatch.chdir(tmp_path / "a")
    here = open_database("pulse.duckdb")
    try:
        assert open_database(tmp_path / "link" / "pulse.duckdb") is here
        assert open_database(str(tmp_path / "a" / "pulse.duckdb")) is here
        monkeypatch.chdir(tmp_path / "b")
        there = open_database("pulse.duckdb")
        assert there is not here and there.path == tmp_path / "b" / "pulse.duckdb"
    finally:
        forget_database(tmp_path / "a" / "pulse.duckdb")
        forget_database(tmp_path / "b" / "pulse.duckdb")
