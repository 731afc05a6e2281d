"""Hostile input, in-process: Hypothesis drives every route of the template through the local
gateway into the real handlers (moto as AWS) with arbitrary bodies, Content-Types, If-Match and
Idempotency-Key headers, query strings and path values, and checks the contract's promise:
whatever the input, never a 5xx, and every error an RFC 9457 problem.

The model the requests aim at exists (with a sample, a run and a tagged version), so the inputs
reach past the 404s into the parsing and the domain.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local import template
from tests.helpers import GatewayClient
from tests.integration.run_helpers import HANDLE, PATH, TRAIN, create, started
from tests.integration.test_score import publish
from u22a8.training import FeatureCache, FittedModel, LabelledSample, TrainingParams, fit

ROUTES = sorted({(r.method, r.path) for r in template.routes()})
PROBLEM_JSON = "application/problem+json"
EXAMPLES = 150

# --- what a caller can send ---------------------------------------------------------------------

_json_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
_json = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Fields the bodies of this API know, so that arbitrary values reach the validators.
_FIELDS = st.sampled_from(
    [
        "handle",
        "criteria",
        "description",
        "zero_data_retention",
        "auto_prune",
        "keep_unnamed",
        "state",
        "samples",
        "text",
        "scores",
        "texts",
        "version",
        "effort",
        "reoptimize_params",
    ]
)
_object_of_known_fields = st.dictionaries(_FIELDS, _json, max_size=5)
_raw_bodies = st.sampled_from(
    [
        b"[" * 40 + b"]" * 40,
        b'{"a":' * 1500 + b"1" + b"}" * 1500,
        b'{"handle": "acme.a", "handle": "acme.b", "criteria": ["A"]}',
        b'{"version": ' + b"9" * 4301 + b"}",
        b'{"keep_unnamed": 1e400}',
        b'{"texts": ["\\ud800"]}',
        b'{"texts": [NaN]}',
        '{"texts": ["a"]}'.encode("utf-16"),
        b"\xff\xfe\x00",
        b"",
        b"   ",
        b"null",
        b'"a string"',
        b"{",
    ]
)
_body = st.one_of(
    _raw_bodies,
    _object_of_known_fields.map(lambda value: json.dumps(value).encode()),
    _json.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)
_content_type = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=utf-16",
            "application/merge-patch+json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            ";",
            "application/json; charset",
        ]
    ),
    st.text(max_size=40),
)
_if_match = st.one_of(
    st.none(),
    st.sampled_from(['"1"', '"2"', "*", 'W/"1"', '"²"', "garbage", '"' + "9" * 4301 + '"', '""']),
    st.text(max_size=30),
)
_idempotency_key = st.one_of(st.none(), st.sampled_from(["k-1", "k-2"]), st.text(max_size=300))
_query_value = st.one_of(
    st.sampled_from(["1", "20", "100", "0", "²", "\uff11", "1.5", "archived", "prod", "1" * 4301]),
    st.text(max_size=40),
)
_query = st.dictionaries(
    st.sampled_from(["limit", "cursor", "state", "version", "tag", "other"]),
    st.lists(_query_value, min_size=1, max_size=2),
    min_size=1,
    max_size=3,
)
_path_value = st.one_of(
    st.just("{valid}"),
    st.sampled_from(["acme.ghost", "globex.m", "ACME.M", "²", "0", "01", "1" * 4301, "run_x"]),
    st.text(min_size=1, max_size=40),
)
_json_content_type = st.sampled_from(
    ["application/json"] * 6 + ["application/json; charset=utf-8", "application/merge-patch+json"]
)
BODY_ROUTES = [r for r in ROUTES if r[0] in ("POST", "PUT", "PATCH") and "/cancel" not in r[1]]
PATH_PARAMETERS = ["handle", "run_id", "sample_id", "n", "tag"]
WRITE_ROUTES = [r for r in ROUTES if r[0] != "GET"]
# The routes that read a query string: the four listings and score.
QUERY_ROUTES = [
    r
    for r in ROUTES
    if r[1].endswith(("/models", "/runs", "/samples", "/versions", "/score"))
    and r[0] in ("GET", "POST")
    and not (r[0] == "POST" and not r[1].endswith("/score"))
]


# --- the model under attack ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted() -> FittedModel:
    """A real fitted version, so that scoring requests score (pure numpy, no AWS)."""
    samples = [
        LabelledSample(
            f"{'clear plain simple' if i % 2 else 'synergy leverage'} text {i}",
            {"Clarity": float(i % 2)},
        )
        for i in range(20)
    ]
    return fit(samples, ["Clarity"], TrainingParams(), cache=FeatureCache())


@pytest.fixture
def targets(api: GatewayClient, fitted: FittedModel, webhooks: dict[str, str]) -> dict[str, str]:
    """Valid values of every path parameter: a model with a sample, a tagged active version, a
    running run, and a webhook endpoint (an IP-literal URL: no DNS in the test)."""
    create(api)
    added = api.post(f"{PATH}/samples", {"samples": [{"text": "t", "scores": {"Clarity": 1.0}}]})
    assert added.status == 201, added.body
    publish(HANDLE, 1, fitted)
    assert api.request("PUT", f"{PATH}/tags/prod", {"version": 1}).status == 200
    run_id = started(api.post(TRAIN, {"reoptimize_params": True}))
    endpoint = api.post("/v1/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]})
    assert endpoint.status == 201, endpoint.body
    return {
        "id": endpoint.json()["id"],
        "handle": HANDLE,
        "run_id": run_id,
        "sample_id": added.json()["sample_ids"][0],
        "n": "1",
        "tag": "prod",
    }


def _path(template_path: str, targets: dict[str, str], values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "{valid}")
        return targets[name] if value == "{valid}" else quote(value, safe="")

    return re.sub(r"{(\w+)}", fill, template_path)


def _send(
    api: GatewayClient,
    route: tuple[str, str],
    path: str,
    body: bytes,
    headers: dict[str, str | None],
    query: dict[str, list[str]],
) -> None:
    """One request through the gateway, checked against the promise."""
    sent = {name: value for name, value in headers.items() if value is not None}
    reply = api.gateway.handle(
        route[0], path, {"Authorization": f"Bearer {api.key}", **sent}, body, query
    )
    assert reply.status < 500, (route, path, sent, body[:200], reply.status, reply.body[:500])
    if reply.status >= 400:
        _assert_problem(reply.status, reply.headers, reply.body)


_HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_HYPOTHESIS
@given(route=st.sampled_from(BODY_ROUTES), body=_body, content_type=_json_content_type)
def test_no_body_gets_a_5xx(
    api: GatewayClient,
    targets: dict[str, str],
    route: tuple[str, str],
    body: bytes,
    content_type: str | None,
) -> None:
    """Bodies, mostly sent as JSON so that they reach the reader and the validators."""
    path = _path(route[1], targets, {})
    _send(api, route, path, body, {"Content-Type": content_type}, {})


@_HYPOTHESIS
@given(
    route=st.sampled_from(WRITE_ROUTES),
    body=_body,
    content_type=_content_type,
    if_match=_if_match,
    idempotency_key=_idempotency_key,
)
def test_no_header_gets_a_5xx(
    api: GatewayClient,
    targets: dict[str, str],
    route: tuple[str, str],
    body: bytes,
    content_type: str | None,
    if_match: str | None,
    idempotency_key: str | None,
) -> None:
    headers = {
        "Content-Type": content_type,
        "If-Match": if_match,
        "Idempotency-Key": idempotency_key,
    }
    _send(api, route, _path(route[1], targets, {}), body, headers, {})


@_HYPOTHESIS
@given(route=st.sampled_from(QUERY_ROUTES), query=_query)
def test_no_query_string_gets_a_5xx(
    api: GatewayClient,
    targets: dict[str, str],
    route: tuple[str, str],
    query: dict[str, list[str]],
) -> None:
    path = _path(route[1], targets, {})
    _send(api, route, path, b'{"texts": ["a"]}', {"Content-Type": "application/json"}, query)


@_HYPOTHESIS
@given(
    route=st.sampled_from(ROUTES),
    path_values=st.dictionaries(st.sampled_from(PATH_PARAMETERS), _path_value, min_size=1),
    query=_query,
)
def test_no_path_value_gets_a_5xx(
    api: GatewayClient,
    targets: dict[str, str],
    route: tuple[str, str],
    path_values: dict[str, str],
    query: dict[str, list[str]],
) -> None:
    path = _path(route[1], targets, path_values)
    _send(api, route, path, b"{}", {"Content-Type": "application/json"}, query)


def _parsed(query_string: str) -> dict[str, list[str]]:
    return parse_qs(query_string, keep_blank_values=True)


def _assert_problem(status: int, headers: dict[str, str], body: bytes) -> None:
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type")
    assert content_type == PROBLEM_JSON, (status, headers, body[:300])
    problem: dict[str, Any] = json.loads(body)
    assert problem["status"] == status
    assert problem["type"].startswith("https://u22a8.ai/problems/")
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
