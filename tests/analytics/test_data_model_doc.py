"""docs/data-model.md describes every table and column of a freshly migrated database."""

from __future__ import annotations

import re

from config.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "data-model.md"


def documented_columns() -> dict[str, set[str]]:
    """Columns listed under each `### \\`table\\`` heading of the document."""
    found: dict[str, set[str]] = {}
    table = None
    for line in DOC.read_text().splitlines():
        heading = re.match(r"^### `(\w+)`", line)
        if heading:
            table = heading.group(1)
            found[table] = set()
        elif table and (column := re.match(r"^\| `(\w+)` \|", line)):
            found[table].add(column.group(1))
    return found


def test_every_table_and_column_is_documented(db):
    actual: dict[str, set[str]] = {}
    for table, column in db.rows(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ):
        actual.setdefault(table, set()).add(column)
    assert documented_columns() == actual
