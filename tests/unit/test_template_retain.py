"""Deleting or replacing the stack never deletes data: every stateful resource is retained.

Stateful: the tables, the bucket, the queue of failed stream records, and the API's access log
(the record of who called what). Other log groups are diagnostics that expire after
``LogRetentionDays`` anyway, and the state machine's has a fixed name that a retained copy would
keep from being created again by a stack of the same name.
"""

from __future__ import annotations

import pytest

from local import template

STATEFUL_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::KMS::Key")
RETAINED_LOG_GROUPS = {"ApiAccessLogGroup"}


def _stateful() -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for kind in STATEFUL_TYPES:
        found.update(template.resources(kind))
    logs = template.resources("AWS::Logs::LogGroup")
    found.update({name: logs[name] for name in RETAINED_LOG_GROUPS})
    return found


def test_the_stateful_resources_are_the_ones_expected() -> None:
    assert set(_stateful()) >= {
        "ModelsTable",
        "KeysTable",
        "IdempotencyTable",
        "ArtifactsBucket",
        "StreamFailuresQueue",
        "ApiAccessLogGroup",
    }


@pytest.mark.parametrize("name", sorted(_stateful()))
def test_every_stateful_resource_is_retained_on_delete_and_on_replacement(name: str) -> None:
    resource = _stateful()[name]
    assert resource.get("DeletionPolicy") == "Retain", name
    assert resource.get("UpdateReplacePolicy") == "Retain", name


def test_no_retained_log_group_has_a_fixed_name() -> None:
    """A retained log group with a fixed name would make the next stack of that name fail."""
    logs = template.resources("AWS::Logs::LogGroup")
    for name, group in logs.items():
        if group.get("DeletionPolicy") == "Retain":
            assert "LogGroupName" not in group.get("Properties", {}), name
