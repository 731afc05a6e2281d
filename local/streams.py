"""A local stand-in for Lambda's DynamoDB Streams event source mappings.

moto records a table's stream (``GetShardIterator`` / ``GetRecords`` work), but its event source
mappings call moto's own function runner rather than ``local.lambda_bridge``, so our handlers would
never see a record. This module does what the mapping does, with the template as the contract:

* ``sources`` reads every ``DynamoDB`` event of every function in ``template.yaml``: the table
  behind ``!GetAtt <Table>.StreamArn``, ``BatchSize``, ``MaximumRetryAttempts`` and the
  ``FilterCriteria`` patterns (``!Sub`` resolved with the template's parameter defaults);
* the filters are applied with ``local.event_patterns``, EventBridge's matching rules, which
  Lambda's event filtering follows (``numeric`` only for JSON numbers: a record's ``"N"`` values
  are strings), the same matcher the local EventBridge uses;
* ``StreamPoller`` reads the stream from the trim horizon, and hands each source's matching
  records, in order and in batches, to a deliverer (a function error is retried as the mapping
  would, then the batch is recorded as failed: the on-failure destination). ``drain`` polls until
  the stream is quiet, so a handler whose writes produce the next record (the purge's batches)
  runs to its end deterministically; ``start`` polls on a daemon thread for the local stack.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

import boto3
from botocore.config import Config

from local import event_patterns, iam_audit, template
from local.gateway import FakeLambdaContext

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient

LOG = logging.getLogger(__name__)

EVENT_TYPE: Final = "DynamoDB"
# moto serves streams only at the plain regional endpoint (boto3 would otherwise build an
# account-based one).
_CLIENT_CONFIG: Final = Config(account_id_endpoint_mode="disabled")

Deliver = Callable[[str, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class StreamSource:
    """One ``DynamoDB`` event of a template function."""

    function: str  # logical id
    name: str  # the event's name under ``Events``
    table: str  # logical id of the table whose stream it reads
    batch_size: int
    max_retries: int
    patterns: tuple[Mapping[str, Any], ...]


def _sub(value: Any, tpl: Mapping[str, Any]) -> str:
    """A pattern string, or a ``!Sub`` of one over template parameters (their defaults)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = str(value["Fn::Sub"])
        for name in tpl.get("Parameters", {}):
            text = text.replace("${" + name + "}", str(template.parameter_default(name, tpl)))
        return text
    return str(value)


def sources(tpl: Mapping[str, Any] | None = None) -> list[StreamSource]:
    """Every DynamoDB stream event source of the template's functions."""
    tpl = tpl or template.load_template()
    found: list[StreamSource] = []
    for logical_id, resource in template.resources("AWS::Serverless::Function", tpl).items():
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] != EVENT_TYPE:
                continue
            props = event["Properties"]
            table, attribute = props["Stream"]["Fn::GetAtt"]
            if attribute != "StreamArn":
                raise ValueError(f"{logical_id}.{name}: unsupported stream {props['Stream']}")
            filters = (props.get("FilterCriteria") or {}).get("Filters", [])
            patterns = tuple(json.loads(_sub(f["Pattern"], tpl)) for f in filters)
            for pattern in patterns:
                event_patterns.validate(pattern, f"{logical_id}.Events.{name}")
            found.append(
                StreamSource(
                    function=logical_id,
                    name=name,
                    table=table,
                    batch_size=int(props.get("BatchSize", 100)),
                    max_retries=int(props.get("MaximumRetryAttempts", -1)),
                    patterns=patterns,
                )
            )
    return found


# -- delivery -------------------------------------------------------------------------------------


class FunctionError(Exception):
    """The function answered with an error (a retry, as the mapping would)."""


def lambda_deliverer(function_arns: Mapping[str, str]) -> Deliver:
    """Invoke through moto's Lambda (so ``local.lambda_bridge`` runs the real handler)."""
    client: LambdaClient = boto3.client("lambda")
    lock = threading.Lock()

    def deliver(function: str, event: Mapping[str, Any]) -> Any:
        with lock:  # one client shared between threads
            response = client.invoke(
                FunctionName=function_arns[function],
                InvocationType="RequestResponse",
                Payload=json.dumps(event).encode(),
            )
            body = json.loads(response["Payload"].read() or b"null")
        if "FunctionError" in response:
            raise FunctionError(f"{body.get('errorType')}: {body.get('errorMessage')}")
        return body

    return deliver


def direct_deliverer() -> Deliver:
    """Call the handler in-process (no Lambda emulation needed), as the template names it."""
    specs = template.functions()

    def deliver(function: str, event: Mapping[str, Any]) -> Any:
        spec = specs[function]
        handler = getattr(importlib.import_module(spec.module), spec.function_name)
        with iam_audit.acting_as(function):
            return handler(dict(event), FakeLambdaContext(function_name=function))

    return deliver


