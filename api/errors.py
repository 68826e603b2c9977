"""One JSON shape for every API error: {"error": {"type", "message", "problems"}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from analytics.errors import AnalyticsError, ValidationError


def error_body(kind: str, message: str, problems: list | None = None) -> dict:
    return {"error": {"type": kind, "message": message, "problems": problems or []}}


async def _analytics_error(_: Request, exc: AnalyticsError) -> JSONResponse:
    problems = exc.problems if isinstance(exc, ValidationError) else []
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return JSONResponse(
        error_body(type(exc).__name__, str(exc), problems), status_code=exc.http_status, headers=headers
    )


async def _request_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [
        {"field": ".".join(str(part) for part in error["loc"]), "reason": error["msg"]}
        for error in exc.errors()
    ]
    message = "; ".join(f"{p['field']}: {p['reason']}" for p in problems[:5])
    return JSONResponse(error_body("ValidationError", message, problems), status_code=422)


def install_error_handlers(api: FastAPI) -> None:
    """Translate AnalyticsError and request-shape errors into the one error shape."""
    api.add_exception_handler(AnalyticsError, _analytics_error)
    api.add_exception_handler(RequestValidationError, _request_validation_error)
