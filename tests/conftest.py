"""Fixtures shared by every test layer.

AWS is moto, in-process; the tables are built from ``template.yaml`` (via ``local.resources``), so
the tests cannot drift from what is deployed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import botocore.session
import pytest
from moto import mock_aws

from local import emulator_patches, iam_audit, iam_policies, patches
from local.gateway import Gateway
from local.resources import (
    create_buckets,
    create_event_buses,
    create_state_machines,
    create_tables,
    create_webhook_resources,
    function_environment,
    physical_names,
)
from tests.helpers import GatewayClient
from u22a8.api import idempotency
from u22a8.config import get_settings
from u22a8.data import clients

# As in the local stack (local/patches.py): moto applies a conditional write without a lock and
# deep-copies the whole table for every transaction. Applied here for every test, not by whichever
# test first imports it, so that no test's speed depends on the order the tests run in
# (pytest-xdist gives each worker its own order).
emulator_patches.apply_emulator_patches()
# Before any botocore session exists: every one created from here on is audited.
iam_audit.install()


# mock_aws resets boto3's default session for every test, which would make each test parse
# botocore's service models again; one shared data loader keeps that to once per run.
_shared_loader = botocore.session.get_session().get_component("data_loader")


def _setup_default_session(**kwargs: object) -> None:
    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader)
    boto3.DEFAULT_SESSION = boto3.Session(botocore_session=session, **kwargs)  # type: ignore[arg-type]


@patches.guarded("boto3-shared-data-loader")
def share_data_loader() -> None:
    """Make every default session boto3 sets up (mock_aws does per test) share the loader."""
    boto3.setup_default_session = _setup_default_session


share_data_loader()


def _reset_caches() -> None:
    get_settings.cache_clear()
    clients.reset()
    idempotency.reset()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never reach a real AWS account from a test, whatever the developer's shell has set."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "U22a8")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "u22a8-tests")
    _reset_caches()
    yield
    _reset_caches()


@pytest.fixture
def aws(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """moto with the template's tables, bucket and state machine (no execution engine: an
    execution stays RUNNING); the functions' environment points at them.

    A test marked ``workflow`` gets the ``engine`` fixture's moto instead (the integration
    conftest), whose Step Functions engine runs the training state machine.
    """
    if request.node.get_closest_marker("workflow") is not None:
        names = request.getfixturevalue("engine").names
        with audited(names):
            yield names
        return
    with mock_aws():
        names = physical_names("test")
        create_tables(boto3.client("dynamodb"), names)
        create_buckets(boto3.client("s3"), names)
        create_event_buses(boto3.client("events"), names)
        create_state_machines(boto3.client("stepfunctions"), names)
        for key, value in function_environment(names).items():
            monkeypatch.setenv(key, value)
        _reset_caches()
        with audited(names):
            yield names


@contextmanager
def audited(names: dict[str, str]) -> Iterator[None]:
    """The IAM audit (``local.iam_audit``): every call a function or the state machine made in
    the test must be one its role in template.yaml allows, or the test fails naming it."""
    with iam_audit.recording(iam_policies.prefix_of(names)) as recorder:
        yield
    refused = iam_audit.violations(recorder.calls, recorder.prefix)
    assert not refused, "calls the deployed IAM policies would refuse:\n" + "\n".join(refused)


@pytest.fixture
def webhooks(aws: dict[str, str]) -> dict[str, str]:
    """``aws`` plus what webhooks need: their queues, the secrets key and the bus rule (apart,
    because creating a KMS key in moto costs a few hundred milliseconds)."""
    create_webhook_resources(aws)
    return aws


@pytest.fixture
def gateway(aws: dict[str, str]) -> Gateway:
    return Gateway()


@pytest.fixture
def acme_key(aws: dict[str, str]) -> str:
    from u22a8.domain.keys_service import issue_key

    return issue_key("acme", "tests").key


@pytest.fixture
def other_key(aws: dict[str, str]) -> str:
    from u22a8.domain.keys_service import issue_key

    return issue_key("globex", "tests").key


@pytest.fixture
def api(gateway: Gateway, acme_key: str) -> GatewayClient:
    return GatewayClient(gateway, acme_key)


# Powertools reads its service name and metric namespace when ``u22a8.observability`` is first
# imported, which can happen while pytest collects a test module, before any fixture has set the
# environment; without a namespace every handler that adds a metric fails (a 502 at the gateway).
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "U22a8")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "u22a8-tests")


# pytest-timeout's 300 s guards against hangs; a test marked slow may take longer than that on a
# busy shared machine (the lifecycle state machine took 297 s on one), so it gets more headroom.
SLOW_TEST_TIMEOUT_S = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests get more time, run first and run unmeasured.

    First: the workers then never wait at the end of the run for one of them to finish a test of
    a minute. Unmeasured (pytest-cov's ``no_cover``): they repeat at scale, or in many orders,
    paths the other tests measure, and coverage's tracer makes everything that runs in the
    process (moto included) about 2.7 times slower, which costs them a minute of the run. The
    report's total is the same without them (README, "Tests").
    """
    for item in items:
        if item.get_closest_marker("slow"):
            if not item.get_closest_marker("timeout"):
                item.add_marker(pytest.mark.timeout(SLOW_TEST_TIMEOUT_S))
            item.add_marker(pytest.mark.no_cover)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: slow first
