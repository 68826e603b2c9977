"""Background jobs of the API (batch analysis, prediction runs): queued, run one at a time, polled by id.

Jobs run in one worker thread, so two heavy runs never compete for the machine's cores, and their
state lives in this process: a restart forgets them (the results they wrote stay in the database).
A job is visible to the account that started it and to administrators; to anyone else it does not exist.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from analytics.errors import AnalyticsError, NotFoundError
from analytics.viewer import Viewer
from config.permissions import Permission

KEPT_JOBS = 200
LOG = logging.getLogger(__name__)
Report = Callable[[float, str], None]
"""Called by a job's work with the share done (0..1) and what it is doing now."""
Work = Callable[[Report], dict[str, Any]]
"""A job's work: returns its JSON-ready result."""


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Job:
    """One job's state; read it through `JobRunner.get`, which copies it under the runner's lock."""

    job_id: str
    kind: str
    account: str
    created_at: datetime
    status: JobStatus = JobStatus.QUEUED
    progress: float = 0.0
    message: str = "queued"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


class JobRunner:
    """Queues jobs for one worker thread and keeps the state of the last `kept` of them."""

    def __init__(self, kept: int = KEPT_JOBS) -> None:
        self.kept = kept
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, viewer: Viewer, kind: str, work: Work, *, options: dict[str, Any] | None = None) -> Job:
        """Queue `work` on behalf of `viewer`; returns the queued job's state."""
        job = Job(
            job_id=uuid.uuid4().hex,
            kind=kind,
            account=viewer.account,
            created_at=_now(),
            options=options or {},
        )
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_oldest_finished()
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-job")
            executor = self._executor
            queued = self._copy(job)
        executor.submit(self._run, job, work)
        return queued

    def get(self, viewer: Viewer, job_id: str) -> Job:
        """A copy of the job's state; NotFoundError unless it exists and `viewer` started it (or is an admin)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not (job.account == viewer.account or viewer.can(Permission.MANAGE_ACCOUNTS)):
                raise NotFoundError(
                    f"No job has the id {job_id!r} (jobs are kept in memory until the server restarts)."
                )
            return self._copy(job)

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until every queued job has finished (tests, shutdown)."""
        with self._lock:
            executor = self._executor
        if executor is not None:
            executor.submit(lambda: None).result(timeout=timeout_s)

    def _run(self, job: Job, work: Work) -> None:
        self._update(job, status=JobStatus.RUNNING, started_at=_now(), message="started")

        def report(share: float, message: str) -> None:
            self._update(job, progress=round(min(max(share, 0.0), 1.0), 4), message=message)

        try:
            result = work(report)
        except AnalyticsError as exc:
            self._update(job, status=JobStatus.FAILED, error=str(exc), finished_at=_now(), message="failed")
        except Exception as exc:  # a bug: logged with its traceback, reported on the job
            LOG.exception("job %s (%s) failed", job.job_id, job.kind)
            error = f"{type(exc).__name__}: {exc}"
            self._update(job, status=JobStatus.FAILED, error=error, finished_at=_now(), message="failed")
        else:
            self._update(
                job,
                status=JobStatus.SUCCEEDED,
                result=result,
                progress=1.0,
                finished_at=_now(),
                message="done",
            )

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)

    def _copy(self, job: Job) -> Job:
        return Job(**{name: getattr(job, name) for name in job.__dataclass_fields__})

    def _forget_oldest_finished(self) -> None:
        finished = (JobStatus.SUCCEEDED, JobStatus.FAILED)
        excess = len(self._jobs) - self.kept
        for job_id in [key for key, job in self._jobs.items() if job.status in finished][: max(excess, 0)]:
            del self._jobs[job_id]


JOBS = JobRunner()
"""The process's job runner."""
