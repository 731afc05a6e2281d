"""The IAM policies ``template.yaml`` deploys, as AWS would evaluate them, for the local stack.

moto enforces no IAM, so a call a role is not granted works here and fails on AWS. This module
gives each function and state machine of the template its role's policy *as deployed*: SAM's own
translator (``samtranslator``) expands the template, policy templates (``LambdaInvokePolicy``) and
the permissions SAM adds itself (a stream mapping's on-failure queue) included; intrinsics
(``!Ref``, ``!GetAtt``, ``!Sub``, ``!Join``) are resolved to the local resources' ARNs
(``local.resources.physical_names``), and a :class:`Policy` answers whether it allows a
:class:`Request` (an action on a resource, with condition keys) the way IAM does: an explicit
``Deny`` wins, then any ``Allow`` whose action, resource (``*`` and ``?`` wildcards; actions
case-insensitive) and conditions match.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from local import template
from local.resources import ACCOUNT_ID, REGION, physical_names

PARTITION: Final = "aws"
# The AWS managed policies SAM attaches, as AWS publishes them (their statements never change the
# answer for our calls, but a call they cover must not be reported as denied).
MANAGED_POLICIES: Final[dict[str, tuple[tuple[tuple[str, ...], str], ...]]] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": (
        (("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"), "*"),
    ),
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": (
        (
            (
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ),
            "*",
        ),
    ),
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": (
        (
            (
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ),
            "*",
        ),
    ),
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole": (
        (
            (
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ),
            "*",
        ),
    ),
}
_PRINCIPAL_TYPES: Final = {
    "AWS::Lambda::Function": "Role",
    "AWS::StepFunctions::StateMachine": "RoleArn",
}
_PACKAGED_URIS: Final = ("CodeUri", "DefinitionUri", "ContentUri")


@dataclass(frozen=True)
class Request:
    """One authorization IAM makes for a call: an action on a resource, with condition keys."""

    action: str  # e.g. dynamodb:GetItem
    resource: str  # an ARN
    context: tuple[tuple[str, str], ...] = ()  # e.g. (("s3:prefix", "datasets/"),)

    def __str__(self) -> str:
        keys = "".join(f" [{key}={value!r}]" for key, value in self.context)
        return f"{self.action} on {self.resource}{keys}"


def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def _like(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    return _wildcard(pattern, case_sensitive).fullmatch(value) is not None


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in (value if isinstance(value, list) else [value]))


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def applies(self, request: Request) -> bool:
        if not any(_like(a, request.action, case_sensitive=False) for a in self.actions):
            return False
        if not any(_like(r, request.resource) for r in self.resources):
            return False
        context = dict(request.context)
        return all(
            _condition(operator, key, expected, context)
            for operator, tests in self.conditions.items()
            for key, expected in tests.items()
        )


def _condition(
    operator: str, key: str, expected: tuple[str, ...], context: Mapping[str, str]
) -> bool:
    """IAM's condition operators the template uses; an unknown one never grants."""
    actual = context.get(key)
    if operator in {"StringEquals", "ArnEquals", "Bool"}:
        return actual is not None and actual in expected
    if operator in {"StringLike", "ArnLike"}:
        return actual is not None and any(_like(e, actual) for e in expected)
    if operator == "StringNotEquals":
        return actual is None or actual not in expected
    if operator == "StringNotLike":
        return actual is None or not any(_like(e, actual) for e in expected)
    return False


@dataclass(frozen=True)
class Policy:
    """Everything one principal's role is granted (inline policies and managed ones)."""

    principal: str  # logical id of the function or state machine
    statements: tuple[Statement, ...]

    def allows(self, request: Request) -> bool:
        applying = [s for s in self.statements if s.applies(request)]
        return any(s.effect == "Allow" for s in applying) and not any(
            s.effect == "Deny" for s in applying
        )


# -- the template as deployed ---------------------------------------------------------------------


@cache
def translated() -> dict[str, Any]:
    """The CloudFormation template ``sam deploy`` would create (code URIs as ``sam package``
    leaves them: the translator refuses local paths)."""
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped,unused-ignore]

    sam = copy.deepcopy(template.load_template())
    for logical_id, resource in sam["Resources"].items():
        for key in _PACKAGED_URIS:
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://packaged/{logical_id}"
    region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = REGION  # the translator asks boto3 for one
    try:
        result: dict[str, Any] = transform(sam, {}, _NoManagedPolicyNames())
    finally:
        if region is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = region
    return result


class _NoManagedPolicyNames:
    """The template names no managed policy by its short name, so none needs looking up."""

    def load(self) -> dict[str, str]:
        return {}


def prefix_of(names: Mapping[str, str]) -> str:
    """The stack name (physical-name prefix) ``physical_names`` was called with."""
    table = next(iter(template.table_definitions()))
    return names[table].removesuffix(f"-{table}")


