"""The one process: Streamlit's ASGI app serving the UI, with the REST API mounted at /api/v1.

Run with `streamlit run serve.py` (what `make run` does). UI sessions and API calls share this
process's single DuckDB connection.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Mount

from api import create_api
from api.tracking_lane import TrackingLane
from ui.lifespan import lifespan

API_PREFIX = "/api/v1"

api = create_api()
app = st.App(
    "app.py",
    routes=[Mount(API_PREFIX, api)],
    # Tracking calls are answered before Streamlit's middleware and routing (api/tracking_lane.py).
    middleware=[Middleware(TrackingLane, api=api, prefix=API_PREFIX)],
    lifespan=lifespan,
)
