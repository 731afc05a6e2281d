"""A local stand-in for the template's WAF web ACL in front of the stage (``PayloadFirewall``).

WAF runs before API Gateway: a request one of its rules blocks never reaches routing, the
authorizer or a handler, and gets the rule's custom response. Only what the template uses is
understood (a regex on one header, Block with a custom response); the rules, the pattern and the
response body are read from ``template.yaml``, so local and AWS answer alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local import template

#: What WAF sends for a custom response body of each content type (it cannot send others).
_CONTENT_TYPES = {
    "APPLICATION_JSON": "application/json",
    "TEXT_PLAIN": "text/plain",
    "TEXT_HTML": "text/html",
}


@dataclass(frozen=True)
class BlockingRule:
    name: str
    header: str
    pattern: re.Pattern[str]
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Blocked:
    rule: str
    status: int
    headers: dict[str, str]
    body: bytes


def _rule(spec: Mapping[str, Any], bodies: Mapping[str, Any]) -> BlockingRule:
    statement = spec["Statement"]["RegexMatchStatement"]
    response = spec["Action"]["Block"]["CustomResponse"]
    body = bodies[response["CustomResponseBodyKey"]]
    return BlockingRule(
        name=spec["Name"],
        header=str(statement["FieldToMatch"]["SingleHeader"]["Name"]).lower(),
        pattern=re.compile(statement["RegexString"]),
        status=int(response["ResponseCode"]),
        content_type=_CONTENT_TYPES[body["ContentType"]],
        body=str(body["Content"]).encode(),
    )


class Firewall:
    """The template's web ACLs' blocking rules, in priority order."""

    def __init__(self, rules: list[BlockingRule]) -> None:
        self.rules = rules

    @classmethod
    def from_template(cls, loaded: Mapping[str, Any] | None = None) -> Firewall:
        rules: list[tuple[int, BlockingRule]] = []
        for acl in template.resources("AWS::WAFv2::WebACL", loaded).values():
            properties = acl["Properties"]
            bodies = properties.get("CustomResponseBodies", {})
            rules += [(int(r["Priority"]), _rule(r, bodies)) for r in properties["Rules"]]
        return cls([rule for _, rule in sorted(rules, key=lambda pair: pair[0])])

    def check(self, headers: Mapping[str, str]) -> Blocked | None:
        """The response of the first rule that blocks the request, or None to let it through."""
        lower = {name.lower(): value for name, value in headers.items()}
        for rule in self.rules:
            value = lower.get(rule.header)
            if value is not None and rule.pattern.search(value):
                headers_out = {"Content-Type": rule.content_type}
                return Blocked(rule.name, rule.status, headers_out, rule.body)
        return None
