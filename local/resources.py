"""Creates the template's resources in an AWS emulator (moto in-process or moto's server)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from local import template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
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
    for logical_id in template.resources("AWS::SQS::Queue"):
        name = f"{prefix}-{logical_id}"
        names[logical_id] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"  # Ref: URL
        names[f"{logical_id}.Arn"] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        names[f"{logical_id}.QueueName"] = name
    for logical_id, resource in template.resources("AWS::KMS::Alias").items():
        names[logical_id] = _substituted(resource["Properties"]["AliasName"], prefix)
    for logical_id in template.resources("AWS::Events::Rule"):
        name = f"{prefix}-{logical_id}"
        names[logical_id] = name
        names[f"{logical_id}.Arn"] = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{name}"
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


def _substituted(value: Any, prefix: str) -> str:
    """A ``!Sub`` of pseudo parameters, with the prefix as the stack name."""
    text = str(value["Fn::Sub"]) if isinstance(value, dict) else str(value)
    pseudo = {**_PSEUDO_PARAMETERS, "AWS::StackName": prefix}
    return re.sub(r"\$\{([^}]+)\}", lambda found: pseudo[found.group(1)], text)


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


def create_queues(sqs: SQSClient, names: Mapping[str, str]) -> None:
    """The template's SQS queues, dead-letter queues first (a redrive policy names its DLQ)."""
    queues = template.resources("AWS::SQS::Queue")
    ordered = sorted(
        queues, key=lambda logical_id: "RedrivePolicy" in queues[logical_id].get("Properties", {})
    )
    for logical_id in ordered:
        props = queues[logical_id].get("Properties", {})
        attributes: dict[Any, str] = {
            key: str(props[key])
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
            if key in props
        }
        redrive = props.get("RedrivePolicy")
        if redrive:
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": template.resolve(redrive["deadLetterTargetArn"], names),
                    "maxReceiveCount": int(redrive["maxReceiveCount"]),
                }
            )
        sqs.create_queue(QueueName=names[f"{logical_id}.QueueName"], Attributes=attributes)


def create_keys(kms: KMSClient, names: Mapping[str, str]) -> None:
    """A KMS key for each of the template's aliases, created under the alias's local name."""
    for logical_id, resource in template.resources("AWS::KMS::Alias").items():
        target = resource["Properties"]["TargetKeyId"]["Ref"]
        key_id = kms.create_key(Description=f"local {target}")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=names[logical_id], TargetKeyId=key_id)


def create_rules(events: EventBridgeClient, names: Mapping[str, str]) -> None:
    """The template's ``AWS::Events::Rule`` resources with their targets (queues), so events put
    on the local bus reach them as on AWS (moto delivers to SQS targets)."""
    for logical_id, resource in template.resources("AWS::Events::Rule").items():
        props = resource["Properties"]
        bus = template.resolve(props.get("EventBusName", "default"), names)
        events.put_rule(
            Name=names[logical_id],
            EventBusName=bus,
            EventPattern=json.dumps(props["EventPattern"]),
        )
        events.put_targets(
            Rule=names[logical_id],
            EventBusName=bus,
            Targets=[
                {"Id": target["Id"], "Arn": template.resolve(target["Arn"], names)}
                for target in props["Targets"]
            ],
        )


def create_webhook_resources(names: Mapping[str, str]) -> None:
    """What webhooks need besides tables: their queues, the secrets key and the bus rule."""
    import boto3

    create_queues(boto3.client("sqs"), names)
    create_keys(boto3.client("kms"), names)
    create_rules(boto3.client("events"), names)
