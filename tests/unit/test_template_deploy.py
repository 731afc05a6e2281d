"""What a first deploy to a real account needs from ``template.yaml``: the Region's API Gateway
logging role, exactly one (throttled, logged) stage, and reserved concurrency as parameters.

Parsed from the template, and, for what SAM generates, from SAM's own translation of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local import template
from tests import sam_translated

RESERVED = "ReservedConcurrentExecutions"


def _references(node: Any) -> Iterator[str]:
    """Logical ids a resource refers to (Ref, GetAtt, Sub): CloudFormation's implicit order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value[0] if isinstance(value, list) else str(value).split(".")[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for part in str(text).split("${")[1:]:
                    yield part.split("}")[0].split(".")[0]
                yield from _references(value)
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _waits_for(resources: dict[str, Any], start: str) -> set[str]:
    """Every resource CloudFormation must create before ``start``."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        resource = resources[pending.pop()]
        depends = resource.get("DependsOn", [])
        before = [depends] if isinstance(depends, str) else list(depends)
        before += [r for r in _references(resource) if r in resources]
        for name in before:
            if name not in seen:
                seen.add(name)
                pending.append(name)
    return seen


def test_sam_creates_exactly_one_stage_and_it_is_throttled_and_logged() -> None:
    """A Deployment with a ``StageName`` creates a stage of its own, outside the template's
    throttling and logging: SAM's ``Stage`` when ``OpenApiVersion`` is not set."""
    stages = sam_translated.of_type("AWS::ApiGateway::Stage")
    deployments = sam_translated.of_type("AWS::ApiGateway::Deployment")
    extra = [
        d["Properties"]["StageName"] for d in deployments.values() if "StageName" in d["Properties"]
    ]
    assert extra == [], f"a deployment also creates the stage(s) {extra}"
    assert len(stages) == 1, f"SAM created {sorted(stages)}"
    (stage,) = stages.values()
    properties = stage["Properties"]
    assert properties["StageName"] == {"Ref": "StageName"}
    assert properties["AccessLogSetting"]["DestinationArn"] == {
        "Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]
    }
    (settings,) = properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}


def test_the_template_creates_the_regions_api_gateway_logging_role_by_default() -> None:
    parameter = template.load_template()["Parameters"]["CreateApiGatewayAccountRole"]
    assert parameter["Default"] == "true"
    assert parameter["AllowedValues"] == ["true", "false"]
    condition = template.load_template()["Conditions"]["CreateApiGatewayAccount"]
    assert condition == {"Fn::Equals": [{"Ref": "CreateApiGatewayAccountRole"}, "true"]}

    (account,) = template.resources("AWS::ApiGateway::Account").values()
    assert account["Condition"] == "CreateApiGatewayAccount"
    assert account["Properties"]["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]
    }
    role = template.resources("AWS::IAM::Role")["ApiGatewayCloudWatchRole"]
    assert role["Condition"] == "CreateApiGatewayAccount"
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    (policy,) = role["Properties"]["ManagedPolicyArns"]
    assert str(policy["Fn::Sub"]).endswith("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    # The setting is the Region's, not the stack's: deleting the stack must not break other APIs.
    for resource in (account, role):
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_the_stage_is_created_only_after_the_logging_role_is_set() -> None:
    resources = sam_translated.translated()["Resources"]
    (stage_id,) = sam_translated.of_type("AWS::ApiGateway::Stage")
    assert "ApiGatewayAccount" in _waits_for(resources, stage_id)
    # ... through a handle, because DependsOn may not name a resource whose condition is false.
    handle = resources["ApiGatewayAccountReady"]
    assert "Condition" not in handle
    assert handle["Metadata"]["ApiGatewayAccount"] == {
        "Fn::If": ["CreateApiGatewayAccount", {"Ref": "ApiGatewayAccount"}, ""]
    }


def _reservation(function: dict[str, Any]) -> Any:
    return function["Properties"].get(RESERVED)


def _expected(kind: str) -> dict[str, Any]:
    return {
        "Fn::If": [
            f"Reserve{kind}Concurrency",
            {"Ref": f"{kind}ReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_reserved_concurrency_is_a_parameter_of_the_api_the_authorizer_and_the_fan_out() -> None:
    functions = template.resources("AWS::Serverless::Function")
    api = {
        name
        for name, function in functions.items()
        if any(e["Type"] == "Api" for e in function["Properties"].get("Events", {}).values())
    }
    assert len(api) >= 17
    for name in api:
        assert _reservation(functions[name]) == _expected("Api"), name
    assert _reservation(functions["AuthorizerFunction"]) == _expected("Authorizer")
    assert _reservation(functions["EvaluateCandidateFunction"]) == _expected("Training")
    loaded = template.load_template()
    for kind in ("Api", "Authorizer", "Training"):
        parameter = loaded["Parameters"][f"{kind}ReservedConcurrency"]
        assert parameter["Type"] == "Number"
        assert parameter["MinValue"] == -1  # -1: no reservation (0 would throttle everything)
        assert loaded["Conditions"][f"Reserve{kind}Concurrency"] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": f"{kind}ReservedConcurrency"}, -1]}]
        }


def test_the_fan_out_is_capped_by_default_yet_one_run_gets_its_full_width() -> None:
    """The cap is what keeps a burst of runs off the API's concurrency; it must still let one
    run evaluate as many candidates at once as its Map allows."""
    default = int(template.parameter_default("TrainingReservedConcurrency"))
    asl = (template.ROOT / "statemachine" / "training.asl.json").read_text(encoding="utf-8")
    width = json.loads(asl)["States"]["Evaluate candidates"]["MaxConcurrency"]
    assert width <= default <= 100


@pytest.mark.parametrize("kind", ["Api", "Authorizer"])
def test_api_reservations_are_off_by_default_so_a_new_account_can_deploy(kind: str) -> None:
    """A new account's concurrency quota can be as low as 10, and Lambda refuses a reservation
    that leaves fewer than 100 unreserved: reserving is the operator's choice (README)."""
    assert int(template.parameter_default(f"{kind}ReservedConcurrency")) == -1
