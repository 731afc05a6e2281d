"""boto3 clients, created once per container with the API path's retry and timeout policy.

Endpoints are never set here: locally and in tests the standard ``AWS_ENDPOINT_URL*`` variables
point boto3 at the emulator, so the code that runs on AWS is the code that runs here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from u22a8.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient


def client_config() -> Config:
    """The one retry and timeout policy of every client.

    ``total_max_attempts`` counts the first attempt (botocore's ``max_attempts`` would count only
    the retries, one more attempt than configured), so the worst case is what the settings say.
    """
    settings = get_settings()
    return Config(
        retries={"mode": "standard", "total_max_attempts": settings.aws_max_attempts},
        connect_timeout=settings.aws_connect_timeout_s,
        read_timeout=settings.aws_read_timeout_s,
    )


@cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", config=client_config())


@cache
def stepfunctions() -> SFNClient:
    return boto3.client("stepfunctions", config=client_config())


@cache
def s3() -> S3Client:
    return boto3.client("s3", config=client_config())


@cache
def events() -> EventBridgeClient:
    return boto3.client("events", config=client_config())


@cache
def kms() -> KMSClient:
    return boto3.client("kms", config=client_config())


@cache
def sqs() -> SQSClient:
    return boto3.client("sqs", config=client_config())


def reset() -> None:
    """Forget cached clients (tests start each case against a fresh emulator)."""
    dynamodb.cache_clear()
    events.cache_clear()
    s3.cache_clear()
    stepfunctions.cache_clear()
    kms.cache_clear()
    sqs.cache_clear()
