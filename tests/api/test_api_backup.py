"""POST /backup: the running app backs itself up while tracking goes on; the backup restores exactly."""

from __future__ import annotations

import threading

import duckdb

from analytics.backup import BACKUPS_FOLDER, read_manifest, restore_database, table_checksums


def _track(env, batch: int) -> None:
    events = [
        {"event_id": f"b{batch}-{n}", "user_id": f"u{n % 5}", "activity_type": "lesson",
         "timestamp": "2025-06-01T10:00:00Z"}
        for n in range(200)
    ]  # fmt: skip
    answer = env.client.post("/analytics/track", json=events, headers=env.headers("tracker"))
    assert answer.status_code == 200, answer.text


def test_backup_during_tracking_is_one_moment_and_restores_table_for_table(api_env, tmp_path):
    _track(api_env, 0)
    stop = threading.Event()

    def keep_tracking() -> None:
        batch = 1
        while not stop.is_set():
            _track(api_env, batch)
            batch += 1

    writer = threading.Thread(target=keep_tracking)
    writer.start()
    try:
        answer = api_env.client.post("/backup", json={"name": "nightly"}, headers=api_env.headers("admin"))
    finally:
        stop.set()
        writer.join()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["folder"] == str((api_env.db.path.parent / BACKUPS_FOLDER / "nightly").resolve())
    events_in_backup = body["rows"]["events"]
    assert events_in_backup % 200 == 0 and events_in_backup >= 200  # whole tracking calls only

    restored = tmp_path / "restored.duckdb"
    restore_database(body["folder"], restored)
    connection = duckdb.connect(str(restored), read_only=True)
    try:
        assert table_checksums(connection) == read_manifest(body["folder"])["tables"]
    finally:
        connection.close()


def test_only_admins_back_up_and_a_name_cannot_leave_the_backups_folder(api_env):
    for role in ("analyst", "product_manager", "member"):
        assert api_env.client.post("/backup", json={}, headers=api_env.headers(role)).status_code == 403
    for name in ("../outside", "/tmp/x", ".hidden", "a/b", ""):
        answer = api_env.client.post("/backup", json={"name": name}, headers=api_env.headers("admin"))
        if name == "":  # empty means the default, timestamped name
            assert answer.status_code == 200, answer.text
            continue
        assert answer.status_code == 400, (name, answer.text)
        assert "not allowed" in answer.json()["error"]["message"]
    assert not (api_env.db.path.parent / "outside").exists()


def test_a_second_backup_with_the_same_name_is_refused(api_env):
    first = api_env.client.post("/backup", json={"name": "once"}, headers=api_env.headers("admin"))
    again = api_env.client.post("/backup", json={"name": "once"}, headers=api_env.headers("admin"))
    assert first.status_code == 200 and again.status_code == 400
    assert "not empty" in again.json()["error"]["message"]
