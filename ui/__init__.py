"""Presentation helpers shared by app.py and pages/: navigation, login, errors, caching, widgets."""
