"""``make template-check``'s verdict: every finding accepted with a reason, nothing stale."""

from __future__ import annotations

from typing import Any

import yaml

from scripts import template_checks
from scripts.template_checks import Finding, judge


def _baseline(**entries: Any) -> dict[str, Any]:
    return {"checkov": entries}


def test_a_finding_the_baseline_does_not_accept_fails() -> None:
    found = [Finding("checkov", "CKV_AWS_1", "Bucket")]
    verdict = judge(found, _baseline(CKV_AWS_2={"resources": "*", "reason": "because"}))
    assert verdict.unaccepted == found
    assert verdict.stale == ["checkov CKV_AWS_2: no longer found"]
    assert not verdict.ok


def test_accepted_for_listed_resources_only() -> None:
    baseline = _baseline(CKV_AWS_1={"resources": ["A"], "reason": "because"})
    ok = judge([Finding("checkov", "CKV_AWS_1", "A")], baseline)
    assert ok.ok
    other = judge(
        [Finding("checkov", "CKV_AWS_1", "A"), Finding("checkov", "CKV_AWS_1", "B")], baseline
    )
    assert other.unaccepted == [Finding("checkov", "CKV_AWS_1", "B")]


def test_every_resource_with_a_star() -> None:
    baseline = _baseline(CKV_AWS_1={"resources": "*", "reason": "because"})
    found = [Finding("checkov", "CKV_AWS_1", name) for name in ("A", "B", "C")]
    assert judge(found, baseline).ok


def test_an_accepted_resource_that_no_longer_fails_is_stale() -> None:
    baseline = _baseline(CKV_AWS_1={"resources": ["A", "Gone"], "reason": "because"})
    verdict = judge([Finding("checkov", "CKV_AWS_1", "A")], baseline)
    assert verdict.stale == ["checkov CKV_AWS_1 Gone: no longer found"]


def test_an_entry_needs_a_one_line_reason() -> None:
    for entry in (
        {"resources": "*"},
        {"resources": "*", "reason": " "},
        {"resources": "*", "reason": "a\nb"},
    ):
        verdict = judge([Finding("checkov", "CKV_AWS_1", "A")], _baseline(CKV_AWS_1=entry))
        assert verdict.unexplained == ["checkov CKV_AWS_1: needs a one-line reason"]


def test_the_committed_baseline_explains_every_entry() -> None:
    baseline = yaml.safe_load(template_checks.BASELINE.read_text(encoding="utf-8"))
    assert set(baseline) == {"cfn-lint", "checkov"}
    assert judge([], baseline).unexplained == []


def test_reports_are_read_into_findings() -> None:
    lint = [
        {
            "Rule": {"Id": "ES6000"},
            "Location": {"Path": ["Resources", "Queue", "Properties"]},
            "Message": "no redrive",
        },
        {"Rule": {"Id": "E0000"}, "Location": {"Path": []}, "Message": "parse"},
    ]
    assert template_checks.cfn_lint_findings(lint) == [
        Finding("cfn-lint", "ES6000", "Queue", "no redrive"),
        Finding("cfn-lint", "E0000", "(template)", "parse"),
    ]
    checkov = {
        "results": {
            "failed_checks": [
                {"check_id": "CKV_AWS_21", "resource": "AWS::S3::Bucket.Bucket", "check_name": "v"}
            ]
        }
    }
    assert template_checks.checkov_findings([checkov]) == [
        Finding("checkov", "CKV_AWS_21", "Bucket", "v")
    ]
