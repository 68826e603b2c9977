"""Pulse's REST API, mounted under /api/v1 in the same process as the UI (see serve.py)."""

from api.app import create_api

__all__ = ["create_api"]
