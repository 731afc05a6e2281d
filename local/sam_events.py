"""Ready events for every function of ``template.yaml``, for ``sam local invoke`` (``events/``).

This module is the one place they come from: each API route becomes an API Gateway REST proxy
event (the template's path, a request in the contract's shape, the authorizer's context), the
authorizer gets its TOKEN event, each training step the payload the state machine passes it, the
stream consumers a ModelsTable stream record that passes their filter, and the EventBridge and
schedule consumers the events those rules send. Names and ARNs are the local stack's
(``make local`` / ``make sam-local``), and every value is fixed, so the files only change when the
template or this module does.

Together they tell one story, in :data:`SCENARIO` order: a model ``demo.support-tone`` is created,
patched and given the walk-through's samples, run ``RUN_ID`` trains it step by step, the version
is tagged and scored, the consumers find nothing left to do, and the model is archived.
``tests/integration/test_sam_events.py`` invokes every handler with its event in that order.

``python -m local.sam_events`` writes ``events/``; ``--check`` fails when it differs.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

from local import events, streams, template
from local.resources import ACCOUNT_ID, REGION, physical_names

EVENTS_DIR: Final = template.ROOT / "events"
SAMPLES_PATH: Final = template.ROOT / "examples" / "support-tone-samples.json"
PREFIX: Final = "u22a8-local"  # the local stack's names (local.stack's default --prefix)
NAMESPACE: Final = "demo"
HANDLE: Final = f"{NAMESPACE}.support-tone"
CRITERIA: Final = ("Clarity", "Flow")
RUN_ID: Final = "run_019a0f3c5e00d3f1a2b4"  # 12 hex of epoch ms + 8 hex, as train makes them
EFFORT: Final = "low"
SAMPLE_ID: Final = "smp_019a0f3c5e0000000123456789ab"
KEY_ID: Final = "key_0123456789abcdef"
# Not a key: the authorizer refuses it. Paste a key of the local stack to see it allowed.
API_KEY_PLACEHOLDER: Final = "u22a8_PASTE_THE_DEMO_KEY_PRINTED_BY_MAKE_LOCAL"
DATA_EPOCH: Final = "2026-01-01T00:00:00.000Z"
EPOCH_MS: Final = 1_767_225_600_000  # 2026-01-01T00:00:00Z, every event's time
API_ID: Final = "local"


def _id(*parts: str) -> str:
    """A stable UUID per event, so regenerating changes nothing."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "u22a8-events/" + "/".join(parts)))


@cache
def _names() -> dict[str, str]:
    return physical_names(PREFIX)


def _stage() -> str:
    return str(template.parameter_default("StageName"))


# -- API routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    """One request of the story to one route: what a client sends and the status it gets."""

    path_values: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    status: int = 200


def _samples_body() -> Any:
    return json.loads(SAMPLES_PATH.read_text(encoding="utf-8"))


# Keyed by the function's logical id (one route each); values fill the route's path template.
_MODEL = {"handle": HANDLE}
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
    "AddSamplesFunction": lambda: ApiCall(_MODEL, body=_samples_body(), status=201),
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
    request_id = _id("api", route.function)
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
            "stage": _stage(),
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
            f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{_stage()}/GET/v1/models"
        ),
    }


# -- training steps (the payloads statemachine/training.asl.json passes) ------------------------


def _dataset_key() -> str:
    return f"datasets/{HANDLE}/{RUN_ID}.json.gz"  # snapshot.snapshot_key(HANDLE, RUN_ID)


def _run() -> dict[str, Any]:
    return {"handle": HANDLE, "run_id": RUN_ID}


def _candidate() -> dict[str, Any]:
    """The plan's first candidate for ``EFFORT``."""
    from u22a8.training import plan_candidates

    return {"index": 0, "params": plan_candidates(EFFORT)[0].to_dict()}


def _samples() -> list[Any]:
    from u22a8.training.types import LabelledSample

    return [
        LabelledSample(text=s["text"], scores=dict(s["scores"])) for s in _samples_body()["samples"]
    ]


def _plan_total() -> int:
    from u22a8.training import plan_candidates

    return len(plan_candidates(EFFORT))


@cache
def _evaluated() -> dict[str, Any]:
    """What "Evaluate candidates" returns for the first candidate on the walk-through's samples:
    the trainer is deterministic, so this is the real result, rounded for a stable file."""
    from u22a8.training import TrainingParams
    from u22a8.training.evaluate import evaluate_candidate

    params = TrainingParams.from_dict(_candidate()["params"])
    result = evaluate_candidate(_samples(), list(CRITERIA), params).to_dict()
    return {"index": 0, **_rounded(result)}


