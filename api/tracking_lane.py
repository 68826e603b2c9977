"""A short way to POST /analytics/track for the common call: JSON from a recently verified token.

FastAPI's routing, dependency solving and body reading cost about 0.3 ms of the one GIL per request,
as much as the rest of a single-event call outside the database. This ASGI middleware answers the
common call itself, with the same functions the route uses (token cache, rate limiter, track_events,
the app's error handlers and security headers), and hands every other request, with any body it has
read, to the app unchanged: other paths and methods, bodies over the size limit, not
`application/json`, not JSON, hold a surrogate escape or are not event objects, tokens not verified in
the last few seconds and rate-limited tokens. So every refusal other than those of track_events itself
comes from the app's own code.

Batches come this way too: the app would parse their JSON on the event loop as well, then spend about
as long again validating it against the payload model (py-spy under the mixed load test).

serve.py puts a second lane in front of Streamlit's own middleware and routing (`prefix` "/api/v1"),
which took a tenth of the event loop's time per tracking call; the API's own lane then serves the API
on its own (tests, other hosts). A call the front lane hands on is marked, so the API's lane does not
read it again.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from analytics.auth.ratelimit import TokenRateLimited
from analytics.auth.tokens import recently_verified
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.ingest import track_events, track_events_async
from api.deps import BEARER, rate_limiter
from api.limits import SURROGATE_ESCAPE
from api.routes.tracking import track_response
from api.security import SecurityHeaders

TRACK_PATH = "/analytics/track"
HANDED_ON = "pulse.tracking_lane_handed_on"
"""Scope key set by a lane that looked at a call (and answered it or handed it on)."""
LOOP_EVENTS = 100
"""Calls of up to this many events are read on the event loop and wait there for their write
(analytics.ingest.group_commit); larger ones are read in a worker thread (about 5 us an event)."""


class TrackingLane:
    """ASGI middleware answering small tracking calls of recently verified tokens; see the module.

    `prefix` is where `api` is mounted, for a lane in front of the mount."""

    def __init__(self, app: ASGIApp, api: FastAPI, prefix: str = "") -> None:
        self.app = app
        self.api = api
        self.path = prefix + TRACK_PATH

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = self.api.state.settings
        limit = settings.max_request_bytes
        token = None if scope.get(HANDED_ON) else _lane_token(scope, self.path, limit)
        if token is None:
            await self.app(scope, receive, send)
            return
        scope[HANDED_ON] = True  # whatever happens below, no lane behind this one looks at it again
        received, complete = await _read_body(receive, limit)
        db = open_database(settings.database_path, settings)
        identity = recently_verified(db, token)
        body = b"".join(message.get("body", b"") for message in received)
        payload = _events(body) if identity is not None and complete else None
        if payload is None:
            await self.app(scope, _replay(received, receive), send)
            return
        try:
            rate_limiter(settings.api_rate_limit_per_minute).check(identity.token_id)
        except TokenRateLimited:  # a refusal spends nothing: the app answers it as it always does
            await self.app(scope, _replay(received, receive), send)
            return
        try:
            if isinstance(payload, dict) or len(payload) <= LOOP_EVENTS:
                result = await track_events_async(db, identity.viewer, payload, settings=settings)
            else:
                result = await run_in_threadpool(
                    track_events, db, identity.viewer, payload, settings=settings
                )
        except AnalyticsError as exc:
            response = await self._error(Request(scope), exc)
        else:
            response = Response(track_response(result).model_dump_json(), media_type="application/json")
        await SecurityHeaders(response)(scope, receive, send)

    async def _error(self, request: Request, exc: AnalyticsError) -> Response:
        """The app's answer to `exc`, from the handler its exception middleware would pick."""
        handlers = self.api.exception_handlers
        handler = next(handlers[kind] for kind in type(exc).__mro__ if kind in handlers)
        return await handler(request, exc)


def _lane_token(scope: Scope, path: str, limit: int) -> str | None:
    """The bearer token of a POST to `path` with a JSON body declared at most `limit` bytes."""
    if scope["type"] != "http" or scope["method"] != "POST" or get_route_path(scope) != path:
        return None
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        found.setdefault(name, value)
    length = found.get(b"content-length", b"")
    if found.get(b"content-type") != b"application/json" or not length.isdigit():
        return None
    authorization = found.get(b"authorization", b"").decode("latin-1")
    token = authorization[len(BEARER) :].strip()
    if int(length) > limit or authorization[: len(BEARER)].lower() != BEARER or not token:
        return None
    return token


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bool]:
    """The messages of the request body read up to `limit` bytes, and whether that was all of it."""
    received: list[Message] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or size > limit:
            return received, False
        if not message.get("more_body", False):
            return received, True


def _replay(received: list[Message], receive: Receive) -> Receive:
    """A `receive` giving the messages already read, then the rest of the request."""
    waiting = list(received)

    async def replaying() -> Message:
        return waiting.pop(0) if waiting else await receive()

    return replaying


def _events(body: bytes) -> dict[str, Any] | list[dict[str, Any]] | None:
    """The body as one event object or a list of them, or None when the app should judge it."""
    if SURROGATE_ESCAPE.search(body):
        return None
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(payload, dict) or (
        isinstance(payload, list) and all(isinstance(event, dict) for event in payload)
    ):
        return payload
    return None
