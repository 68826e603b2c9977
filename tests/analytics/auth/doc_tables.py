"""Markdown tables of docs/security.md, generated from the code so the document cannot drift."""

from __future__ import annotations

from analytics.viewer import Viewer
from config.permissions import LOGIN_ROLES, Permission, role_permissions
from ui.navigation import PAGES, allowed_pages

SECURITY_DOC = "docs/security.md"
YES, NO = "✓", "–"
ALL_ROLES = (*LOGIN_ROLES, "tracker")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def permission_table() -> str:
    """Role × permission, from config/roles.toml."""
    roles = role_permissions()
    rows = [[f"`{p}`", *(YES if p in roles[role] else NO for role in ALL_ROLES)] for p in Permission]
    return markdown_table(["permission", *ALL_ROLES], rows)


def page_table() -> str:
    """Role × page, from ui/navigation.PAGES (tracking tokens cannot sign in, so no tracker column)."""
    opens = {role: {s.path for s in allowed_pages(Viewer.for_role(role, role, "u1"))} for role in LOGIN_ROLES}
    rows = [
        [f"{spec.title} (`{spec.path}`)", *(YES if spec.path in opens[role] else NO for role in LOGIN_ROLES)]
        for spec in PAGES
    ]
    return markdown_table(["page", *LOGIN_ROLES], rows)
