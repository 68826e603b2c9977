"""The API's operations read from its OpenAPI document, so tests cover every endpoint, new ones included."""

from __future__ import annotations

from api import create_api

SPEC = create_api().openapi()
NOT_DATA = {"/analytics/health", "/me", "/analytics/realtime", "/analytics/batch-analysis/{job_id}"}


def operations(method: str, *, with_query: str | None = None) -> list[str]:
    """Paths of the document's `method` operations (optionally only those taking query parameter `with_query`)."""
    found = []
    for path, methods in SPEC["paths"].items():
        operation = methods.get(method)
        if operation is None or path in NOT_DATA:
            continue
        names = {
            parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"
        }
        if with_query is None or with_query in names:
            found.append(path)
    return found