@cache
def policies(prefix: str) -> dict[str, Policy]:
    """Each function's and state machine's policy, resolved against ``physical_names(prefix)``."""
    cfn = translated()
    resolver = _Resolver(physical_names(prefix), prefix, cfn)
    found: dict[str, Policy] = {}
    for logical_id, resource in cfn["Resources"].items():
        role_property = _PRINCIPAL_TYPES.get(resource["Type"])
        if role_property is None:
            continue
        role_id = resource["Properties"][role_property]["Fn::GetAtt"][0]
        role = cfn["Resources"][role_id]["Properties"]
        statements: list[Statement] = []
        for arn in role.get("ManagedPolicyArns", []):
            if arn not in MANAGED_POLICIES:
                raise ValueError(f"{logical_id}: managed policy {arn} is not known here")
            statements += [Statement("Allow", a, (r,)) for a, r in MANAGED_POLICIES[arn]]
        for inline in role.get("Policies", []):
            for raw in _as_list(inline["PolicyDocument"]["Statement"]):
                statements.append(_statement(resolver.resolve(raw), f"{logical_id}"))
        statements += _key_policy_grants(cfn, role_id, resolver)
        found[logical_id] = Policy(logical_id, tuple(statements))
    return found


def _key_policy_grants(
    cfn: Mapping[str, Any], role_id: str, resolver: _Resolver
) -> list[Statement]:
    """What KMS key policies grant the role itself (``Principal: {AWS: !GetAtt <role>.Arn}``):
    such a grant needs no IAM policy (WebhookDeliveryFunction's Decrypt). A grant to the account
    (``:root``) only delegates to IAM policies, so it adds nothing here. ``Resource: "*"`` in a
    key policy is that key."""
    role_arn = {"Fn::GetAtt": [role_id, "Arn"]}
    grants: list[Statement] = []
    for key_id, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::KMS::Key":
            continue
        key_arn = resolver.get_att(key_id, "Arn")
        for raw in _as_list(resource["Properties"].get("KeyPolicy", {}).get("Statement", [])):
            principals = _as_list(raw.get("Principal", {}).get("AWS", []))
            if raw.get("Effect") == "Allow" and role_arn in principals:
                grants.append(_statement({**raw, "Resource": key_arn}, f"{key_id} key policy"))
    return grants


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement(raw: Mapping[str, Any], where: str) -> Statement:
    unsupported = {"NotAction", "NotResource", "NotPrincipal"} & set(raw)
    if unsupported:
        raise ValueError(f"{where}: {sorted(unsupported)} are not evaluated here")
    conditions = {
        operator: {key: _as_tuple(value) for key, value in tests.items()}
        for operator, tests in raw.get("Condition", {}).items()
    }
    return Statement(
        effect=str(raw["Effect"]),
        actions=_as_tuple(raw["Action"]),
        resources=_as_tuple(raw["Resource"]),
        conditions=conditions,
    )


class _Resolver:
    """CloudFormation intrinsics of policy statements, resolved to local names and ARNs."""

    def __init__(self, names: Mapping[str, str], prefix: str, cfn: Mapping[str, Any]) -> None:
        self.names = names
        self.prefix = prefix
        self.cfn = cfn
        self.pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::StackName": prefix,
            "AWS::URLSuffix": "amazonaws.com",
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(str(argument))
            if key == "Fn::GetAtt":
                parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
                return self.get_att(str(parts[0]), str(parts[1]))
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::Join":
                separator, items = argument
                return str(separator).join(str(self.resolve(item)) for item in items)
            if key.startswith("Fn::"):
                raise ValueError(f"intrinsic {key} is not resolved here")
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.names:
            return self.names[name]
        if name in self.cfn.get("Parameters", {}):
            return str(self.cfn["Parameters"][name].get("Default"))
        resource = self.cfn["Resources"].get(name, {})
        if resource.get("Type") == "AWS::SQS::Queue":  # Ref of a queue is its URL
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{self.prefix}-{name}"
        raise ValueError(f"cannot resolve Ref {name}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        key = f"{logical_id}.{attribute}"
        if key in self.names:
            return self.names[key]
        if attribute == "StreamArn":
            return f"{self.names[f'{logical_id}.Arn']}/stream/*"
        resource_type = self.cfn["Resources"].get(logical_id, {}).get("Type")
        if resource_type == "AWS::KMS::Key" and attribute == "Arn":
            # Local keys get random ids; see ``local.iam_audit._kms`` for what is checked.
            return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:key/*"
        if resource_type == "AWS::SQS::Queue" and attribute == "Arn":
            return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{self.prefix}-{logical_id}"
        raise ValueError(f"cannot resolve GetAtt {key}")

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: str(self.resolve(value)) for name, value in variables.items()}

        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name in values:
                return values[name]
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, str(text))


def denied(policy: Policy, requests: Sequence[Request]) -> list[Request]:
    """The requests ``policy`` would not allow."""
    return [request for request in requests if not policy.allows(request)]
