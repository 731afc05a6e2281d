"""Creates the template's resources in an AWS emulator (moto in-process or moto's server)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local import template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


def physical_names(prefix: str = "u22a8-local") -> dict[str, str]:
    """Physical names for the template's named resources, keyed like ``Ref`` / ``GetAtt``."""
    names: dict[str, str] = {}
    for logical_id in template.table_definitions():
        name = f"{prefix}-{logical_id}"
        names[logical_id] = name
        names[f"{logical_id}.Arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
    return names


def create_tables(dynamodb: DynamoDBClient, names: dict[str, str]) -> None:
    for logical_id, definition in template.table_definitions().items():
        kwargs: dict[str, Any] = dict(definition["create"])
        dynamodb.create_table(TableName=names[logical_id], **kwargs)
        if definition["ttl_attribute"]:
            dynamodb.update_time_to_live(
                TableName=names[logical_id],
                TimeToLiveSpecification={
                    "AttributeName": definition["ttl_attribute"],
                    "Enabled": True,
                },
            )


def function_environment(names: dict[str, str]) -> dict[str, str]:
    """The union of every function's environment, resolved against local names.

    All functions run in one local process, so they must agree on shared variables.
    """
    merged: dict[str, str] = {}
    for spec in template.functions().values():
        for key, value in template.environment_for(spec, names).items():
            if merged.get(key, value) != value:
                raise ValueError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
            merged[key] = value
    return merged
