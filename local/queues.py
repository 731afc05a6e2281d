"""A local stand-in for Lambda's SQS event source mappings (the webhook fan-out and deliveries).

moto keeps SQS queues faithfully (``DelaySeconds``, visibility timeouts, redrive to a dead-letter
queue after ``maxReceiveCount``), and its EventBridge delivers rules to SQS targets, but nothing
reads a queue into a function. This module does what the mapping does, with the template as the
contract:

* ``sources`` reads every ``SQS`` event of every function in ``template.yaml``: the queue behind
  ``!GetAtt <Queue>.Arn``, ``BatchSize`` and whether the function reports partial batch failures;
* ``QueuePoller`` receives visible messages, hands them to a deliverer as Lambda's SQS event
  (``Records`` with ``messageId``, ``receiptHandle``, ``body``, ``attributes``, ...), deletes what
  succeeded, and leaves what failed (a function error: the whole batch; ``batchItemFailures``:
  those records) to become visible again after the queue's visibility timeout, so SQS's own
  redrive policy dead-letters a message that keeps failing, as on AWS. ``drain`` polls until the
  queues have nothing visible (tests); ``start`` polls on a daemon thread and runs each batch on
  a worker pool (the local stack), so a slow receiver never holds up another delivery.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3

from local import template
from local.resources import REGION

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

LOG = logging.getLogger(__name__)

EVENT_TYPE: Final = "SQS"
PARTIAL_FAILURES: Final = "ReportBatchItemFailures"

Deliver = Callable[[str, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class QueueSource:
    """One ``SQS`` event of a template function."""

    function: str  # logical id
    name: str  # the event's name under ``Events``
    queue: str  # logical id of the queue
    batch_size: int
    partial_failures: bool


def sources(tpl: Mapping[str, Any] | None = None) -> list[QueueSource]:
    tpl = tpl or template.load_template()
    found: list[QueueSource] = []
    for logical_id, resource in template.resources("AWS::Serverless::Function", tpl).items():
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] != EVENT_TYPE:
                continue
            props = event["Properties"]
            queue, attribute = props["Queue"]["Fn::GetAtt"]
            if attribute != "Arn":
                raise ValueError(f"{logical_id}.{name}: unsupported queue {props['Queue']}")
            found.append(
                QueueSource(
                    function=logical_id,
                    name=name,
                    queue=queue,
                    batch_size=int(props.get("BatchSize", 10)),
                    partial_failures=PARTIAL_FAILURES in props.get("FunctionResponseTypes", []),
                )
            )
    return found


def lambda_deliverer(function_arns: Mapping[str, str]) -> Deliver:
    """Invoke through moto's Lambda (so ``local.lambda_bridge`` runs the real handler), with one
    client per thread: deliveries run side by side."""
    local = threading.local()
    session_lock = threading.Lock()

    def client() -> LambdaClient:
        if not hasattr(local, "client"):
            with session_lock:  # creating clients from one session is not thread-safe
                local.client = boto3.session.Session().client("lambda")
        lambda_client: LambdaClient = local.client
        return lambda_client

    def deliver(function: str, event: Mapping[str, Any]) -> Any:
        response = client().invoke(
            FunctionName=function_arns[function],
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode(),
        )
        body = json.loads(response["Payload"].read() or b"null")
        if "FunctionError" in response:
            raise RuntimeError(f"{body.get('errorType')}: {body.get('errorMessage')}")
        return body

    return deliver


def _record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """One SQS message as Lambda's event carries it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": dict(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class QueuePoller:
    """Reads the template's queues and delivers their messages to the functions (thread-safe)."""

    def __init__(
        self,
        names: Mapping[str, str],
        deliver: Deliver,
        queue_sources: Sequence[QueueSource] | None = None,
        *,
        workers: int = 8,
    ) -> None:
        self._names = dict(names)
        self._deliver = deliver
        self.sources = list(sources() if queue_sources is None else queue_sources)
        self._workers = workers
        self._local = threading.local()
        self._session_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures: list[tuple[str, str]] = []  # (function, error) of failed batches

    def _sqs(self) -> SQSClient:
        if not hasattr(self._local, "sqs"):
            with self._session_lock:
                self._local.sqs = boto3.session.Session().client("sqs")
        sqs: SQSClient = self._local.sqs
        return sqs

    def receive(self, source: QueueSource) -> list[dict[str, Any]]:
        """Up to one batch of visible messages of ``source``'s queue."""
        response = self._sqs().receive_message(
            QueueUrl=self._names[source.queue],
            MaxNumberOfMessages=min(10, source.batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return [dict(message) for message in response.get("Messages", [])]

    def handle(self, source: QueueSource, messages: Sequence[Mapping[str, Any]]) -> None:
        """Deliver one batch and delete what the function handled, as the mapping does."""
        queue_arn = self._names[f"{source.queue}.Arn"]
        event = {"Records": [_record(m, queue_arn) for m in messages]}
        try:
            result = self._deliver(source.function, event)
        except Exception as error:  # the whole batch comes back after the visibility timeout
            LOG.warning("%s failed on a batch of %d: %s", source.function, len(messages), error)
            self.failures.append((source.function, str(error)))
            return
        failed: set[str] = set()
        if source.partial_failures and isinstance(result, Mapping):
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if failed:
            self.failures.append((source.function, f"{len(failed)} records reported failed"))
        for start in range(0, len(done), 10):
            self._sqs().delete_message_batch(
                QueueUrl=self._names[source.queue],
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )

    def poll(self, pool: ThreadPoolExecutor | None = None) -> int:
        """Receive from every queue once and deliver (on ``pool`` when given); how many."""
        received = 0
        for source in self.sources:
            messages = self.receive(source)
            received += len(messages)
            for start in range(0, len(messages), source.batch_size):
                batch = messages[start : start + source.batch_size]
                if pool is None:
                    self.handle(source, batch)
                else:
                    pool.submit(self._handle_logged, source, batch)
        return received

    def _handle_logged(self, source: QueueSource, batch: Sequence[Mapping[str, Any]]) -> None:
        try:
            self.handle(source, batch)
        except Exception:
            LOG.exception("delivering from %s failed", source.queue)

    def drain(self, max_rounds: int = 1000) -> int:
        """Poll until no queue has a visible message; how many messages were delivered."""
        total = 0
        for _ in range(max_rounds):
            got = self.poll()
            if got == 0:
                return total
            total += got
        raise RuntimeError(f"queues still busy after {max_rounds} rounds")

    def start(self, interval_s: float = 0.5) -> None:
        """Poll on a daemon thread, delivering on a worker pool (the local stack)."""

        def run() -> None:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="sqs-mapping") as pool:
                while not self._stop.is_set():
                    try:
                        got = self.poll(pool)
                    except Exception:
                        LOG.exception("queue poll failed")
                        got = 0
                    if got == 0:
                        self._stop.wait(interval_s)

        self._thread = threading.Thread(target=run, name="queue-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
