"""The API explorer at /api/v1/docs, served entirely by Pulse: it works without internet access.

FastAPI's default docs page loads Swagger UI from a CDN, so it is switched off; the Swagger UI files of
the pinned `swagger-ui-bundle` package are served from /docs/assets/ instead.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from analytics.errors import NotFoundError

SWAGGER_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
"""The Swagger UI files the docs page loads; nothing else under the package's folder is served."""


def install_docs(api: FastAPI, *, swagger_folder: Path | None = None) -> None:
    """Serve /docs with Swagger UI's files from `swagger_folder` (default: the installed package)."""
    folder = swagger_folder or Path(swagger_ui_path)

    @api.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        def asset(name: str) -> str:
            return str(request.url_for("docs_asset", name=name))

        return get_swagger_ui_html(
            openapi_url=str(request.url_for("openapi")),
            title=f"{api.title} — explorer",
            swagger_js_url=asset("swagger-ui-bundle.js"),
            swagger_css_url=asset("swagger-ui.css"),
            swagger_favicon_url=asset("favicon-32x32.png"),
            swagger_ui_parameters={"persistAuthorization": False, "tryItOutEnabled": True},
        )

    @api.get("/docs/assets/{name}", name="docs_asset", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        if name not in SWAGGER_FILES or not (folder / name).is_file():
            raise NotFoundError(f"The docs page has no asset {name!r}.")
        return FileResponse(folder / name, media_type=SWAGGER_FILES[name])
