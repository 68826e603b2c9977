"""The one process: Streamlit's ASGI app serving the UI, with the REST API mounted at /api/v1.

Run with `streamlit run serve.py` (what `make run` does). UI sessions and API calls share this
process's single DuckDB connection.
"""

from __future__ import annotations

import streamlit as st
from starlette.routing import Mount

from api import create_api
from ui.lifespan import lifespan

app = st.App("app.py", routes=[Mount("/api/v1", create_api())], lifespan=lifespan)
