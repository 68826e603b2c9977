"""Problems found in input, and the one error that reports them: where, what was received, what is allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from analytics.errors import ValidationError

PROBLEMS_SHOWN = 20
VALUE_SHOWN_CHARS = 80


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input; `row` and `field` are None when it concerns a whole file or column."""

    source: str
    row: int | None
    field: str | None
    reason: str
    row_word: str = "row"
    field_word: str = "column"

    def describe(self) -> str:
        """E.g. "events.csv row 17, column timestamp: 'yesterday' is not ISO 8601 ..."."""
        where = " ".join(part for part in (self.source, self._row_part()) if part)
        if self.field is not None:
            where = ", ".join(part for part in (where, f"{self.field_word} {self.field}") if part)
        return f"{where}: {self.reason}" if where else self.reason

    def _row_part(self) -> str:
        return f"{self.row_word} {self.row}" if self.row is not None else ""

    def as_dict(self) -> dict[str, object]:
        """The problem for API clients: row, field and reason (and the file, when there is one)."""
        found: dict[str, object] = {"row": self.row, "field": self.field, "reason": self.reason}
        if self.source:
            found = {"source": self.source, **found}
        return found


def shown(value: str) -> str:
    """`value` quoted for a message, shortened when long."""
    if len(value) > VALUE_SHOWN_CHARS:
        value = value[: VALUE_SHOWN_CHARS - 3] + "..."
    return repr(value)


def refuse(problems: list[Problem], total: int, *, nothing: str) -> NoReturn:
    """Raise ValidationError listing the first problems and the total; `nothing` says what was not done."""
    count = f"{total} problem" + ("s" if total != 1 else "")
    heading = f"{nothing}: {count} found"
    if total > PROBLEMS_SHOWN:
        heading += f"; the first {PROBLEMS_SHOWN}"
    lines = [problem.describe() for problem in problems[:PROBLEMS_SHOWN]]
    raise ValidationError(heading + ":\n  " + "\n  ".join(lines), [p.as_dict() for p in problems])
