"""The data contract of each import kind: which fields exist, which are required, what each must hold."""

from __future__ import annotations

from dataclasses import dataclass

TEXT = "text"
TIMESTAMP = "timestamp"
OBJECT = "object"
BOOLEAN = "boolean"

SQL_TYPES = {TEXT: "VARCHAR", TIMESTAMP: "TIMESTAMP", OBJECT: "JSON", BOOLEAN: "BOOLEAN"}


@dataclass(frozen=True)
class Field:
    """One recognised input field: its name, what it must hold and whether a value is required."""

    name: str
    kind: str
    required: bool = False


@dataclass(frozen=True)
class Kind:
    """What an import (or a tracking batch) carries; columns outside `fields` go into `object_field`."""

    name: str
    fields: tuple[Field, ...]
    object_field: str
    derives_event_id: bool = False

    def field(self, name: str) -> Field | None:
        """The recognised field called `name` (compared case-insensitively), or None."""
        lowered = name.lower()
        return next((f for f in self.fields if f.name == lowered), None)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


EVENTS = Kind(
    name="events",
    fields=(
        Field("event_id", TEXT),
        Field("user_id", TEXT, required=True),
        Field("activity_type", TEXT, required=True),
        Field("timestamp", TIMESTAMP, required=True),
        Field("session_id", TEXT),
        Field("properties", OBJECT),
        Field("ip_address", TEXT),
        Field("user_agent", TEXT),
        Field("country", TEXT),
        Field("city", TEXT),
    ),
    object_field="properties",
    derives_event_id=True,
)

USERS = Kind(
    name="users",
    fields=(
        Field("user_id", TEXT, required=True),
        Field("display_name", TEXT),
        Field("email", TEXT),
        Field("signup_at", TIMESTAMP),
        Field("plan", TEXT),
        Field("country", TEXT),
        Field("platform", TEXT),
        Field("consent_analytics", BOOLEAN),
        Field("attributes", OBJECT),
    ),
    object_field="attributes",
)

KINDS = {kind.name: kind for kind in (EVENTS, USERS)}