@cache
def _artifact_bytes() -> int:
    """The size of the artifact "Fit best candidate" stores for that candidate."""
    from u22a8.training import TrainingParams, fit

    params = TrainingParams.from_dict(_candidate()["params"])
    return len(fit(_samples(), list(CRITERIA), params).to_bytes())


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _version_id() -> str:
    from u22a8.domain.training_run.snapshot import version_id_for

    return version_id_for(RUN_ID)


def _fitted() -> dict[str, Any]:
    """What "Fit best candidate" returns (``$.fitted``), for the publish step."""
    from u22a8.data.artifacts import artifact_key
    from u22a8.domain.training_run.fitting import version_metrics
    from u22a8.training.evaluate import CandidateResult

    best = CandidateResult.from_dict(_evaluated())
    version_id = _version_id()
    return {
        "version_id": version_id,
        "params": best.params.to_dict(),
        "metrics": _rounded(version_metrics(best)),
        "artifact_key": artifact_key(HANDLE, version_id),
        "artifact_bytes": _artifact_bytes(),
        "sample_count": len(_samples_body()["samples"]),
    }


STEP_EVENTS: Final[Mapping[str, Callable[[], dict[str, Any]]]] = {
    "LoadSamplesFunction": _run,
    "PlanCandidatesFunction": lambda: {**_run(), "kind": "train", "effort": EFFORT},
    "EvaluateCandidateFunction": lambda: {
        **_run(),
        "dataset_key": _dataset_key(),
        "total": _plan_total(),
        "candidate": _candidate(),
    },
    "FitBestCandidateFunction": lambda: {
        **_run(),
        "dataset_key": _dataset_key(),
        "results": [_evaluated()],
    },
    "PublishVersionFunction": lambda: {
        **_run(),
        "dataset_key": _dataset_key(),
        "samples_seen": len(_samples_body()["samples"]),
        "fitted": _fitted(),
    },
    "PruneVersionsFunction": _run,
    "RecordFailureFunction": lambda: {
        **_run(),
        "error": {
            "Error": "NotEnoughSamples",
            "Cause": json.dumps({"errorMessage": "not enough samples", "errorType": "X"}),
        },
    },
}


# -- stream and EventBridge consumers ------------------------------------------------------------


def _string(value: str) -> dict[str, str]:
    return {"S": value}


def _number(value: int) -> dict[str, str]:
    return {"N": str(value)}


def stream_record(name: str, new: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """A ModelsTable stream record (``NEW_AND_OLD_IMAGES``) as Lambda's event carries it."""
    table_arn = _names()["ModelsTable.Arn"]
    return {
        "eventID": uuid.UUID(_id("stream", name)).hex,
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


def _model_image(**attributes: dict[str, str]) -> dict[str, Any]:
    return {
        "pk": _string(f"MODEL#{HANDLE}"),
        "sk": _string("META"),
        "handle": _string(HANDLE),
        **attributes,
    }


def retrain_record() -> dict[str, Any]:
    """A ready model's item reaching ``RetrainThreshold`` new samples (one more arrived)."""
    threshold = int(template.parameter_default("RetrainThreshold"))
    ready = {"state": _string("ready"), "active_version": _number(1)}
    return stream_record(
        "Retrain",
        _model_image(**ready, samples_since_version=_number(threshold)),
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
    machine = _names()["TrainingStateMachine"]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{RUN_ID}"
    started = EPOCH_MS
    event = events.status_change_event(
        {
            "executionArn": execution,
            "stateMachineArn": machine,
            "name": RUN_ID,
            "status": "ABORTED",
            "input": json.dumps({**_run(), "kind": "train", "effort": EFFORT}),
        }
    )
    event["id"] = _id("status-change", RUN_ID)
    event["time"] = "2026-01-01T00:05:00Z"
    event["detail"]["startDate"] = started
    event["detail"]["stopDate"] = started + 300_000
    return event


def scheduled(function: str, name: str) -> dict[str, Any]:
    rule = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{PREFIX}-{function}-{name}"
    event = events.scheduled_event(rule)
    event["id"] = _id("schedule", function, name)
    event["time"] = "2026-01-01T00:00:00Z"
    return event


CONSUMER_EVENTS: Final[Mapping[tuple[str, str], Callable[[], dict[str, Any]]]] = {
    ("RetrainFunction", "Retrain"): lambda: {"Records": [retrain_record()]},
    ("PurgeSamplesFunction", "Purge"): lambda: {"Records": [purge_record()]},
    ("PurgeSamplesFunction", "Sweep"): lambda: scheduled("PurgeSamplesFunction", "Sweep"),
    ("ReconcileRunFunction", "StatusChange"): status_change,
    ("SweepStuckRunsFunction", "Sweep"): lambda: scheduled("SweepStuckRunsFunction", "Sweep"),
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
    return all(any(streams.matches(p, r) for p in source.patterns) for r in event["Records"])


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
