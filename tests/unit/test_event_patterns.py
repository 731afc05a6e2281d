"""``local.event_patterns`` against the examples of EventBridge's documentation.

Patterns and events below are the user guide's own ("Content filtering in Amazon EventBridge
event patterns", "Comparison operators for use in event patterns", "Creating event patterns"),
with the guide's verdict for each; a few cases pin the rules the guide states in words (numeric
only for JSON numbers, exists only on leaves, anything-but never matches a missing field).
"""

from __future__ import annotations

from typing import Any

import pytest

from local.event_patterns import matches, matches_any, validate

# The guide's EC2 example event.
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}

# The guide's numeric/exists example detail.
NUMERIC_EVENT: dict[str, Any] = {
    "version": "0",
    "source": "com.mycompany.myapp",
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.123",
        "state": "pending",
    },
}


def test_the_guides_basic_pattern_matches_its_event() -> None:
    pattern = {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": ["terminated"]},
    }
    assert matches(pattern, EC2_EVENT)
    assert not matches({**pattern, "detail": {"state": ["running"]}}, EC2_EVENT)
    # Every field the pattern names must be in the event, at the same nesting.
    assert not matches({"detail": {"instance": ["i-1234567890abcdef0"]}}, EC2_EVENT)
    assert not matches({"state": ["terminated"]}, EC2_EVENT)


def test_a_list_of_values_is_an_or_and_matching_is_case_sensitive() -> None:
    assert matches({"source": ["aws.ec2", "aws.fargate"]}, EC2_EVENT)
    assert not matches({"source": ["AWS.EC2"]}, EC2_EVENT)


def test_arrays_in_the_event_match_when_they_share_a_value_with_the_pattern() -> None:
    pattern = {
        "resources": [
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0",
        ]
    }
    event = {
        "resources": [
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        ]
    }
    assert matches(pattern, event)
    assert matches(pattern, EC2_EVENT)
    assert not matches({"resources": ["arn:aws:ec2:eu-west-1:1:instance/i-x"]}, event)


def test_prefix_and_prefix_ignoring_case() -> None:
    assert matches({"time": [{"prefix": "2017-12-22"}]}, EC2_EVENT)
    assert not matches({"time": [{"prefix": "2017-10-02"}]}, EC2_EVENT)
    pattern = {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}
    for service in ("EventBridge", "EVENTBRIDGE", "eventbus"):
        assert matches(pattern, {"detail": {"service": service}})
    assert not matches(pattern, {"detail": {"service": "Lambda"}})


