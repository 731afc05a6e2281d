"""The documentation routes: Swagger UI (offline assets) and the OpenAPI document, without a key."""

from __future__ import annotations

import json

import pytest
import requests

from local.template import ROOT
from tests.e2e.conftest import LocalStack, assert_problem

pytestmark = pytest.mark.e2e

OPENAPI_FILE = ROOT / "docs" / "openapi.json"


def test_docs_serve_swagger_ui_from_local_assets(stack: LocalStack) -> None:
    page = requests.get(f"{stack.url}/docs", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/openapi.json" in page.text
    # Every asset the page loads is served by the stack itself: the docs work offline.
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"/docs/{asset}" in page.text
        served = requests.get(f"{stack.url}/docs/{asset}", timeout=10)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset


def test_docs_answer_head_and_refuse_paths_outside_the_bundle(stack: LocalStack) -> None:
    head = requests.head(f"{stack.url}/docs", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert_problem(requests.get(f"{stack.url}/docs/..%2Fswagger_ui_bundle", timeout=10), 404)
    assert_problem(requests.get(f"{stack.url}/docs/nothing.js", timeout=10), 404)


def test_openapi_json_is_the_committed_document(stack: LocalStack) -> None:
    committed = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))  # committed, never absent
    response = requests.get(f"{stack.url}/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert str(document["openapi"]).startswith("3.")
    assert document["paths"] == committed["paths"]
    assert document["components"] == committed["components"]
    # The first server is this stack, so Swagger UI's "Try it out" calls it.
    assert document["servers"][0]["url"] == "/"