@dataclass(frozen=True)
class Failure:
    """A batch the function failed on every attempt (what the on-failure queue would receive)."""

    function: str
    records: tuple[Mapping[str, Any], ...]
    error: str


@dataclass
class StreamPoller:
    """Reads the streams of the template's tables and delivers matching records."""

    table_names: Mapping[str, str]  # logical id -> physical table name
    deliver: Deliver
    stream_sources: Sequence[StreamSource] = field(default_factory=sources)
    failures: list[Failure] = field(default_factory=list)
    delivered: list[tuple[str, int]] = field(default_factory=list)  # (function, records)
    # shard -> the sequence number of the last record read from it
    _positions: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _clients(self) -> tuple[DynamoDBClient, Any]:  # (no stubs installed for streams)
        return (
            boto3.client("dynamodb", config=_CLIENT_CONFIG),
            boto3.client("dynamodbstreams", config=_CLIENT_CONFIG),
        )

    def _read(self, table: str) -> list[dict[str, Any]]:
        """The records of ``table``'s stream written since the last read, in shard order.

        Each read takes a fresh iterator after the last sequence number read, as a consumer that
        outlives its iterators must (on AWS they expire after 15 minutes). Keeping moto's
        ``NextShardIterator`` instead goes deaf after the first refused transaction: moto rolls
        it back by putting a copy of the table, stream included, in place of the one the old
        iterator reads.
        """
        dynamodb, streams = self._clients()
        arn = dynamodb.describe_table(TableName=self.table_names[table])["Table"].get(
            "LatestStreamArn"
        )
        if not arn:
            raise ValueError(f"table {table} has no stream")
        records: list[dict[str, Any]] = []
        description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            key = f"{arn}/{shard_id}"
            last = self._positions.get(key)
            position = (
                {"ShardIteratorType": "TRIM_HORIZON"}
                if last is None
                else {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
            )
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **position)[
                "ShardIterator"
            ]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                got = cast("list[dict[str, Any]]", page.get("Records", []))
                if not got:
                    break
                records.extend(got)
                self._positions[key] = got[-1]["dynamodb"]["SequenceNumber"]
                iterator = page.get("NextShardIterator")
        return records

    def poll(self) -> int:
        """Read every stream once and deliver what matches; how many records were read."""
        with self._lock:
            read = 0
            for table in sorted({source.table for source in self.stream_sources}):
                records = [_plain_record(record) for record in self._read(table)]
                read += len(records)
                for source in self.stream_sources:
                    if source.table == table:
                        self._deliver(source, records)
            return read

    def _deliver(self, source: StreamSource, records: Sequence[Mapping[str, Any]]) -> None:
        chosen = [
            record
            for record in records
            if not source.patterns or event_patterns.matches_any(source.patterns, record)
        ]
        for start in range(0, len(chosen), source.batch_size):
            batch = tuple(chosen[start : start + source.batch_size])
            attempts = 1 + (source.max_retries if source.max_retries >= 0 else 10)
            error = ""
            for attempt in range(1, attempts + 1):
                try:
                    self.deliver(source.function, {"Records": list(batch)})
                except Exception as failed:  # any handler error is a retry
                    error = f"{type(failed).__name__}: {failed}"
                    LOG.warning("%s failed on attempt %d: %s", source.function, attempt, error)
                    continue
                self.delivered.append((source.function, len(batch)))
                break
            else:
                self.failures.append(Failure(source.function, batch, error))

    def drain(self, max_rounds: int = 10_000) -> int:
        """Poll until a round reads nothing new; how many rounds it took."""
        for rounds in range(1, max_rounds + 1):
            if self.poll() == 0:
                return rounds
        raise RuntimeError(f"streams still busy after {max_rounds} rounds")

    def start(self, interval_s: float = 1.0) -> None:
        """Poll on a daemon thread (the local stack), like the mapping's poller."""

        def run() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.poll()
                except Exception:
                    LOG.exception("stream poll failed")

        self._thread = threading.Thread(target=run, name="stream-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def _plain_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as Lambda's event carries it: JSON types (``ApproximateCreationDateTime`` in
    epoch seconds), the event source named."""
    plain = json.loads(json.dumps(record, default=_json_default))
    plain.setdefault("eventSource", "aws:dynamodb")
    return cast("dict[str, Any]", plain)


def _json_default(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        return int(value.timestamp())
    if isinstance(value, (bytes, bytearray)):
        return value.decode()
    raise TypeError(f"not JSON: {type(value).__name__}")
