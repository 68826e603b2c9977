"""docs/security.md holds the role × permission and role × page tables exactly as the code defines them."""

from __future__ import annotations

from pathlib import Path

from tests.analytics.auth.doc_tables import SECURITY_DOC, page_table, permission_table

ROOT = Path(__file__).resolve().parents[3]


def test_permission_table_is_documented():
    assert permission_table() in (ROOT / SECURITY_DOC).read_text(), permission_table()


def test_page_table_is_documented():
    assert page_table() in (ROOT / SECURITY_DOC).read_text(), page_table()
