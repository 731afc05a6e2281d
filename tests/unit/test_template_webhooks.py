"""Webhooks in ``template.yaml``: secrets only the delivery function can read, least privilege,
the bus rule feeding the fan-out queue, and the local-only flag never deployed."""

from __future__ import annotations

from typing import Any

from local.template import load_template, resources

API_FUNCTIONS = {
    "CreateWebhookFunction",
    "ListWebhooksFunction",
    "GetWebhookFunction",
    "PatchWebhookFunction",
    "DeleteWebhookFunction",
    "RotateWebhookSecretFunction",
    "PingWebhookFunction",
    "ListWebhookDeliveriesFunction",
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _actions(function: str) -> set[str]:
    props = resources("AWS::Serverless::Function")[function]["Properties"]
    return {
        action
        for policy in props.get("Policies", [])
        for statement in policy["Statement"]
        for action in _as_list(statement["Action"])
    }


def test_only_the_delivery_function_may_decrypt_secrets() -> None:
    (key,) = resources("AWS::KMS::Key").values()
    decrypters = [
        statement["Principal"]["AWS"]
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "kms:Decrypt" in _as_list(statement["Action"])
        or "kms:*" in _as_list(statement["Action"])
    ]
    assert decrypters == [{"Fn::GetAtt": ["WebhookDeliveryFunctionRole", "Arn"]}]
    for function in resources("AWS::Serverless::Function"):
        kms = {a for a in _actions(function) if a.startswith("kms:")}
        expected = (
            {"kms:Encrypt"}
            if function
            in (
                "CreateWebhookFunction",
                "RotateWebhookSecretFunction",
            )
            else set()
        )
        assert kms == expected, function


def test_the_api_functions_touch_only_the_webhooks_table_and_the_deliveries_queue() -> None:
    for function in API_FUNCTIONS:
        props = resources("AWS::Serverless::Function")[function]["Properties"]
        for policy in props["Policies"]:
            for statement in policy["Statement"]:
                for resource in _as_list(statement["Resource"]):
                    assert resource["Fn::GetAtt"][0] in {
                        "WebhooksTable",
                        "WebhookSecretsKey",
                        "WebhookDeliveriesQueue",
                    }, function
        assert not any(a.startswith("dynamodb:") and "Scan" in a for a in _actions(function))


def test_model_events_reach_the_fan_out_queue_and_deliveries_go_one_at_a_time() -> None:
    (rule,) = resources("AWS::Events::Rule").values()
    props = rule["Properties"]
    assert props["EventBusName"] == {"Ref": "ModelEventsBus"}
    assert set(props["EventPattern"]["detail-type"]) == {"Run Finished", "Model State Changed"}
    assert props["Targets"][0]["Arn"] == {"Fn::GetAtt": ["WebhookEventsQueue", "Arn"]}
    functions = resources("AWS::Serverless::Function")
    (deliveries,) = functions["WebhookDeliveryFunction"]["Properties"]["Events"].values()
    assert deliveries["Properties"]["BatchSize"] == 1
    assert deliveries["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The delivery's 10 s HTTP timeout fits its Lambda timeout, which fits the visibility timeout.
    timeout = functions["WebhookDeliveryFunction"]["Properties"]["Timeout"]
    assert timeout > 10
    queue = resources("AWS::SQS::Queue")["WebhookDeliveriesQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["WebhookDeliveriesDeadLetterQueue", "Arn"]
    }


def test_the_local_http_flag_is_never_deployed() -> None:
    assert "WEBHOOK_ALLOW_LOCAL_HTTP" not in str(load_template())
