"""Ready events for every function of ``template.yaml``, for ``sam local invoke`` (``events/``).

This module is the one place they come from: each API route becomes an API Gateway REST proxy
event (the template's path, a request in the contract's shape, the authorizer's context), the
authorizer gets its TOKEN event, each training step the payload the state machine passes it, the
stream consumers a ModelsTable stream record that passes their filter, the EventBridge and
schedule consumers the events those rules send, and the SQS consumers (the webhook fan-out and
deliveries) the messages their queues hold. Names and ARNs are the local stack's
(``make local`` / ``make sam-local``), and every value is fixed, so the files only change when the
template or this module does.

Together they tell one story (``local.sam_story``), in :data:`SCENARIO` order: a model
``demo.support-tone`` is created, patched and given the walk-through's samples, run ``RUN_ID``
trains it step by step (``local.sam_step_events``) while a webhook endpoint of the namespace
waits for the run's end (fanned out from the model events bus, delivered signed to a receiver on
``RECEIVER_URL``), the version is tagged and scored, the consumers find nothing left to do, the
model is archived and the endpoint deleted. The webhook events name the endpoint ``WEBHOOK_ID``:
ids are random, so a replay puts in the id CreateWebhookFunction answered.
``tests/integration/test_sam_events.py`` invokes every handler with its event in that order.

``python -m local.sam_events`` writes ``events/``; ``--check`` fails when it differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from local import event_patterns, events, streams, template
from local.resources import ACCOUNT_ID, REGION
from local.sam_step_events import STEP_EVENTS
from local.sam_story import (
    API_ID,
    API_KEY_PLACEHOLDER,
    CRITERIA,
    DATA_EPOCH,
    EFFORT,
    EPOCH_MS,
    HANDLE,
    KEY_ID,
    NAMESPACE,
    PREFIX,
    RECEIVER_URL,
    RUN_FINISHED_AT,
    RUN_ID,
    SAMPLE_ID,
    WEBHOOK_ID,
    local_names,
    samples_body,
    stable_id,
    stage,
)

EVENTS_DIR: Final = template.ROOT / "events"


# -- API routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    """One request of the story to one route: what a client sends and the status it gets."""

    path_values: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    status: int = 200


# Keyed by the function's logical id (one route each); values fill the route's path template.
_MODEL = {"handle": HANDLE}
_WEBHOOK = {"id": WEBHOOK_ID}
API_CALLS: Final[Mapping[str, Callable[[], ApiCall]]] = {
    "CreateModelFunction": lambda: ApiCall(
        body={"handle": HANDLE, "criteria": list(CRITERIA)}, status=201
    ),
    "GetModelFunction": lambda: ApiCall(_MODEL),
    "ListModelsFunction": lambda: ApiCall(query={"limit": "10"}),
    "PatchModelFunction": lambda: ApiCall(
        _MODEL,
        body={"description": "Tone of support replies", "auto_prune": {"keep_unnamed": 20}},
        headers={"Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
    ),
    "AddSamplesFunction": lambda: ApiCall(_MODEL, body=samples_body(), status=201),
    "ListSamplesFunction": lambda: ApiCall(_MODEL, query={"limit": "5"}),
    "DeleteSampleFunction": lambda: ApiCall({**_MODEL, "sample_id": SAMPLE_ID}, status=404),
    "GetRunFunction": lambda: ApiCall({**_MODEL, "run_id": RUN_ID}),
    "ListRunsFunction": lambda: ApiCall(_MODEL),
    "ListVersionsFunction": lambda: ApiCall(_MODEL),
    "GetVersionFunction": lambda: ApiCall({**_MODEL, "n": "1"}),
    "PutTagFunction": lambda: ApiCall({**_MODEL, "tag": "prod"}, body={"version": 1}),
    "ScoreFunction": lambda: ApiCall(
        _MODEL,
        body={"texts": ["Simple, clear and direct; therefore easy to follow."]},
        query={"tag": "prod"},
    ),
    "DeleteTagFunction": lambda: ApiCall({**_MODEL, "tag": "prod"}),
    "TrainModelFunction": lambda: ApiCall(
        _MODEL, body={"effort": EFFORT, "reoptimize_params": True}, status=202
    ),
    "CancelRunFunction": lambda: ApiCall({**_MODEL, "run_id": RUN_ID}, status=409),
    "ArchiveModelFunction": lambda: ApiCall(_MODEL),
    "CreateWebhookFunction": lambda: ApiCall(
        body={"url": RECEIVER_URL, "events": ["run.succeeded", "run.failed"]}, status=201
    ),
    "ListWebhooksFunction": lambda: ApiCall(query={"limit": "10"}),
    "GetWebhookFunction": lambda: ApiCall(_WEBHOOK),
    "PatchWebhookFunction": lambda: ApiCall(
        _WEBHOOK,
        body={"description": "Notify the release pipeline"},
        headers={"Content-Type": "application/merge-patch+json"},
    ),
    "RotateWebhookSecretFunction": lambda: ApiCall(_WEBHOOK),
    "ListWebhookDeliveriesFunction": lambda: ApiCall(_WEBHOOK),
    "PingWebhookFunction": lambda: ApiCall(_WEBHOOK, status=202),
    "DeleteWebhookFunction": lambda: ApiCall(_WEBHOOK, status=204),
}


def api_event(route: template.Route, call: ApiCall) -> dict[str, Any]:
    """The REST proxy event API Gateway sends for ``call`` on ``route``, authorizer included."""
    path = route.path
    for name, value in call.path_values.items():
        path = path.replace("{" + name + "}", value)
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {API_KEY_PLACEHOLDER}",
        "Host": "127.0.0.1:3000",
        "User-Agent": "curl/8.5.0",
        "X-Forwarded-Port": "3000",
        "X-Forwarded-Proto": "http",
    }
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    headers.update(call.headers)
    request_id = stable_id("api", route.function)
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": dict(call.query) or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in call.query.items()} or None,
        "pathParameters": dict(call.path_values) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": path,
            "stage": stage(),
            "requestId": request_id,
            "extendedRequestId": request_id,
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": EPOCH_MS,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0"},
            "authorizer": {
                "principalId": KEY_ID,
                "integrationLatency": 0,
                "namespace": NAMESPACE,
                "key_id": KEY_ID,
            },
        },
        "body": None if call.body is None else json.dumps(call.body),
        "isBase64Encoded": False,
    }


def authorizer_event() -> dict[str, Any]:
    """API Gateway's TOKEN authorizer request for ``GET /v1/models``."""
    return {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {API_KEY_PLACEHOLDER}",
        "methodArn": (
            f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{stage()}/GET/v1/models"
        ),
    }


