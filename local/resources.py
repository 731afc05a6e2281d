"""Creates the template's resources in an AWS emulator (moto in-process or moto's server)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from local import template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


def physical_names(prefix: str = "u22a8-local") -> dict[str, str]:
    """Physical names for the template's named resources, keyed like ``Ref`` / ``GetAtt``."""
    names: dict[str, str] = {}
    for logical_id in template.table_definitions():
        name = f"{prefix}-{logical_id}"
        names[logical_id] = name
        names[f"{logical_id}.Arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
    for logical_id in template.resources("AWS::S3::Bucket"):
        name = f"{prefix}-{logical_id}".lower()  # bucket names are lowercase
        names[logical_id] = name
        names[f"{logical_id}.Arn"] = f"arn:aws:s3:::{name}"
    for logical_id in template.resources("AWS::Serverless::Function"):
        # The names local.lambda_bridge.create_functions gives them (with the same prefix), so
        # a state machine's DefinitionSubstitutions resolve even where no function is created.
        name = f"{prefix}-{logical_id}"
        names[logical_id] = name
        names[f"{logical_id}.Arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    for logical_id in template.resources("AWS::Events::EventBus"):
        name = f"{prefix}-{logical_id}"
        names[logical_id] = name  # Ref of an event bus is its name
        names[f"{logical_id}.Arn"] = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}"
    for logical_id, resource in template.resources("AWS::Serverless::StateMachine").items():
        name = _state_machine_name(logical_id, resource, prefix)
        arn = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"
        names[logical_id] = arn  # Ref of a state machine is its ARN
        names[f"{logical_id}.Arn"] = arn
        names[f"{logical_id}.Name"] = name
    return names


_PSEUDO_PARAMETERS = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}


def _state_machine_name(logical_id: str, resource: Mapping[str, Any], prefix: str) -> str:
    """The template's ``Name`` (``!Sub "${AWS::StackName}-training"``) with the prefix as the
    stack name; ``<prefix>-<logical id>`` when it has none."""
    name = resource["Properties"].get("Name")
    if name is None:
        return f"{prefix}-{logical_id}"
    if isinstance(name, dict):
        name = name["Fn::Sub"]
    pseudo = {**_PSEUDO_PARAMETERS, "AWS::StackName": prefix}
    return re.sub(r"\$\{([^}]+)\}", lambda found: pseudo[found.group(1)], str(name))


def state_machine_definition(logical_id: str, names: Mapping[str, str]) -> str:
    """The state machine's ASL with its ``DefinitionSubstitutions`` resolved against ``names``."""
    props = template.resources("AWS::Serverless::StateMachine")[logical_id]["Properties"]
    text = (template.ROOT / str(props["DefinitionUri"])).read_text(encoding="utf-8")
    for key, value in props.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + key + "}", str(template.resolve(value, names)))
    leftover = sorted(set(re.findall(r"\$\{[A-Za-z0-9_]+\}", text)))
    if leftover:
        raise ValueError(f"{logical_id}: unresolved definition substitutions {leftover}")
    return text


def create_state_machines(
    sfn: SFNClient, names: Mapping[str, str], role_arn: str | None = None
) -> dict[str, str]:
    """The template's state machines under their local names and ARNs; ``{logical_id: arn}``.

    Without moto's execution engine an execution simply stays ``RUNNING``, which is all the API
    needs; ``local.lambda_bridge`` makes the engine run the steps' handlers.
    """
    role_arn = role_arn or f"arn:aws:iam::{ACCOUNT_ID}:role/u22a8-local-states"
    created: dict[str, str] = {}
    for logical_id, resource in template.resources("AWS::Serverless::StateMachine").items():
        response = sfn.create_state_machine(
            name=names[f"{logical_id}.Name"],
            definition=state_machine_definition(logical_id, names),
            roleArn=role_arn,
            type=resource["Properties"].get("Type", "STANDARD"),
        )
        if response["stateMachineArn"] != names[logical_id]:
            raise ValueError(f"{logical_id}: created as {response['stateMachineArn']}")
        created[logical_id] = response["stateMachineArn"]
    return created


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


def create_buckets(s3: S3Client, names: dict[str, str]) -> None:
    """The template's buckets, by their local names (the emulator needs no bucket settings)."""
    for logical_id in template.resources("AWS::S3::Bucket"):
        s3.create_bucket(Bucket=names[logical_id])


def create_event_buses(events: EventBridgeClient, names: dict[str, str]) -> None:
    """The template's custom event buses (model and run events are put on them)."""
    for logical_id in template.resources("AWS::Events::EventBus"):
        events.create_event_bus(Name=names[logical_id])


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
