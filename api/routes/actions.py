"""POST /analytics/predictions, /recommendations, /compare, /export, /batch-analysis; GET a job's state.

Long runs (every prediction model, recommendations for everyone) are background jobs: the POST
answers 202 with the job, whose `status_url` (GET /analytics/batch-analysis/{job_id}) tells how far it
got and, at the end, what it wrote. Short actions answer at once.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from analytics.db import Database
from analytics.errors import PermissionDenied
from analytics.export import ExportRequest, export_dataset
from analytics.export.writers import MEDIA_TYPES
from analytics.filters import check_day
from analytics.peers import compare_users
from analytics.predict import run_batch
from analytics.recommend import generate_recommendations
from analytics.viewer import Viewer
from api.bodies import (
    BatchAnalysisRequest,
    CompareRequest,
    ExportBody,
    GeneratedRecommendations,
    JobInfo,
    PredictionRunRequest,
    RecommendRequest,
)
from api.deps import DatabaseDep, ViewerDep
from api.jobs import JOBS, Job, Report
from api.models import ComparedUser, Comparison, GeneratedRecommendation, Period, rows
from api.params import API_SOURCE, FiltersDep, audit_view
from config.permissions import Permission

router = APIRouter(tags=["actions"])
JobIdPath = Annotated[str, Path(description="The job_id a POST answered with.")]
TASK_PERMISSIONS = {
    "predictions": Permission.GENERATE_PREDICTIONS,
    "recommendations": Permission.GENERATE_RECOMMENDATIONS,
}


def job_info(job: Job, request: Request) -> JobInfo:
    """The job's state as the API shows it, with the URL to poll."""
    status_url = str(request.url_for("get_batch_analysis", job_id=job.job_id))
    return JobInfo(
        job_id=job.job_id,
        kind=job.kind,
        status=job.status.value,
        progress=job.progress,
        message=job.message,
        account=job.account,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        options=job.options,
        result=job.result,
        error=job.error,
        status_url=status_url,
    )


def _start(db: Database, viewer: Viewer, tasks: list[str], as_of: date | None) -> Job:
    """Queue `tasks` (in order) as one job; the permissions are checked now, so a refusal is a 403."""
    for task in tasks:
        viewer.require(TASK_PERMISSIONS[task])
    if as_of is not None:
        check_day(as_of, "as_of")

    def work(report: Report) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for index, task in enumerate(tasks):
            share, width = index / len(tasks), 1 / len(tasks)

            def step(
                done: float, message: str, task: str = task, share: float = share, width: float = width
            ) -> None:
                report(share + width * done, f"{task}: {message}")

            if task == "predictions":
                summary = run_batch(db, viewer, as_of=as_of, progress=step)
                result[task] = {
                    "as_of": summary.as_of.isoformat(),
                    "rows": summary.rows,
                    "seconds": summary.seconds,
                }
            else:
                stored = generate_recommendations(
                    db, viewer, as_of=as_of, progress=lambda text: step(0.5, text)
                )
                result[task] = {"rows": len(stored), "users": int(stored["user_id"].nunique())}
        return result

    options = {"tasks": tasks, "as_of": None if as_of is None else as_of.isoformat()}
    return JOBS.submit(viewer, "batch-analysis" if len(tasks) > 1 else tasks[0], work, options=options)


@router.post("/analytics/predictions", response_model=JobInfo, status_code=202)
def run_predictions(
    db: DatabaseDep, viewer: ViewerDep, request: Request, body: PredictionRunRequest
) -> JobInfo:
    """Start a prediction run (churn, engagement, performance, skill for every user) in the background."""
    return job_info(_start(db, viewer, ["predictions"], body.as_of), request)


@router.post("/analytics/batch-analysis", response_model=JobInfo, status_code=202)
def run_batch_analysis(
    db: DatabaseDep, viewer: ViewerDep, request: Request, body: BatchAnalysisRequest
) -> JobInfo:
    """Start every prediction model and recommendations for all active users, in the background."""
    return job_info(_start(db, viewer, list(dict.fromkeys(body.tasks)), body.as_of), request)


@router.get("/analytics/batch-analysis/{job_id}", response_model=JobInfo)
def get_batch_analysis(viewer: ViewerDep, request: Request, job_id: JobIdPath) -> JobInfo:
    """A background job's state: queued, running (with progress), succeeded (with its result) or failed."""
    if not any(viewer.can(permission) for permission in TASK_PERMISSIONS.values()):
        raise PermissionDenied(
            f"Account {viewer.account!r} ({viewer.role}) starts no jobs, so it has none to follow: "
            f"that needs the {' or '.join(TASK_PERMISSIONS.values())} permission."
        )
    return job_info(JOBS.get(viewer, job_id), request)


@router.post("/analytics/recommendations", response_model=GeneratedRecommendations)
def recommend(
    db: DatabaseDep, viewer: ViewerDep, request: Request, body: RecommendRequest
) -> GeneratedRecommendations:
    """Generate and store recommendations for the named users now (for everyone, use batch-analysis)."""
    stored = generate_recommendations(db, viewer, as_of=body.as_of, user_ids=body.user_ids, k=body.k)
    audit_view(db, viewer, body.user_ids, request)
    return GeneratedRecommendations(items=rows(stored, GeneratedRecommendation))


@router.post("/analytics/compare", response_model=Comparison)
def compare(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, body: CompareRequest
) -> Comparison:
    """Up to ten users side by side over the period (the query's filters): activity and performance."""
    found = compare_users(db, viewer, body.user_ids, filters)
    audit_view(db, viewer, body.user_ids, request)
    return Comparison(period=Period.of(filters), users=rows(found, ComparedUser))


@router.post(
    "/analytics/export",
    response_class=FileResponse,
    responses={200: {"description": "The file.", "content": {media: {} for media in MEDIA_TYPES.values()}}},
)
def export(db: DatabaseDep, viewer: ViewerDep, request: Request, body: ExportBody) -> FileResponse:
    """Export a dataset as CSV, Parquet, JSON Lines or xlsx (streamed to a file, then sent; audited)."""
    folder = FilePath(tempfile.mkdtemp(prefix="pulse-export-"))
    name = f"{body.dataset}.{body.format}"
    try:
        export_dataset(
            db,
            viewer,
            ExportRequest(
                dataset=body.dataset,
                start=body.start,
                end=body.end,
                segment=tuple(sorted(body.segment.items())),
                activity_types=tuple(body.activity_types),
                columns=tuple(body.columns),
                options=body.options,
            ),
            folder / name,
            file_format=body.format,
            anonymise=body.anonymise,
            source=API_SOURCE,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        folder / name,
        media_type=MEDIA_TYPES[body.format],
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
