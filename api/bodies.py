"""Request bodies of the action endpoints, and the state of a background job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models import GeneratedRecommendation


class Body(BaseModel):
    """A request body: unknown fields are refused (422) rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PredictionRunRequest(Body):
    as_of: date | None = Field(None, description="Predict as of this day; default: the last day with data.")


class RecommendRequest(Body):
    user_ids: list[str] = Field(min_length=1, max_length=1000, description="Users to recommend to (1-1000).")
    k: int = Field(10, ge=1, le=100, description="Most recommendations per user.")
    as_of: date | None = Field(
        None, description="Recommend as of the end of this day; default: the last day with data."
    )


class GeneratedRecommendations(BaseModel):
    items: list[GeneratedRecommendation]


class CompareRequest(Body):
    user_ids: list[str] = Field(min_length=1, max_length=10, description="1-10 users, shown in this order.")


class BatchAnalysisRequest(Body):
    tasks: list[Literal["predictions", "recommendations"]] = Field(
        default=["predictions", "recommendations"],
        min_length=1,
        description="What to run, in order: every prediction model, then recommendations for active users.",
    )
    as_of: date | None = Field(None, description="Run as of this day; default: the last day with data.")


class ExportBody(Body):
    dataset: str = Field(description="events, users, sessions, daily_metrics, retention, funnel, metric, ...")
    format: Literal["csv", "parquet", "jsonl", "xlsx"] = "csv"
    start: date | None = Field(None, description="First day (reporting zone); default: all data.")
    end: date | None = None
    segment: dict[str, str] = Field(
        default_factory=dict, description='Users matching all, e.g. {"plan": "pro"}.'
    )
    activity_types: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list, description="Columns to write; default: all.")
    options: dict[str, Any] = Field(default_factory=dict, description="The dataset's own options.")
    anonymise: bool = Field(
        False, description="Pseudonymous user ids, no names or emails, IPs cut to networks."
    )


class JobInfo(BaseModel):
    """A background job's state; poll `status_url` until status is succeeded or failed."""

    job_id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(description="Share done, 0 to 1.")
    message: str
    account: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    options: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    status_url: str
