"""Exports started from the app run in a background thread, so a page never waits for a large file.

Each account's files go to data/exports/downloads/<account>/; files older than a day are deleted when
the account starts a new export, so the folder does not grow without bound.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from analytics.db import Database
from analytics.export.datasets import ExportRequest, chosen_columns, get_dataset
from analytics.export.run import ExportResult, export_dataset
from analytics.export.schedules import exports_root
from analytics.export.writers import check_format
from analytics.viewer import Viewer
from config.permissions import Permission

KEEP_DOWNLOADS_S = 86_400
log = logging.getLogger("pulse.exports")


@dataclass
class ExportTask:
    """One export running in its own thread: rows written so far, then its result or its error."""

    dataset: str
    path: Path
    started_at: float = field(default_factory=time.monotonic)
    rows_written: int = 0
    result: ExportResult | None = None
    error: BaseException | None = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started_at


def downloads_folder(db: Database, account: str) -> Path:
    """Where `account`'s exports from the app are written."""
    return exports_root(db) / "downloads" / (re.sub(r"[^A-Za-z0-9_.@-]+", "_", account).strip(".") or "_")


def remove_old_files(folder: Path, *, older_than_s: float = KEEP_DOWNLOADS_S) -> int:
    """Delete files in `folder` last written more than `older_than_s` ago; return how many went."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    old = [path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < cutoff]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def start_export(
    db: Database,
    viewer: Viewer,
    request: ExportRequest,
    *,
    file_format: str,
    anonymise: bool = False,
    source: str | None = None,
) -> ExportTask:
    """Check the request, then export it to the viewer's downloads folder in a background thread.

    Mistakes found without reading data (permission, format, columns) raise here, at once; the others
    end up in `task.error`.
    """
    viewer.require(Permission.EXPORT_ANALYTICS)
    check_format(file_format)
    chosen_columns(get_dataset(request.dataset), request.columns)
    folder = downloads_folder(db, viewer.account)
    remove_old_files(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    task = ExportTask(dataset=request.dataset, path=folder / f"{request.dataset}-{stamp}.{file_format}")

    def progress(rows: int) -> None:
        task.rows_written = rows

    def work() -> None:
        try:
            task.result = export_dataset(
                db,
                viewer,
                request,
                task.path,
                file_format=file_format,
                anonymise=anonymise,
                progress=progress,
                source=source,
            )
        except Exception as exc:  # handed to the page, which shows AnalyticsError and re-raises bugs
            log.warning("export of %s failed: %s", request.dataset, exc)
            task.error = exc

    task.thread = threading.Thread(target=work, name=f"pulse-export-{request.dataset}", daemon=True)
    task.thread.start()
    return task
