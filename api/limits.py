"""Request guards: bodies over the configured size get 413, JSON text that is not valid Unicode gets 422.

Both refuse while the body is received, by raising BodyRefused from `receive`: FastAPI passes
HTTPExceptions raised while it reads a body on to the error handlers (api.errors), unlike other
exceptions, which it turns into a bare 400.
"""

from __future__ import annotations

import json
import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BodyRefused, error_body

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_ESCAPE_CHARS = 4
UNPAIRED_SURROGATE = (
    "The JSON body holds an unpaired UTF-16 surrogate escape (such as \\ud800 without its partner), "
    "which is not Unicode text; send text as UTF-8, or escape characters outside the BMP as pairs."
)


class BodySizeLimit:
    """ASGI middleware refusing request bodies larger than `max_bytes` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse(error_body("PayloadTooLarge", self._message()), status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyRefused(413, "PayloadTooLarge", self._message())
            return message

        await self.app(scope, counting_receive, send)

    def _message(self) -> str:
        return f"The request body exceeds {self.max_bytes} bytes."


class UnicodeBodyGuard:
    """ASGI middleware refusing JSON bodies whose strings hold unpaired surrogates (422).

    Python's JSON reader accepts an escaped lone surrogate such as "\\ud800", but such a string cannot be
    written as UTF-8, so the database and Arrow would fail on it deep inside a request. Bodies without
    a surrogate escape (nearly all) cost one byte scan; the others are parsed once more to be sure.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        suspect = False

        async def checking_receive() -> Message:
            nonlocal suspect
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            tail = chunks[-1][-(_ESCAPE_CHARS - 1) :] if chunks else b""
            suspect = suspect or SURROGATE_ESCAPE.search(tail + chunk) is not None
            chunks.append(chunk)
            if not message.get("more_body", False) and suspect and _has_lone_surrogate(b"".join(chunks)):
                raise BodyRefused(422, "ValidationError", UNPAIRED_SURROGATE)
            return message

        await self.app(scope, checking_receive, send)


def _has_lone_surrogate(body: bytes) -> bool:
    """Whether `body`, read as JSON, holds a string with an unpaired surrogate (False if it is not JSON)."""
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):  # not JSON, or too deep: FastAPI's own reading reports it
        return False
    return False
