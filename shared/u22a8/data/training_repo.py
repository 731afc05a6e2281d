"""DynamoDB access of the training workflow's steps: the snapshot reads, progress, and the publish.

Everything here is keyed by the run that holds the model (``current_run_id``): a step of a run
that was cancelled, archived or reconciled meanwhile is refused by a condition
(:class:`RunNotCurrent`), never allowed to change the model. Items and attributes are described
in docs/training-design.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, inline_artifacts, samples_repo, versions_repo
from u22a8.data.items import error_code, from_item, raise_if_throttled, to_attr
from u22a8.data.keys import model_key, model_pk
from u22a8.data.model_update import ModelUpdate
from u22a8.data.pages import query_items
from u22a8.data.runs_repo import run_sk
from u22a8.data.transactions import transact_write
from u22a8.entities.version import Version

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

SAMPLE_SK_PREFIX = "SAMPLE#"
RUNNING = "running"
SUCCEEDED = "succeeded"
BUSY = "busy"
READY = "ready"
_CONDITION_FAILED = "ConditionalCheckFailed"
# A run may use its samples only while the model retains them.
_RETAINS_SAMPLES = "(attribute_not_exists(zero_data_retention) OR zero_data_retention = :no)"


class RunNotCurrent(Exception):
    """The run no longer holds the model, or is no longer running."""

    def __init__(self, handle: str, run_id: str) -> None:
        super().__init__(f"run {run_id} no longer holds model {handle}")
        self.handle = handle
        self.run_id = run_id


class RetentionTurnedOn(Exception):
    """Zero-data-retention was turned on while the run trained: its samples may not be used."""


class PublishConflict(Exception):
    """The model changed between the publish's read and its transaction (read it again)."""


@dataclass(frozen=True)
class RunModel:
    """The attributes of the model item a training step decides on."""

    handle: str
    criteria: tuple[str, ...]
    state: str
    current_run_id: str | None
    zero_data_retention: bool
    active_version: int | None
    active_version_id: str | None
    version_count: int | None
    samples_since_version: int
    last_operation: Mapping[str, Any] = field(default_factory=dict)
    data_epoch: str | None = None  # samples stored at or before it are gone (zero-data-retention)
    state_before_run: str | None = None  # what the run's claim left (restored by a cancel)


@dataclass(frozen=True)
class RunRecord:
    """What a step needs of the run item."""

    run_id: str
    status: str
    version: int | None
    version_id: str | None


@dataclass(frozen=True)
class Publication:
    """Everything the publish transaction writes; ``seen_version_count`` is what it was read as."""

    handle: str
    run_id: str
    version: Version
    last_operation: Mapping[str, Any]
    seen_version_count: int | None
    samples_seen: int
    now: str
    # The artifact's bytes when small enough to copy into the table (``inline_artifacts``).
    inline_artifact: bytes | None = None


def _table() -> str:
    return get_settings().models_table


