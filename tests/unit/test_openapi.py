"""The OpenAPI document: valid, complete against the deployed routes, and committed as generated."""

from __future__ import annotations

import dataclasses
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

from local.template import parameter_default, routes
from u22a8.api import openapi
from u22a8.api.openapi_terms import Body, Link, Operation, Reply
from u22a8.api.operations import ERROR_RESPONSES, OPERATIONS, PROBLEM_TYPES, TAGS
from u22a8.entities import errors

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
        document = openapi.build_document([_without_links(op)])
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


def _example_holders() -> Iterator[tuple[str, Body | Reply, Any]]:
    for op in OPERATIONS:
        parts: list[Body | Reply] = [*op.responses.values()]
        if op.body is not None:
            parts.append(op.body)
        for part in parts:
            if part.example is not None:
                yield op.operation_id, part, part.example


@pytest.mark.parametrize(("operation_id", "part", "example"), list(_example_holders()))
def test_examples_match_their_schemas(operation_id: str, part: Body | Reply, example: Any) -> None:
    # Nothing ignored or coerced: what was given round-trips to exactly the example.
    if isinstance(part, Body):
        body = part.request.validate(example)
        assert {key: body[key] for key in example} == example, operation_id
    else:
        assert part.model is not None, operation_id
        parsed = part.model.model_validate(example)
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


def _without_links(op: Operation) -> Operation:
    """``op`` alone in a document: its links would name operations that document lacks."""
    replies = {status: dataclasses.replace(r, links=()) for status, r in op.responses.items()}
    return dataclasses.replace(op, responses=replies)


def _operation(**changes: Any) -> Operation:
    base = _without_links(OPERATIONS[0])
    fields = {name: getattr(base, name) for name in base.__dataclass_fields__}
    return Operation(**{**fields, **changes})


def test_registry_mistakes_fail_loudly() -> None:
    route = OPERATIONS[0].route
    other_id = _operation(route=dataclasses.replace(route, operation_id="other"))
    with pytest.raises(ValueError, match="duplicate route"):
        openapi.build_document([OPERATIONS[0], other_id])
    other_path = _operation(route=dataclasses.replace(route, path="/v1/other"))
    with pytest.raises(ValueError, match="duplicate operationId"):
        openapi.build_document([OPERATIONS[0], other_path])
    with pytest.raises(ValueError, match="TAGS"):
        openapi.build_document([_operation(tags=("no-such-tag",))])
    assert "no-such-tag" not in TAGS


def test_an_unauthenticated_operation_opts_out_of_security() -> None:
    document = openapi.build_document([_operation(authenticated=False)])
    operation = document["paths"]["/v1/models"]["post"]
    assert operation["security"] == []
    assert "401" not in operation["responses"]
    validate(document)


# --- links ----------------------------------------------------------------------------------------


def _links(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str, dict[str, Any]]]:
    """(source label, source operation, link name, link) of every response link."""
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            for name, link in _resolve(document, response).get("links", {}).items():
                yield f"{method} {path} {status}", operation, name, link


def _by_operation_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {operation["operationId"]: operation for _, _, operation in _operations(document)}


