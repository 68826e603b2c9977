"""The API explorer at /api/v1/docs, served entirely by Pulse: it works without internet access.

FastAPI's default docs page loads Swagger UI from a CDN, so it is switched off. When the
`swagger-ui-bundle` package is installed, its Swagger UI files are served from /docs/assets/; otherwise
/docs is Pulse's own small explorer (`static/explorer.html`), which reads the same OpenAPI document,
lists every endpoint with its parameters and answers, and can send requests with a bearer token.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from analytics.errors import NotFoundError

EXPLORER_PAGE = Path(__file__).resolve().parent / "static" / "explorer.html"
SWAGGER_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
"""The Swagger UI files the docs page loads; nothing else under the package's folder is served."""


def swagger_ui_folder() -> Path | None:
    """The folder of Swagger UI's files from the swagger-ui-bundle package, or None when it is missing."""
    if find_spec("swagger_ui_bundle") is None:
        return None
    from swagger_ui_bundle import swagger_ui_path

    folder = Path(swagger_ui_path)
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def install_docs(api: FastAPI, *, swagger_folder: Path | None = None) -> None:
    """Serve /docs (Swagger UI from `swagger_folder`, default: the installed package; else the explorer)."""
    folder = swagger_folder or swagger_ui_folder()

    if folder is None:

        @api.get("/docs", include_in_schema=False)
        def explorer() -> FileResponse:
            return FileResponse(EXPLORER_PAGE, media_type="text/html")

        return

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
