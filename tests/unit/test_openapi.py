"""The OpenAPI document: valid, complete against the deployed routes, and committed as generated."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from local.template import parameter_default, routes
from u22a8.api import openapi
from u22a8.api.operations import (
    ERROR_RESPONSES,
    OPERATIONS,
    PROBLEM_TYPES,
    TAGS,
    Body,
    Operation,
    Reply,
)
from u22a8.domain import errors

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"
PROBLEM_REF = "#/components/schemas/Problem"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.build_document()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_documented_operations_are_exactly_the_deployed_routes(document: dict[str, Any]) -> None:
    deployed = [(route.method, route.path) for route in routes()]
    documented = [(method, path) for method, path, _ in _operations(document)]
    assert len(set(deployed)) == len(deployed), "a route is deployed twice"
    assert sorted(documented) == sorted(deployed), (
        "template.yaml routes and u22a8.api.operations.OPERATIONS differ: "
        f"undocumented {sorted(set(deployed) - set(documented))}, "
        f"not deployed {sorted(set(documented) - set(deployed))}"
    )


def test_committed_document_matches_the_code(document: dict[str, Any]) -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    assert committed == openapi.render(document), (
        "docs/openapi.json is stale: run `make openapi` and commit the result"
    )


def test_output_is_byte_identical_across_processes(document: dict[str, Any]) -> None:
    """Hash randomisation differs per process; the document must not depend on it."""
    outputs = []
    for seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        }
        result = subprocess.run(
            [sys.executable, "-m", "u22a8.api.openapi"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0] == openapi.render(document).encode("utf-8")
    assert outputs[0].endswith(b"}\n")


def test_every_error_response_is_a_problem(document: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            content = _resolve(document, response)["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}
            checked += 1
    assert checked > 0


def test_every_success_response_is_json_and_every_model_response_has_an_etag(
    document: dict[str, Any],
) -> None:
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400 or "content" not in response:
                continue
            assert list(response["content"]) == ["application/json"], (method, path, status)
            schema = response["content"]["application/json"]["schema"]
            if schema == {"$ref": "#/components/schemas/ModelOut"}:
                assert "ETag" in response.get("headers", {}), (method, path, status)


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    refs = set(walk(document))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        _resolve(document, {"$ref": ref})


def test_path_templates_and_path_parameters_agree(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        templated = set(re.findall(r"{([^}]+)}", path))
        declared = {
            param["name"]
            for param in (_resolve(document, p) for p in operation.get("parameters", []))
            if param["in"] == "path"
        }
        assert templated == declared, (method, path)


def test_documented_error_statuses_come_from_the_problem_mapping() -> None:
    """An operation lists domain errors; their statuses are the ones the handlers answer with."""
    for op in OPERATIONS:
        document = openapi.build_document([op])
        (operation,) = (o for _, _, o in _operations(document))
        for error_class in op.errors:
            status = str(openapi.status_of(error_class))
            assert status in operation["responses"]
            assert f"`{error_class.code}`" in operation["responses"][status]["description"]


def test_every_domain_error_is_described() -> None:
    domain_errors = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.DomainError) and cls is not errors.DomainError
    }
    assert domain_errors - PROBLEM_TYPES.keys() == set(), "describe them in PROBLEM_TYPES"
    for cls in domain_errors:
        assert openapi.status_of(cls) in ERROR_RESPONSES, cls


def _example_holders() -> Iterator[tuple[str, type[BaseModel], Any]]:
    for op in OPERATIONS:
        parts: list[Body | Reply] = [*op.responses.values()]
        if op.body is not None:
            parts.append(op.body)
        for part in parts:
            if part.example is not None and part.model is not None:
                yield op.operation_id, part.model, part.example


@pytest.mark.parametrize(("operation_id", "model", "example"), list(_example_holders()))
def test_examples_match_their_schemas(
    operation_id: str, model: type[BaseModel], example: Any
) -> None:
    parsed = model.model_validate(example)
    # Nothing ignored or coerced: what is set round-trips to exactly the example.
    assert parsed.model_dump(mode="json", exclude_unset=True) == example, operation_id


def test_aws_server_uses_the_template_stage() -> None:
    assert parameter_default("StageName") == openapi.DEFAULT_STAGE


def test_patch_accepts_merge_patch_json(document: dict[str, Any]) -> None:
    content = document["paths"]["/v1/models/{handle}"]["patch"]["requestBody"]["content"]
    assert set(content) == {"application/json", "application/merge-patch+json"}


def test_authenticated_operations_use_the_bearer_scheme(document: dict[str, Any]) -> None:
    assert document["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for op in OPERATIONS:
        operation = document["paths"][op.path][op.method.lower()]
        assert ("security" not in operation) is op.authenticated, op.operation_id
        assert ("401" in operation["responses"]) is op.authenticated, op.operation_id


def _operation(**changes: Any) -> Operation:
    base = OPERATIONS[0]
    fields = {name: getattr(base, name) for name in base.__dataclass_fields__}
    return Operation(**{**fields, **changes})


def test_registry_mistakes_fail_loudly() -> None:
    with pytest.raises(ValueError, match="duplicate route"):
        openapi.build_document([OPERATIONS[0], _operation(operation_id="other")])
    with pytest.raises(ValueError, match="duplicate operationId"):
        openapi.build_document([OPERATIONS[0], _operation(path="/v1/other")])
    with pytest.raises(ValueError, match="TAGS"):
        openapi.build_document([_operation(tags=("no-such-tag",))])
    assert "no-such-tag" not in TAGS


def test_an_unauthenticated_operation_opts_out_of_security() -> None:
    document = openapi.build_document([_operation(authenticated=False)])
    operation = document["paths"]["/v1/models"]["post"]
    assert operation["security"] == []
    assert "401" not in operation["responses"]
    validate(document)