def _parameters(document: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [_resolve(document, p) for p in operation.get("parameters", [])]


def _response_of(document: dict[str, Any], source: str) -> dict[str, Any]:
    method, path, status = source.split(" ")
    response: dict[str, Any] = document["paths"][path][method.lower()]["responses"][status]
    return _resolve(document, response)


def _types(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The JSON types a (resolved) schema allows, ``null`` left out."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        return {t for branch in schema["anyOf"] for t in _types(document, branch)}
    declared: Any = schema.get("type")
    allowed: list[Any] = declared if isinstance(declared, list) else [declared]
    return {t for t in allowed if isinstance(t, str) and t != "null"}


def _field(document: dict[str, Any], schema: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The schema of the field ``pointer`` (a JSON pointer) names in bodies ``schema`` describes;
    fails unless every step is a required property or an item of an array."""
    for token in pointer.removeprefix("/").split("/"):
        schema = _resolve(document, schema)
        if "anyOf" in schema:  # nullable: the field is there when the value is not null
            (schema,) = (b for b in schema["anyOf"] if _resolve(document, b).get("type") != "null")
            schema = _resolve(document, schema)
        if schema.get("type") == "array":
            assert token.isdigit(), f"{pointer}: {token!r} indexes an array"
            schema = schema["items"]
        else:
            assert token in schema.get("properties", {}), f"{pointer}: no property {token!r}"
            assert token in schema.get("required", []), f"{pointer}: {token!r} is optional"
            schema = schema["properties"][token]
    return _resolve(document, schema)


def test_the_document_has_links(document: dict[str, Any]) -> None:
    declared = [
        link for op in OPERATIONS for reply in op.responses.values() for link in reply.links
    ]
    assert len(list(_links(document))) == len(declared) > 0
    create = document["paths"]["/v1/models"]["post"]["responses"]["201"]["links"]
    assert create["GetModel"]["parameters"] == {"handle": "$response.body#/handle"}
    train = document["paths"]["/v1/models/{handle}/train"]["post"]["responses"]["202"]["links"]
    assert train["GetRun"]["parameters"] == {
        "handle": "$request.path.handle",
        "run_id": "$response.body#/run_id",
    }


def test_every_link_targets_an_operation_and_its_parameters(document: dict[str, Any]) -> None:
    by_id = _by_operation_id(document)
    for source, _, name, link in _links(document):
        assert set(link) == {"operationId", "description", "parameters"}, (source, name)
        target = by_id.get(link["operationId"])
        assert target is not None, f"{source} link {name}: no operation {link['operationId']}"
        parameters = {p["name"]: p for p in _parameters(document, target)}
        parameters |= {f"{p['in']}.{p['name']}": p for p in _parameters(document, target)}
        assert link["parameters"], (source, name)
        for parameter in link["parameters"]:
            assert parameter in parameters, f"{source} link {name}: no parameter {parameter}"
        # Every path parameter of the target comes from the link but those a client picks itself
        # (a tag to point at a version).
        path_parameters = {p["name"] for p in parameters.values() if p["in"] == "path"}
        assert path_parameters - set(link["parameters"]) <= {"tag"}, (source, name)


def test_every_link_expression_points_at_a_declared_field(document: dict[str, Any]) -> None:
    """``$response.body#/...`` names a required field of the response schema,
    ``$response.header.X`` a header the response declares, ``$request.path.X`` a path parameter
    of the source operation; and the value's type is the target parameter's type."""
    by_id = _by_operation_id(document)
    checked = 0
    for source, operation, name, link in _links(document):
        response = _response_of(document, source)
        target = {p["name"]: p for p in _parameters(document, by_id[link["operationId"]])}
        for parameter, expression in link["parameters"].items():
            where = f"{source} link {name} {parameter}: {expression}"
            if expression.startswith("$response.body#"):
                schema = response["content"]["application/json"]["schema"]
                field = _field(document, schema, expression.removeprefix("$response.body#"))
            elif expression.startswith("$response.header."):
                header = expression.removeprefix("$response.header.")
                assert header in response.get("headers", {}), where
                field = _resolve(document, response["headers"][header])["schema"]
            elif expression.startswith("$request.path."):
                own = {p["name"]: p for p in _parameters(document, operation) if p["in"] == "path"}
                assert expression.removeprefix("$request.path.") in own, where
                field = own[expression.removeprefix("$request.path.")]["schema"]
            else:
                pytest.fail(f"{where}: an expression the tests do not know")
            assert _types(document, target[parameter.split(".")[-1]]["schema"]) <= _types(
                document, field
            ), where
            checked += 1
    assert checked > 0


def _with_link(link: Link) -> Operation:
    op = _operation()
    (status, reply) = next(iter(op.responses.items()))
    return dataclasses.replace(op, responses={status: dataclasses.replace(reply, links=(link,))})


def test_link_mistakes_fail_loudly() -> None:
    get_model = next(op for op in OPERATIONS if op.operation_id == "getModel")
    target = _without_links(get_model)
    handle = {"handle": "$response.body#/handle"}
    for link, message in (
        (Link("Nowhere", "noSuchOperation", "x", handle), "no operation 'noSuchOperation'"),
        (Link("Odd", "getModel", "x", {"colour": "red"}), "no parameter 'colour'"),
        (
            Link("Mine", "getModel", "x", {"handle": "$request.path.handle"}),
            "createModel has no \\$request.path.handle",
        ),
    ):
        with pytest.raises(ValueError, match=message):
            openapi.build_document([_with_link(link), target])
    twice = _with_link(Link("GetModel", "getModel", "x", handle))
    (status, reply) = next(iter(twice.responses.items()))
    twice = dataclasses.replace(
        twice, responses={status: dataclasses.replace(reply, links=reply.links * 2)}
    )
    with pytest.raises(ValueError, match="two links with one name"):
        openapi.build_document([twice, target])
    document = openapi.build_document(
        [_with_link(Link("GetModel", "getModel", "x", handle)), target]
    )
    validate(document)
