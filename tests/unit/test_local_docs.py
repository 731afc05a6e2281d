"""The local stack's documentation routes without a running stack: what it answers when the
OpenAPI document is missing or broken (the committed document always exists, so the e2e tests
cannot see these answers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local import stack


def test_a_missing_openapi_json_says_how_to_generate_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(stack, "OPENAPI_PATH", tmp_path / "openapi.json")
    response = stack.docs_response("/openapi.json")
    assert response is not None
    assert response.status == 404
    assert "make openapi" in json.loads(response.body)["detail"]


def test_the_document_is_served_with_this_stack_as_its_first_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    document = {"openapi": "3.1.0", "servers": [{"url": "http://127.0.0.1:3000"}, {"url": "x"}]}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(stack, "OPENAPI_PATH", path)
    response = stack.docs_response("/openapi.json")
    assert response is not None
    assert response.status == 200
    assert json.loads(response.body)["servers"] == [
        {"url": "/", "description": "This local stack."},
        {"url": "x"},
    ]
