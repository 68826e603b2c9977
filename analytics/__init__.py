"""Pulse's analytics: every computation, independent of the UI and the API."""

__version__ = "0.1.0"