def _run_key(handle: str, run_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": run_sk(run_id)}}


def _model_from(values: Mapping[str, Any]) -> RunModel:
    return RunModel(
        handle=values["handle"],
        criteria=tuple(values.get("criteria", ())),
        state=values["state"],
        current_run_id=values.get("current_run_id"),
        zero_data_retention=bool(values.get("zero_data_retention", False)),
        active_version=values.get("active_version"),
        active_version_id=values.get("active_version_id"),
        version_count=values.get("version_count"),
        samples_since_version=int(values.get("samples_since_version", 0)),
        last_operation=dict(values.get("last_operation") or {}),
        data_epoch=values.get("data_epoch"),
        state_before_run=values.get("state_before_run"),
    )


# --- reads -------------------------------------------------------------------------------------


def get_model(handle: str) -> RunModel | None:
    """One consistent read of the model item; ``None`` when there is none."""
    try:
        response = clients.dynamodb().get_item(
            TableName=_table(), Key=model_key(handle), ConsistentRead=True
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    item = response.get("Item")
    return _model_from(from_item(item)) if item else None


def iter_samples(
    handle: str, data_epoch: str | None = None
) -> Iterator[tuple[str, dict[str, float]]]:
    """Every sample's ``(text, scores)`` in insertion order, one consistent query page at a time;
    only samples stored after the retention epoch (older ones may await the purge)."""
    condition, bounds = samples_repo.range_condition(data_epoch)
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": {":pk": {"S": model_pk(handle)}, **bounds},
        "ProjectionExpression": "#text, scores",
        "ExpressionAttributeNames": {"#text": "text"},
        "ConsistentRead": True,
    }
    for item in query_items(params):
        values = from_item(item)
        scores = {str(k): float(v) for k, v in dict(values.get("scores") or {}).items()}
        yield str(values["text"]), scores


def get_run(handle: str, run_id: str) -> RunRecord | None:
    try:
        response = clients.dynamodb().get_item(
            TableName=_table(),
            Key=_run_key(handle, run_id),
            ConsistentRead=True,
            ProjectionExpression="run_id, #status, version, version_id",
            ExpressionAttributeNames={"#status": "status"},
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    item = response.get("Item")
    if not item:
        return None
    values = from_item(item)
    return RunRecord(
        run_id=str(values.get("run_id", run_id)),
        status=str(values.get("status", "")),
        version=values.get("version"),
        version_id=values.get("version_id"),
    )


# --- run bookkeeping ---------------------------------------------------------------------------


def _update_running_run(
    handle: str, run_id: str, expression: str, values: dict[str, AttributeValueTypeDef]
) -> dict[str, Any]:
    """An update of the run that only a still running run accepts; the run as written."""
    try:
        response = clients.dynamodb().update_item(
            TableName=_table(),
            Key=_run_key(handle, run_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk) AND #status = :running",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={**values, ":running": {"S": RUNNING}},
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) == "ConditionalCheckFailedException":
            raise RunNotCurrent(handle, run_id) from error
        raise
    return from_item(response.get("Attributes", {}))


def record_snapshot(handle: str, run_id: str, dataset_key: str, sample_count: int) -> None:
    """Note the run's snapshot on the run item (the cleanup of an aborted run finds it there)."""
    _update_running_run(
        handle,
        run_id,
        "SET dataset_key = :key, sample_count = :count",
        {":key": {"S": dataset_key}, ":count": {"N": str(sample_count)}},
    )


def record_plan(handle: str, run_id: str, total: int) -> None:
    _update_running_run(
        handle,
        run_id,
        "SET candidates_total = :total, candidates_done = :zero, progress = :zero",
        {":total": {"N": str(total)}, ":zero": {"N": "0"}},
    )


def record_candidate_done(handle: str, run_id: str, index: int, total: int) -> float:
    """Count candidate ``index`` as evaluated and raise the run's and the model's progress.

    Idempotent: the evaluated candidates are a number set, so a retried evaluation counts once.
    Progress is ``done / (total + 1)`` (the fit is the last unit; publishing sets 1.0) and only
    ever grows, whatever order concurrent evaluations finish in. The model's progress write
    leaves ``revision`` alone (see docs/training-design.md). Returns the progress.
    """
    attributes = _update_running_run(
        handle, run_id, "ADD candidates_evaluated :index", {":index": {"NS": [str(index)]}}
    )
    done = len(attributes.get("candidates_evaluated", []))
    progress = round(done / (total + 1), 4)
    _raise_run_progress(handle, run_id, done, progress)
    _raise_model_progress(handle, run_id, progress)
    return progress


def _raise_run_progress(handle: str, run_id: str, done: int, progress: float) -> None:
    try:
        clients.dynamodb().update_item(
            TableName=_table(),
            Key=_run_key(handle, run_id),
            UpdateExpression="SET progress = :p, candidates_done = :done",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(progress) "
            "OR progress < :p)",
            ExpressionAttributeValues={":p": to_attr(progress), ":done": {"N": str(done)}},
        )
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        # A concurrent evaluation already wrote a higher progress.


def _raise_model_progress(handle: str, run_id: str, progress: float) -> None:
    update = ModelUpdate(_table(), model_key(handle)).set("last_operation.progress = :p")
    update.where(
        "current_run_id = :run",
        _RETAINS_SAMPLES,
        "(attribute_not_exists(last_operation.progress) OR last_operation.progress < :p)",
    )
    update.values({":p": to_attr(progress), ":run": {"S": run_id}, ":no": {"BOOL": False}})
    try:
        clients.dynamodb().update_item(**update.request())
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        old = from_item(error.response.get("Item") or {})  # type: ignore[arg-type]
        if old.get("current_run_id") != run_id:
            raise RunNotCurrent(handle, run_id) from error
        if old.get("zero_data_retention"):
            raise RetentionTurnedOn(handle) from error
        # Still ours: a concurrent evaluation already wrote a higher progress.


# --- publish -----------------------------------------------------------------------------------


def publish(publication: Publication) -> None:
    """Publish the run's version in one transaction: the version ``Put``, the model ``Update``
    (active version, ``ready``, released by the run) and the run ``Update`` (succeeded).

    The model's condition is that the run still holds it and that ``version_count`` is what the
    caller read (so the new number is the next one). Raises :class:`RunNotCurrent` when the run
    no longer holds the model, :class:`RetentionTurnedOn` when the model stopped retaining samples
    and :class:`PublishConflict` when only the count moved.
    """
    p = publication
    number = p.version.version
    model_values: dict[str, AttributeValueTypeDef] = {
        ":run": {"S": p.run_id},
        ":busy": {"S": BUSY},
        ":ready": {"S": READY},
        ":n": {"N": str(number)},
        ":vid": {"S": p.version.version_id},
        ":op": to_attr(dict(p.last_operation)),
        ":zero": {"N": "0"},
        ":seen": {"N": str(p.samples_seen)},
        ":no": {"BOOL": False},
    }
    model_update = (
        ModelUpdate(_table(), model_key(p.handle))
        .set("active_version = :n", "active_version_id = :vid", "version_count = :n")
        .set("#state = :ready", "last_operation = :op")
        .set("samples_since_version = if_not_exists(samples_since_version, :zero) - :seen")
        .revised(p.now)
        # What the claim added for the run's time (runs_repo.claim), gone with the run.
        .remove("current_run_id", "state_before_run", "operation_before_run", "gsi2pk")
        .where("current_run_id = :run", "#state = :busy", _RETAINS_SAMPLES)
        .names({"#state": "state"})
        .values(model_values)
    )
    if p.seen_version_count is None:
        model_update.where("attribute_not_exists(version_count)")
    else:
        model_update.where("version_count = :count")
        model_update.values({":count": {"N": str(p.seen_version_count)}})
    run_update: dict[str, Any] = {
        "TableName": _table(),
        "Key": _run_key(p.handle, p.run_id),
        "UpdateExpression": (
            "SET #status = :succeeded, finished_at = :now, version = :n, version_id = :vid, "
            "progress = :one"
        ),
        "ConditionExpression": "attribute_exists(pk) AND #status = :running",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":succeeded": {"S": SUCCEEDED},
            ":running": {"S": RUNNING},
            ":now": {"S": p.now},
            ":n": {"N": str(number)},
            ":vid": {"S": p.version.version_id},
            ":one": {"N": "1"},
        },
    }
    actions: list[TransactWriteItemTypeDef] = [
        versions_repo.put_action(p.handle, p.version),
        model_update.transact_item(),
        {"Update": run_update},  # type: ignore[typeddict-item]
    ]
    if p.inline_artifact is not None:
        actions.extend(
            inline_artifacts.put_actions(p.handle, p.version.version_id, p.inline_artifact)
        )
    refused = transact_write(actions)
    if refused is not None:
        if refused.failed(1):
            old = from_item(refused.item(1) or {})
            if old.get("current_run_id") != p.run_id or old.get("state") != BUSY:
                raise RunNotCurrent(p.handle, p.run_id)
            if old.get("zero_data_retention"):
                raise RetentionTurnedOn(p.handle)
            raise PublishConflict(f"version_count of {p.handle} moved")
        if refused.failed(2):
            raise RunNotCurrent(p.handle, p.run_id)
        raise RuntimeError(f"publish of {p.handle} refused: {refused.codes}")
