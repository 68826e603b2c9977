"""Security headers on every API response, and Retry-After on rate-limited ones."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from analytics.auth.ratelimit import TokenRateLimited
from api.errors import error_body

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """ASGI middleware: nosniff, DENY framing and no referrer everywhere; no-store when a token was sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(name == b"authorization" for name, _ in scope.get("headers") or [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if authenticated:
                    headers = [(name, value) for name, value in headers if name.lower() != NO_STORE[0]]
                    headers.append(NO_STORE)
                headers.extend(ALWAYS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _rate_limited(_: Request, exc: TokenRateLimited) -> JSONResponse:
    return JSONResponse(
        error_body("RateLimited", str(exc)),
        status_code=exc.http_status,
        headers={"Retry-After": str(exc.retry_after_s)},
    )


def install_security(api: FastAPI) -> None:
    """Add the security headers and the 429 answer with Retry-After to `api`."""
    api.add_exception_handler(TokenRateLimited, _rate_limited)
    api.add_middleware(SecurityHeaders)
