"""``events/`` stays valid: every function of the template has its event, the files are what
``local.sam_events`` generates, and each handler, invoked in-process with its event in the story's
order (moto in-process), does what the story says."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from local import events, iam_audit, sam_events, sam_story, streams, template
from local.resources import physical_names
from local.sam_events import SCENARIO, Invocation
from tests.helpers import lambda_context
from tests.webhook_receiver import Receiver, receiving
from u22a8.config import get_settings
from u22a8.data import runs_repo
from u22a8.data.models_repo import RETRAIN_DUE
from u22a8.entities.model import ModelState
from u22a8.entities.run import Run, RunStatus, TrainRequest


def _file(invocation: Invocation) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (sam_events.EVENTS_DIR / invocation.filename).read_text(encoding="utf-8")
    )
    return loaded


def _invoke(invocation: Invocation, event: Mapping[str, Any]) -> Any:
    """The handler with its event, its AWS calls the function's (the IAM audit checks them)."""
    spec = template.functions()[invocation.function]
    handler = getattr(importlib.import_module(spec.module), spec.function_name)
    with iam_audit.acting_as(invocation.function):
        return handler(dict(event), lambda_context(invocation.function))


def _played(event: Mapping[str, Any], replacements: Mapping[str, str]) -> dict[str, Any]:
    """The event with what the story stands in for put in, as a replay would (the endpoint's
    real id, the receiver's real address)."""
    text = json.dumps(event)
    for placeholder, actual in replacements.items():
        text = text.replace(placeholder, actual)
    played: dict[str, Any] = json.loads(text)
    return played


def _queued(queue_url: str) -> list[dict[str, Any]]:
    """Every message body waiting on a queue (each received once: they become invisible)."""
    sqs = boto3.client("sqs")
    bodies: list[dict[str, Any]] = []
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            break
        bodies += [json.loads(m["Body"]) for m in messages]
    return bodies


