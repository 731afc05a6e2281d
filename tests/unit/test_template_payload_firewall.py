"""The WAF rule in front of the stage: it answers the API's 413 problem for exactly the bodies a
handler could not be given (its JSON-escaped event over Lambda's 6 MiB), and lets every other
body through to the handler's own checks."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from local import template
from tests import sam_translated
from u22a8.api.http import MAX_BODY_BYTES

LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024
#: API Gateway's limit on all of a request's headers: the rest of the proxy event is smaller.
HEADERS_MAX_BYTES = 10 * 1024
#: A JSON body at most doubles when escaped into the event's "body" string (``\\"`` for ``"``).
ESCAPE_FACTOR = 2


def _acl() -> dict[str, Any]:
    acl: dict[str, Any] = template.resources("AWS::WAFv2::WebACL")["PayloadFirewall"]
    return acl


def _rule() -> dict[str, Any]:
    (rule,) = _acl()["Properties"]["Rules"]
    return dict(rule)


def _pattern() -> re.Pattern[str]:
    statement = _rule()["Statement"]["RegexMatchStatement"]
    assert statement["FieldToMatch"] == {"SingleHeader": {"Name": "content-length"}}
    assert statement["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}]
    return re.compile(statement["RegexString"])


def _threshold() -> int:
    """The smallest Content-Length the rule blocks (found by bisection on the real pattern)."""
    low, high = 0, 10**12
    while low < high:
        middle = (low + high) // 2
        if _pattern().search(str(middle)):
            high = middle
        else:
            low = middle + 1
    return low


def test_the_rule_blocks_every_length_from_its_threshold_and_none_below() -> None:
    threshold = _threshold()
    pattern = _pattern()
    rng = random.Random(9)
    lengths = {0, 1, threshold - 1, threshold, threshold + 1, 10 * 1024 * 1024, 10**15}
    lengths |= {rng.randrange(0, 10**9) for _ in range(2000)}
    for length in lengths:
        assert bool(pattern.search(str(length))) == (length >= threshold), length
        assert bool(pattern.search("00" + str(length))) == (length >= threshold), length
    for odd in ("", "abc", "3000000 ", "-3000000", "3e6", "1,000,000"):
        assert not pattern.search(odd), odd


def test_every_body_that_reaches_a_handler_fits_lambdas_request_limit() -> None:
    largest_passed = _threshold() - 1
    assert ESCAPE_FACTOR * largest_passed + HEADERS_MAX_BYTES < LAMBDA_MAX_REQUEST_BYTES
    # ... and the handlers still see, and refuse with their own problem, a body just over 1 MiB.
    assert _threshold() > 2 * MAX_BODY_BYTES


def test_the_blocked_answer_is_the_apis_413_problem() -> None:
    response = _rule()["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 413
    body = _acl()["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"  # WAF offers no problem+json
    problem = json.loads(body["Content"])
    assert problem["type"] == "https://u22a8.ai/problems/payload-too-large"
    assert problem["title"] == "Payload too large"
    assert problem["status"] == 413
    assert "1 MiB" in problem["detail"]


def test_the_firewall_guards_the_stage_unless_the_operator_opts_out() -> None:
    assert template.parameter_default("CreatePayloadFirewall") == "true"
    assert _acl()["Condition"] == "CreatePayloadFirewall"
    assert _acl()["Properties"]["Scope"] == "REGIONAL"
    assert _acl()["Properties"]["DefaultAction"] == {"Allow": {}}
    resources = sam_translated.translated()["Resources"]
    (stage,) = sam_translated.of_type("AWS::ApiGateway::Stage")
    association = resources["PayloadFirewallAssociation"]
    assert association["Condition"] == "CreatePayloadFirewall"
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith(f"/restapis/${{ModelsApi}}/stages/${{{stage}}}")
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["PayloadFirewall", "Arn"]}


@pytest.mark.parametrize("length", [3_000_000, 6 * 1024 * 1024, 10 * 1024 * 1024 - 1])
def test_bodies_lambda_cannot_take_are_blocked(length: int) -> None:
    assert _pattern().search(str(length))