def test_suffix_and_suffix_ignoring_case() -> None:
    assert matches({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"})
    assert not matches({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.PNG"})
    pattern = {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}
    assert matches(pattern, {"detail": {"FileName": "image.PNG"}})
    assert not matches(pattern, {"detail": {"FileName": "image.jpg"}})


@pytest.mark.parametrize(
    ("matcher", "value", "expected"),
    [
        ({"anything-but": "initializing"}, "pending", True),
        ({"anything-but": "initializing"}, "initializing", False),
        ({"anything-but": 123}, 456, True),
        ({"anything-but": 123}, 123, False),
        ({"anything-but": ["stopped", "overloaded"]}, "running", True),
        ({"anything-but": ["stopped", "overloaded"]}, "stopped", False),
        ({"anything-but": [100, 200, 300]}, 150, True),
        ({"anything-but": [100, 200, 300]}, 200, False),
        ({"anything-but": {"prefix": "init"}}, "pending", True),
        ({"anything-but": {"prefix": "init"}}, "initializing", False),
        ({"anything-but": {"suffix": ".txt"}}, "notes.md", True),
        ({"anything-but": {"suffix": ".txt"}}, "notes.txt", False),
        ({"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}, "ok", True),
        ({"anything-but": {"equals-ignore-case": "initializing"}}, "INITIALIZING", False),
        ({"anything-but": {"wildcard": "*/lib/*"}}, "/usr/bin/tool", True),
        ({"anything-but": {"wildcard": "*/lib/*"}}, "/usr/lib/tool", False),
    ],
)
def test_anything_but(matcher: dict[str, Any], value: Any, expected: bool) -> None:
    assert matches({"detail": {"field": [matcher]}}, {"detail": {"field": value}}) is expected


def test_anything_but_never_matches_a_missing_field() -> None:
    assert not matches({"detail": {"state": [{"anything-but": "x"}]}}, {"detail": {}})


def test_the_guides_numeric_example() -> None:
    pattern = {
        "detail": {
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"numeric": ["=", 3.018e2]}],
        }
    }
    assert matches(pattern, NUMERIC_EVENT)
    assert not matches(pattern, {"detail": {**NUMERIC_EVENT["detail"], "c-count": 6}})
    assert not matches(pattern, {"detail": {**NUMERIC_EVENT["detail"], "c-count": 0}})


def test_numeric_matching_works_with_json_numbers_only() -> None:
    """What broke automatic retraining: a DynamoDB stream record carries ``"N": "50"``."""
    pattern = {"count": [{"numeric": [">=", 50]}]}
    assert matches(pattern, {"count": 50})
    assert matches(pattern, {"count": 50.5})
    assert not matches(pattern, {"count": "50"})
    assert not matches(pattern, {"count": "51"})
    assert not matches(pattern, {"count": True})
    # An exact number matches by value, never a string of it.
    assert matches({"x": [300]}, {"x": 3.0e2})
    assert not matches({"x": [300]}, {"x": "300"})
    assert not matches({"x": ["300"]}, {"x": 300})


def test_ip_address_matching() -> None:
    assert matches({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, NUMERIC_EVENT)
    assert not matches({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, NUMERIC_EVENT)
    assert not matches({"detail": {"state": [{"cidr": "10.0.0.0/8"}]}}, NUMERIC_EVENT)


def test_exists_matching() -> None:
    assert matches({"detail": {"state": [{"exists": True}]}}, NUMERIC_EVENT)
    assert not matches({"detail": {"state": [{"exists": False}]}}, NUMERIC_EVENT)
    assert matches({"detail": {"e-count": [{"exists": False}]}}, NUMERIC_EVENT)
    assert not matches({"detail": {"e-count": [{"exists": True}]}}, NUMERIC_EVENT)
    # Only leaves exist: an object is no value.
    assert not matches({"detail": [{"exists": True}]}, NUMERIC_EVENT)
    # null is a value; an empty array holds none.
    assert matches({"x": [{"exists": True}]}, {"x": None})
    assert matches({"x": [{"exists": False}]}, {"x": []})


def test_empty_strings_and_null_are_values_of_their_own() -> None:
    pattern = {"detail": {"eventVersion": [""], "responseElements": [None]}}
    assert matches(pattern, {"detail": {"eventVersion": "", "responseElements": None}})
    assert not matches(pattern, {"detail": {"eventVersion": "", "responseElements": "x"}})
    assert not matches(pattern, {"detail": {"eventVersion": ""}})  # missing is not null


def test_equals_ignore_case() -> None:
    pattern = {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}
    assert matches(pattern, EC2_EVENT)
    assert not matches({"detail-type": [{"equals-ignore-case": "ec2 instance"}]}, EC2_EVENT)


def test_wildcard() -> None:
    pattern = {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/my-bus"
    assert matches(pattern, {"EventBusArn": arn})
    assert not matches(pattern, {"EventBusArn": arn.replace("us-east-1", "eu-west-1")})
    assert matches({"f": [{"wildcard": "a\\*b"}]}, {"f": "a*b"})
    assert not matches({"f": [{"wildcard": "a\\*b"}]}, {"f": "axxb"})


def test_or_matching() -> None:
    pattern = {
        "detail": {
            "$or": [
                {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                {"d-count": [{"numeric": ["<", 10]}]},
                {"x-limit": [{"numeric": ["=", 3.018e2]}]},
            ]
        }
    }
    assert matches(pattern, NUMERIC_EVENT)
    assert matches(pattern, {"detail": {"d-count": 3}})
    assert not matches(pattern, {"detail": {"c-count": 7, "d-count": 12}})
    top = {
        "source": ["aws.ec2"],
        "$or": [{"detail-type": ["nope"]}, {"detail": {"state": ["terminated"]}}],
    }
    assert matches(top, EC2_EVENT)
    assert not matches({**top, "source": ["aws.s3"]}, EC2_EVENT)


def test_an_object_pattern_matches_any_object_of_an_array() -> None:
    event = {"detail": {"items": [{"id": "a", "n": 1}, {"id": "b", "n": 2}]}}
    assert matches({"detail": {"items": {"id": ["b"], "n": [2]}}}, event)
    assert not matches({"detail": {"items": {"id": ["b"], "n": [1]}}}, event)


def test_lambda_filter_criteria_pass_a_record_when_any_filter_matches() -> None:
    filters = [{"a": ["x"]}, {"b": ["y"]}]
    assert matches_any(filters, {"b": "y"})
    assert not matches_any(filters, {"a": "y"})


@pytest.mark.parametrize(
    "pattern",
    [
        {},
        {"source": "aws.ec2"},  # a leaf must be a list
        {"source": []},
        {"source": [{"contains": "x"}]},  # not an operator EventBridge has
        {"source": [{"prefix": "a", "suffix": "b"}]},
        {"n": [{"numeric": [">", "5"]}]},
        {"n": [{"numeric": ["!=", 5]}]},
        {"n": [{"exists": "yes"}]},
        {"n": [{"anything-but": {"numeric": [">", 1]}}]},
        {"n": [{"anything-but": [{"prefix": "a"}]}]},
        {"$or": [{"a": ["x"]}]},
        {"n": [["nested"]]},
    ],
)
def test_patterns_aws_would_refuse_are_refused(pattern: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        validate(pattern)
