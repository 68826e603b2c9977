"""Pages of list responses: `limit` (≤ 1000) with `offset` or the opaque `cursor` of the previous page.

A response holds `items`, `total` (rows in the whole list), `limit`, `offset` and `next`: the cursor
of the following page, or null on the last one. A cursor is the next offset, base64-encoded, so a
client needs no arithmetic; lists are in a fixed order, so walking the cursors visits every row once
while the data does not change.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

import pandas as pd
from fastapi import Depends, Query
from pydantic import BaseModel, Field

from analytics.errors import ValidationError
from api.models import Model, rows

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list."""

    items: list[Item]
    total: int = Field(description="Rows in the whole list.")
    limit: int
    offset: int
    next: str | None = Field(description="Pass as ?cursor= to get the following page; null on the last page.")


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list the client asked for."""

    limit: int
    offset: int

    def page(self, items: Sequence[Item]) -> Page[Item]:
        """The requested slice of `items` (the whole list, in its fixed order)."""
        return self._page(list(items[self.offset : self.offset + self.limit]), len(items))

    def frame_page(self, frame: pd.DataFrame, model: type[Model]) -> Page[Model]:
        """The requested slice of `frame`'s rows as `model`s (only the slice is converted)."""
        return self._page(rows(frame.iloc[self.offset : self.offset + self.limit], model), len(frame))

    def _page(self, items: list, total: int) -> Page:
        end = self.offset + self.limit
        following = encode_cursor(end) if end < total else None
        return Page(items=items, total=total, limit=self.limit, offset=self.offset, next=following)


def encode_cursor(offset: int) -> str:
    """The opaque cursor of the page starting at `offset`."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; ValidationError (422) for anything `encode_cursor` did not make."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = data["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise _bad_cursor(cursor) from exc
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise _bad_cursor(cursor)
    return offset


def _bad_cursor(cursor: str) -> ValidationError:
    message = f"The cursor {cursor[:40]!r} is not one this API gave out; pass the 'next' value of a page."
    return ValidationError(message, [{"field": "query.cursor", "reason": message}])


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1 to {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Rows to skip (ignored with a cursor).")] = 0,
    cursor: Annotated[str | None, Query(description="The 'next' value of the previous page.")] = None,
) -> PageRequest:
    """The page asked for by ?limit= and ?offset= or ?cursor=."""
    return PageRequest(limit=limit, offset=offset if cursor is None else decode_cursor(cursor))


PageDep = Annotated[PageRequest, Depends(page_request)]