def _without(body: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


def _by_function(function: str, source: str | None = None) -> Invocation:
    (found,) = [i for i in SCENARIO if i.function == function and source in (None, i.source)]
    return found


def _claim_run() -> None:
    """The model busy with ``RUN_ID``, as ``POST …/train`` leaves it (without the execution:
    this test plays the state machine)."""
    run = Run(
        run_id=sam_story.RUN_ID,
        kind="train",
        status=RunStatus.RUNNING,
        started_at="2026-01-01T00:00:00.000Z",
        effort=sam_story.EFFORT,
        progress=0.0,
    )
    request = TrainRequest(effort=sam_story.EFFORT)
    runs_repo.claim(sam_story.HANDLE, run, request, [ModelState.DRAFT], None)


def _same(actual: Any, expected: Any) -> None:
    """Equal, floats to the six decimals the files keep (the calibrations are kept exact)."""

    def rounded(value: Any) -> Any:
        return json.loads(json.dumps(value), parse_float=lambda v: round(float(v), 6))

    assert rounded(actual) == rounded(expected)


def test_the_committed_events_are_the_generated_ones() -> None:
    assert sam_events.differences() == [], "run `make events`"


def test_every_function_and_event_source_has_an_event() -> None:
    sam_events.check_coverage()
    files = {i.filename for i in SCENARIO}
    assert len(files) == len(SCENARIO)
    assert {i.function for i in SCENARIO} == set(template.functions())


def test_a_template_function_without_an_event_is_named(tmp_path: Path) -> None:
    text = template.TEMPLATE_PATH.read_text(encoding="utf-8")
    extra = text.replace(
        "  # ---------------------------------------------------------------- functions\n",
        "  # ---------------------------------------------------------------- functions\n"
        "  NewFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: functions/new/\n      Handler: app.handler\n",
        1,
    )
    path = tmp_path / "template.yaml"
    path.write_text(extra, encoding="utf-8")
    tpl = template.load_template(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(template, "load_template", lambda *_: tpl)
        with pytest.raises(sam_events.MissingEvent, match="NewFunction"):
            sam_events.check_coverage()


def test_stream_events_pass_their_sources_filters() -> None:
    wanted = {(s.function, s.name) for s in streams.sources()}
    invocations = [i for i in SCENARIO if (i.function, i.source) in wanted]
    assert len(invocations) == len(wanted)
    for invocation in invocations:
        assert sam_events.matching_stream_filters(invocation, _file(invocation))
    # A record the filter drops is told apart: the check can fail. An upload below the
    # threshold writes no retrain marker.
    retrain = _by_function("RetrainFunction")
    below = _file(retrain)
    del below["Records"][0]["dynamodb"]["NewImage"][RETRAIN_DUE]
    assert not sam_events.matching_stream_filters(retrain, below)


def test_the_retrain_record_carries_what_the_upload_writes(aws: dict[str, str]) -> None:
    """The story's upload, on the model when it is that many samples short of the threshold,
    writes the count and the marker the retrain record's new image has."""
    change = _file(_by_function("RetrainFunction"))["Records"][0]["dynamodb"]
    new, old = change["NewImage"], change["OldImage"]
    assert RETRAIN_DUE not in old
    create, add = _by_function("CreateModelFunction"), _by_function("AddSamplesFunction")
    assert _invoke(create, _file(create))["statusCode"] == 201
    short = int(new["samples_since_version"]["N"]) - len(sam_story.samples_body()["samples"])
    dynamodb = boto3.client("dynamodb")
    key = {"pk": new["pk"], "sk": new["sk"]}
    dynamodb.update_item(
        TableName=aws["ModelsTable"],
        Key=key,
        UpdateExpression="SET samples_since_version = :short",
        ExpressionAttributeValues={":short": {"N": str(short)}},
    )
    assert _invoke(add, _file(add))["statusCode"] == 201
    item = dynamodb.get_item(TableName=aws["ModelsTable"], Key=key, ConsistentRead=True)["Item"]
    assert item["samples_since_version"] == new["samples_since_version"]
    assert item[RETRAIN_DUE] == new[RETRAIN_DUE]


def test_the_status_change_matches_the_reconcilers_rule_on_the_local_stack() -> None:
    (rule,) = [
        r
        for r in events.rules(physical_names(sam_story.PREFIX))
        if r.function == "ReconcileRunFunction"
    ]
    assert events.matches(rule.pattern, _file(_by_function("ReconcileRunFunction")))


@pytest.mark.usefixtures("aws")
def test_the_authorizer_refuses_the_placeholder_and_allows_a_pasted_key() -> None:
    """The placeholder is refused with a Deny policy (API Gateway's ACCESS_DENIED, a 401), not
    an error: the authorizer raises only when it cannot check a key."""
    from u22a8.domain.keys_service import issue_key

    invocation = _by_function("AuthorizerFunction")
    event = _file(invocation)
    denied = _invoke(invocation, event)
    assert denied["principalId"] == "anonymous"
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "context" not in denied  # no namespace for a refused key
    issued = issue_key(sam_story.NAMESPACE, "events test")
    pasted = {**event, "authorizationToken": f"Bearer {issued.key}"}
    policy = _invoke(invocation, pasted)
    assert policy["context"]["namespace"] == sam_story.NAMESPACE
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def _api_status(invocation: Invocation, result: Any) -> None:
    expected = sam_events.API_CALLS[invocation.function]().status
    assert result["statusCode"] == expected, (invocation.function, result.get("body"))
    if expected >= 400:  # an RFC 9457 problem (the event has multi-value headers: so has this)
        assert result["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]
        assert json.loads(result["body"])["status"] == expected


@pytest.fixture
def receiver(webhooks: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """The story's receiver, on a free port of 127.0.0.1 (the local stack's ``http://``)."""
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL_HTTP", "1")
    get_settings.cache_clear()
    with receiving(path="/hooks") as running:
        yield running


def test_the_story_runs_handler_by_handler(webhooks: dict[str, str], receiver: Receiver) -> None:
    """Every event of ``SCENARIO`` in order, each checked against what it stands for."""
    outputs: dict[str, Any] = {}
    replacements = {sam_story.RECEIVER_URL: receiver.url}
    secrets: list[str] = []
    for invocation in SCENARIO:
        function = invocation.function
        event = _played(_file(invocation), replacements)
        if function == "AuthorizerFunction":
            continue  # its own test: the placeholder key is refused by design
        if function == "LoadSamplesFunction":
            _claim_run()
        result = _invoke(invocation, event)
        outputs[invocation.filename] = result
        if function in sam_events.API_CALLS:
            _api_status(invocation, result)
        if function in {"CreateWebhookFunction", "RotateWebhookSecretFunction"}:
            answered = json.loads(result["body"])
            replacements[sam_story.WEBHOOK_ID] = answered["id"]
            secrets.append(answered["secret"])

    # The steps hand each other what the next event says, as the state machine would.
    evaluate = _file(_by_function("EvaluateCandidateFunction"))
    loaded = outputs["LoadSamplesFunction.json"]
    assert loaded["dataset_key"] == evaluate["dataset_key"]
    assert loaded["sample_count"] == 40
    plan = outputs["PlanCandidatesFunction.json"]
    assert plan["candidates"][0] == evaluate["candidate"]
    assert plan["total"] == evaluate["total"]
    fit_best = _file(_by_function("FitBestCandidateFunction"))
    _same([outputs["EvaluateCandidateFunction.json"]], fit_best["results"])
    publish = _file(_by_function("PublishVersionFunction"))
    _same(outputs["FitBestCandidateFunction.json"], publish["fitted"])
    assert outputs["PublishVersionFunction.json"]["version"] == 1
    assert outputs["PruneVersionsFunction.json"] == {"pruned": []}
    # The run already published: recording a failure for it changes nothing.
    assert outputs["RecordFailureFunction.json"]["outcome"] == "superseded"

    run = json.loads(outputs["GetRunFunction.json"]["body"])
    assert (run["run_id"], run["status"]) == (sam_story.RUN_ID, "succeeded")
    scored = json.loads(outputs["ScoreFunction.json"]["body"])
    assert len(scored["results"]) == 1

    # The consumers find the story's model already handled.
    assert outputs["RetrainFunction.json"] == {"started": {}}  # its count is below the threshold
    assert outputs["PurgeSamplesFunction.Purge.json"]["samples_deleted"] == 0  # all newer
    assert outputs["PurgeSamplesFunction.Sweep.json"] == {"batches": 0, "samples_deleted": 0}
    assert outputs["ReconcileRunFunction.json"] == {"reconciled": False}  # the run succeeded
    assert outputs["SweepStuckRunsFunction.json"] == {"busy": 0, "reconciled": []}
    archived = json.loads(outputs["ArchiveModelFunction.json"]["body"])
    assert archived["state"] == "archived"

    _check_webhooks(webhooks, receiver, outputs, replacements, secrets)


def _check_webhooks(
    names: Mapping[str, str],
    receiver: Receiver,
    outputs: Mapping[str, Any],
    replacements: Mapping[str, str],
    secrets: list[str],
) -> None:
    """The endpoint's part of the story: its routes, and the run's end reaching the receiver."""
    webhook_id = replacements[sam_story.WEBHOOK_ID]
    listed = json.loads(outputs["ListWebhooksFunction.json"]["body"])
    assert [w["id"] for w in listed["data"]] == [webhook_id]
    endpoint = json.loads(outputs["GetWebhookFunction.json"]["body"])
    assert (endpoint["url"], endpoint["enabled"]) == (receiver.url, True)
    assert "secret" not in endpoint
    patched = json.loads(outputs["PatchWebhookFunction.json"]["body"])
    assert patched["description"] == "Notify the release pipeline"
    assert len(set(secrets)) == 2  # created, then rotated

    # The fan-out's events are what the publish put on the bus, as the rule queued them, in
    # order (ids and times are the bus's own; moto's EventBridge leaves out ``account``).
    fanned = [
        _without(json.loads(r["body"]), "id", "time", "account")
        for r in _file(_by_function("WebhookFanoutFunction"))["Records"]
    ]
    on_bus = [_without(b, "id", "time", "account") for b in _queued(names["WebhookEventsQueue"])]
    start = on_bus.index(fanned[0])
    assert on_bus[start : start + len(fanned)] == fanned
    assert outputs["WebhookFanoutFunction.json"] == {"batchItemFailures": []}

    # It queued one delivery (the endpoint is not subscribed to state changes): the delivery's
    # event, but for when it is due; and the ping queued one more.
    delivery = _played(_file(_by_function("WebhookDeliveryFunction")), replacements)
    message = json.loads(delivery["Records"][0]["body"])
    queued = _queued(names["WebhookDeliveriesQueue"])
    ping = json.loads(outputs["PingWebhookFunction.json"]["body"])
    assert sorted(m["type"] for m in queued) == ["run.succeeded", "webhook.ping"]
    (fanned_out,) = [m for m in queued if m["type"] == "run.succeeded"]
    assert _without(fanned_out, "due_at") == _without(message, "due_at")
    (pinged,) = [m for m in queued if m["type"] == "webhook.ping"]
    assert (pinged["event_id"], pinged["webhook_id"]) == (ping["event_id"], webhook_id)

    # The delivery: one POST to the receiver, signed with both secrets (the rotated one for 24 h).
    assert outputs["WebhookDeliveryFunction.json"] == {"batchItemFailures": []}
    (request,) = receiver.received
    assert request.path == "/hooks"
    assert request.headers["webhook-id"] == message["event_id"]
    for secret in secrets:
        payload = Webhook(secret).verify(request.body, request.headers)
        assert payload == {k: message[k] for k in ("type", "timestamp", "data")}
    attempts = json.loads(outputs["ListWebhookDeliveriesFunction.json"]["body"])["data"]
    assert [(a["event_id"], a["attempt"], a["status_code"], a["error"]) for a in attempts] == [
        (message["event_id"], 1, 200, None)
    ]