# -- stream and EventBridge consumers ------------------------------------------------------------


def _string(value: str) -> dict[str, str]:
    return {"S": value}


def _number(value: int) -> dict[str, str]:
    return {"N": str(value)}


def stream_record(name: str, new: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """A ModelsTable stream record (``NEW_AND_OLD_IMAGES``) as Lambda's event carries it."""
    table_arn = local_names()["ModelsTable.Arn"]
    return {
        "eventID": uuid.UUID(stable_id("stream", name)).hex,
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": EPOCH_MS // 1000,
            "Keys": {"pk": new["pk"], "sk": new["sk"]},
            "NewImage": dict(new),
            "OldImage": dict(old),
            "SequenceNumber": "100000000000000000001",
            "SizeBytes": 256,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": f"{table_arn}/stream/2026-01-01T00:00:00.000",
    }


def _model_image(**attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "pk": _string(f"MODEL#{HANDLE}"),
        "sk": _string("META"),
        "handle": _string(HANDLE),
        **attributes,
    }


def retrain_record() -> dict[str, Any]:
    """A ready model's item reaching ``RetrainThreshold`` new samples (one more arrived), as the
    upload writes it (``samples_repo``): the write that reaches the threshold also sets the
    ``retrain_due`` marker, which is what the template's filter matches (a record's numbers are
    strings, which a filter cannot compare with the threshold)."""
    from u22a8.data.models_repo import RETRAIN_DUE

    threshold = int(template.parameter_default("RetrainThreshold"))
    ready = {"state": _string("ready"), "active_version": _number(1)}
    return stream_record(
        "Retrain",
        _model_image(
            **ready, samples_since_version=_number(threshold), **{RETRAIN_DUE: {"BOOL": True}}
        ),
        _model_image(**ready, samples_since_version=_number(threshold - 1)),
    )


def purge_record() -> dict[str, Any]:
    """A model item whose zero-data-retention purge is pending (samples before ``DATA_EPOCH``)."""
    pending = {"purge_pending": _string(DATA_EPOCH), "data_epoch": _string(DATA_EPOCH)}
    return stream_record(
        "Purge",
        _model_image(state=_string("ready"), **pending),
        _model_image(state=_string("ready")),
    )


def status_change() -> dict[str, Any]:
    """Step Functions' status change of the run's execution, aborted (as a stop from outside)."""
    machine = local_names()["TrainingStateMachine"]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{RUN_ID}"
    started = EPOCH_MS
    event = events.status_change_event(
        {
            "executionArn": execution,
            "stateMachineArn": machine,
            "name": RUN_ID,
            "status": "ABORTED",
            "input": json.dumps(
                {"handle": HANDLE, "run_id": RUN_ID, "kind": "train", "effort": EFFORT}
            ),
        }
    )
    event["id"] = stable_id("status-change", RUN_ID)
    event["time"] = "2026-01-01T00:05:00Z"
    event["detail"]["startDate"] = started
    event["detail"]["stopDate"] = started + 300_000
    return event


def scheduled(function: str, name: str) -> dict[str, Any]:
    rule = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{PREFIX}-{function}-{name}"
    event = events.scheduled_event(rule)
    event["id"] = stable_id("schedule", function, name)
    event["time"] = "2026-01-01T00:00:00Z"
    return event


def bus_events() -> list[dict[str, Any]]:
    """What publishing the story's run puts on the model events bus (one PutEvents call, as
    ``u22a8.domain.events.run_finished`` makes it): the run's end and its model leaving ``busy``,
    as EventBridge delivers each event to a target."""
    from u22a8.data.events import SOURCE
    from u22a8.domain import events as model_events
    from u22a8.entities.model import ModelState

    changes = [
        model_events.run_end(HANDLE, RUN_ID, "succeeded", version=1),
        model_events.model_state_change(
            HANDLE, ModelState.READY, ModelState.BUSY, RUN_ID, version=1
        ),
    ]
    return [
        {
            "version": "0",
            "id": stable_id("bus", detail_type),
            "detail-type": detail_type,
            "source": SOURCE,
            "account": ACCOUNT_ID,
            "time": RUN_FINISHED_AT,
            "region": REGION,
            "resources": [],
            "detail": detail,
        }
        for detail_type, detail in (change for change in changes if change is not None)
    ]


def delivery_message() -> dict[str, Any]:
    """The delivery the fan-out queues for the story's endpoint on the run's end (the webhook
    event built by ``u22a8.domain.webhook_delivery`` itself), due at once."""
    from datetime import datetime

    from u22a8.domain import webhook_delivery
    from u22a8.entities.webhook import Webhook

    parsed = webhook_delivery.event_from_bus(bus_events()[0])
    assert parsed is not None, "the run's end is a webhook event"
    namespace, event = parsed
    created = RUN_FINISHED_AT.replace("Z", ".000Z")
    endpoint = Webhook(
        webhook_id=WEBHOOK_ID,
        namespace=namespace,
        url=RECEIVER_URL,
        events=tuple(API_CALLS["CreateWebhookFunction"]().body["events"]),
        description=None,
        enabled=True,
        created_at=created,
        updated_at=created,
    )
    due = datetime.fromisoformat(RUN_FINISHED_AT.replace("Z", "+00:00"))
    return webhook_delivery.delivery_message(endpoint, event, 1, due)


def sqs_event(queue: str, name: str, bodies: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Lambda's SQS event: one record per message of ``queue`` (a logical id)."""
    sent = str(EPOCH_MS + 300_000)
    records = []
    for index, body in enumerate(bodies):
        text = json.dumps(body, separators=(",", ":"))
        records.append(
            {
                "messageId": stable_id("sqs", name, str(index)),
                "receiptHandle": "AQEB" + uuid.UUID(stable_id("receipt", name, str(index))).hex,
                "body": text,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": ACCOUNT_ID,
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(text.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": local_names()[f"{queue}.Arn"],
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


CONSUMER_EVENTS: Final[Mapping[tuple[str, str], Callable[[], dict[str, Any]]]] = {
    ("RetrainFunction", "Retrain"): lambda: {"Records": [retrain_record()]},
    ("PurgeSamplesFunction", "Purge"): lambda: {"Records": [purge_record()]},
    ("PurgeSamplesFunction", "Sweep"): lambda: scheduled("PurgeSamplesFunction", "Sweep"),
    ("ReconcileRunFunction", "StatusChange"): status_change,
    ("SweepStuckRunsFunction", "Sweep"): lambda: scheduled("SweepStuckRunsFunction", "Sweep"),
    ("WebhookFanoutFunction", "Events"): lambda: sqs_event(
        "WebhookEventsQueue", "Fanout", bus_events()
    ),
    ("WebhookDeliveryFunction", "Deliveries"): lambda: sqs_event(
        "WebhookDeliveriesQueue", "Delivery", [delivery_message()]
    ),
}


# -- the story and the files --------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    """One event of :data:`SCENARIO`: the function, the template event it stands for (``None``
    for functions invoked directly: the authorizer, the training steps) and its file."""

    function: str
    source: str | None

    @property
    def filename(self) -> str:
        sources = _event_sources(self.function)
        if self.source is None or len(sources) <= 1:
            return f"{self.function}.json"
        return f"{self.function}.{self.source}.json"


def _event_sources(function: str) -> list[str]:
    resource = template.resources("AWS::Serverless::Function")[function]
    return list(resource["Properties"].get("Events", {}))


def _api(function: str) -> Invocation:
    return Invocation(function, _event_sources(function)[0])


SCENARIO: Final[Sequence[Invocation]] = (
    Invocation("AuthorizerFunction", None),
    _api("CreateModelFunction"),
    _api("GetModelFunction"),
    _api("ListModelsFunction"),
    _api("PatchModelFunction"),
    # An endpoint of the namespace for the run's events (WEBHOOK_ID stands for the id it gets).
    _api("CreateWebhookFunction"),
    _api("ListWebhooksFunction"),
    _api("GetWebhookFunction"),
    _api("PatchWebhookFunction"),
    _api("RotateWebhookSecretFunction"),
    _api("AddSamplesFunction"),
    _api("ListSamplesFunction"),
    _api("DeleteSampleFunction"),
    # Run RUN_ID holds the model (as POST …/train leaves it): the state machine's steps in order.
    Invocation("LoadSamplesFunction", None),
    Invocation("PlanCandidatesFunction", None),
    Invocation("EvaluateCandidateFunction", None),
    Invocation("FitBestCandidateFunction", None),
    Invocation("PublishVersionFunction", None),
    Invocation("PruneVersionsFunction", None),
    Invocation("RecordFailureFunction", None),
    # The publish's events reach the endpoint: bus -> WebhookEventsQueue -> fan-out -> one
    # delivery message -> a signed POST to the receiver.
    Invocation("WebhookFanoutFunction", "Events"),
    Invocation("WebhookDeliveryFunction", "Deliveries"),
    _api("ListWebhookDeliveriesFunction"),
    _api("PingWebhookFunction"),
    _api("GetRunFunction"),
    _api("ListRunsFunction"),
    _api("ListVersionsFunction"),
    _api("GetVersionFunction"),
    _api("PutTagFunction"),
    _api("ScoreFunction"),
    _api("DeleteTagFunction"),
    Invocation("RetrainFunction", "Retrain"),
    Invocation("PurgeSamplesFunction", "Purge"),
    Invocation("PurgeSamplesFunction", "Sweep"),
    Invocation("ReconcileRunFunction", "StatusChange"),
    Invocation("SweepStuckRunsFunction", "Sweep"),
    _api("CancelRunFunction"),
    _api("TrainModelFunction"),
    _api("ArchiveModelFunction"),
    _api("DeleteWebhookFunction"),
)


class MissingEvent(ValueError):
    """A function or event source of the template has no event here."""


def event_for(invocation: Invocation) -> dict[str, Any]:
    function = invocation.function
    if function == template.authorizer().function:
        return authorizer_event()
    if function in API_CALLS:
        (route,) = template.functions()[function].routes
        return api_event(route, API_CALLS[function]())
    if function in STEP_EVENTS:
        return STEP_EVENTS[function]()
    key = (function, invocation.source or "")
    if key in CONSUMER_EVENTS:
        return CONSUMER_EVENTS[key]()
    raise MissingEvent(f"no event for {function} {invocation.source or ''}".strip())


def check_coverage() -> None:
    """Every function, and every event source of each, has exactly one event in the story."""
    covered = {(i.function, i.source) for i in SCENARIO}
    missing: list[str] = []
    for function in template.functions():
        sources = _event_sources(function)
        wanted: list[tuple[str, str | None]] = [(function, s) for s in sources]
        wanted = wanted or [(function, None)]
        missing += [f"{f}.{s}" if s else f for f, s in wanted if (f, s) not in covered]
    if missing:
        raise MissingEvent(
            f"template.yaml has functions or event sources without an event: {missing}; "
            "add them to local/sam_events.py (SCENARIO and its builders)"
        )


def render() -> dict[str, str]:
    """``{file name: JSON text}`` of every event."""
    check_coverage()
    return {
        i.filename: json.dumps(event_for(i), indent=2, ensure_ascii=False) + "\n" for i in SCENARIO
    }


def differences(directory: Path = EVENTS_DIR) -> list[str]:
    """Files of ``directory`` that are missing, stale or not generated here."""
    wanted = render()
    present = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    stale = [
        name
        for name, text in wanted.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(stale + [name for name in present if name not in wanted])


def write(directory: Path = EVENTS_DIR) -> list[str]:
    """Write every event and remove files no function has any more; the names written."""
    directory.mkdir(exist_ok=True)
    wanted = render()
    for stale in directory.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (directory / name).write_text(text, encoding="utf-8")
    return sorted(wanted)


def matching_stream_filters(invocation: Invocation, event: Mapping[str, Any]) -> bool:
    """Whether every record of a stream event passes its event source's filter."""
    (source,) = [
        s
        for s in streams.sources()
        if (s.function, s.name) == (invocation.function, invocation.source)
    ]
    return all(event_patterns.matches_any(source.patterns, r) for r in event["Records"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sam_events", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when events/ is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = differences()
        if stale:
            print(
                f"events/ is out of date ({', '.join(stale)}): run `make events`", file=sys.stderr
            )
            return 1
        print("events/ is up to date")
        return 0
    for name in write():
        print(f"events/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
