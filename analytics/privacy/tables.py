"""Where personal data lives: every table with a user_id column, found from information_schema.

Found at run time, not listed, so tables that later migrations add are erased and exported too.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics.db import quote_ident

USER_COLUMN = "user_id"
ACCOUNTS_TABLE = "accounts"


@dataclass(frozen=True)
class UserTable:
    """A base table of the open database that holds a user_id column."""

    schema: str
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    """DuckDB type names of `columns`, such as 'TIMESTAMP', 'JSON' or 'VARCHAR[]'."""

    @property
    def sql_name(self) -> str:
        """The table's quoted, schema-qualified name for SQL."""
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    @property
    def label(self) -> str:
        """The name shown to people and used for file names: `name`, or `schema.name` outside main."""
        return self.name if self.schema == "main" else f"{self.schema}.{self.name}"


def user_tables(cursor: duckdb.DuckDBPyConnection) -> list[UserTable]:
    """Every base table of the database file (not temporary ones) that has a user_id column, by name."""
    rows = cursor.execute(
        """SELECT c.table_schema, c.table_name, list(c.column_name ORDER BY c.ordinal_position),
                  list(c.data_type ORDER BY c.ordinal_position)
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
           WHERE c.table_catalog = current_database() AND t.table_type = 'BASE TABLE'
           GROUP BY ALL
           HAVING list_contains(list(c.column_name), ?)
           ORDER BY c.table_schema, c.table_name""",
        [USER_COLUMN],
    ).fetchall()
    return [UserTable(schema, name, tuple(columns), tuple(types)) for schema, name, columns, types in rows]
