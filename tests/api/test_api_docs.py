"""The API explorer at /docs works offline: nothing is loaded from a host other than Pulse itself."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_api
from api.docs_assets import install_docs
from api.errors import install_error_handlers

EXTERNAL = re.compile(r"""(src|href)=["']?(https?:)?//(?!testserver/)""")


def test_docs_page_loads_nothing_from_other_hosts():
    client = TestClient(create_api())
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not EXTERNAL.search(page.text), EXTERNAL.search(page.text)
    assert "cdn." not in page.text
    assert client.get("/openapi.json").json()["info"]["title"] == "Pulse API"


def test_the_cdn_pages_are_gone():
    client = TestClient(create_api())
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_swagger_ui_is_served_from_a_local_folder(tmp_path: Path):
    (tmp_path / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = function () {};")
    (tmp_path / "swagger-ui.css").write_text("body {}")
    (tmp_path / "secret.txt").write_text("not served")
    api = FastAPI(docs_url=None, redoc_url=None)
    install_error_handlers(api)
    install_docs(api, swagger_folder=tmp_path)
    client = TestClient(api, root_path="/api/v1")
    page = client.get("/docs").text
    assert "http://testserver/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "http://testserver/api/v1/openapi.json" in page
    assert not EXTERNAL.search(page) and "cdn." not in page
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert client.get("/docs/assets/secret.txt").status_code == 404
    assert client.get("/docs/assets/..%2Fsecret.txt").status_code == 404


def test_every_endpoint_is_in_the_api_guide():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    for path, methods in create_api().openapi()["paths"].items():
        base = path.replace("/{user_id}", "")  # the guide writes user paths as PATH[/{user_id}]
        for method in methods:
            assert f"{method.upper()} {base}" in guide, (method, path)
