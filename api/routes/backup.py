"""POST /backup: a consistent backup taken by the running app (the CLI needs the app stopped)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from analytics.backup import backup_in_place
from api.deps import DatabaseDep, ViewerDep

router = APIRouter(tags=["backup"])


class BackupRequest(BaseModel):
    name: str | None = Field(
        default=None,
        description="Folder name under backups/ beside the database file; default pulse-YYYYMMDD-HHMMSS (UTC).",
    )


class BackupAnswer(BaseModel):
    folder: str
    schema_version: int
    tables: int
    rows: dict[str, int]
    seconds: float


@router.post("/backup", response_model=BackupAnswer)
def post_backup(body: BackupRequest, db: DatabaseDep, viewer: ViewerDep) -> BackupAnswer:
    """Write every table as Parquet with a manifest of row counts and checksums (admins; audited).

    One snapshot of every table while tracking and pages go on; restore it with
    `python -m analytics restore --from FOLDER --db NEW_FILE`.
    """
    summary = backup_in_place(db, viewer, body.name)
    return BackupAnswer(
        folder=str(summary.folder),
        schema_version=summary.schema_version,
        tables=len(summary.rows),
        rows=summary.rows,
        seconds=round(summary.seconds, 3),
    )
