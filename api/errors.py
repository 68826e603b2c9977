"""One JSON shape for every API error: {"error": {"type", "message", "problems"}}."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from analytics.errors import AnalyticsError, ValidationError

NESTED_TOO_DEEPLY = (
    "The JSON body is nested too deeply to read; send events and options as flat objects "
    "(a few levels of nesting at most)."
)


class BodyRefused(StarletteHTTPException):
    """A request body refused while it is received (too large, not valid Unicode); `kind` is the error type."""

    def __init__(self, status_code: int, kind: str, message: str) -> None:
        super().__init__(status_code=status_code, detail=message)
        self.kind = kind


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


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Errors raised by the framework (unknown path, wrong method, unreadable body) in the same shape."""
    if isinstance(exc, BodyRefused):
        kind, status, message = exc.kind, exc.status_code, str(exc.detail)
    elif isinstance(
        exc.__cause__, RecursionError
    ):  # FastAPI reports json.loads running out of stack as a 400
        kind, status, message = "ValidationError", 422, NESTED_TOO_DEEPLY
    else:
        kind, status, message = (
            HTTPStatus(exc.status_code).phrase.replace(" ", ""),
            exc.status_code,
            str(exc.detail),
        )
    problems = [{"field": "body", "reason": message}] if status == 422 else []
    return JSONResponse(error_body(kind, message, problems), status_code=status, headers=exc.headers)


def install_error_handlers(api: FastAPI) -> None:
    """Translate AnalyticsError, request-shape errors and the framework's own errors into the one error shape."""
    api.add_exception_handler(AnalyticsError, _analytics_error)
    api.add_exception_handler(RequestValidationError, _request_validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
