"""Signatures and the retry schedule, verified with the Standard Webhooks library itself."""

from __future__ import annotations

import base64
import itertools
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from u22a8.domain import webhook_backoff
from u22a8.domain.webhook_signing import new_secret, secret_key, sign, signed_headers


def test_a_signed_delivery_verifies_with_the_standard_webhooks_library() -> None:
    secret = new_secret()
    body = b'{"type":"run.succeeded","timestamp":"2026-05-19T12:00:00.000Z","data":{}}'
    headers = signed_headers([secret], "evt_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {
        "type": "run.succeeded",
        "timestamp": "2026-05-19T12:00:00.000Z",
        "data": {},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "evt_2"})


def test_during_a_rotation_both_the_old_and_the_new_secret_verify() -> None:
    old, new = new_secret(), new_secret()
    body = b"{}"
    headers = signed_headers([new, old], "evt_9", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_the_signature_is_the_hmac_of_id_timestamp_and_body_with_the_secrets_base64_part() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert secret_key(secret) == b"k" * 32
    ours = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    theirs = Webhook(secret).sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        datetime.fromtimestamp(1614265330, tz=UTC),
        b'{"test": 2432232314}',
    )
    assert ours == theirs
    assert new_secret() != new_secret()
    assert len(secret_key(new_secret())) == 32


@pytest.mark.parametrize("bad", ["", "whsec_", "secret", "whsec_***", "WHSEC_aGVsbG8="])
def test_malformed_secrets_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        secret_key(bad)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="at least one"):
        signed_headers([], "evt", 1, b"")


def test_the_retry_schedule_backs_off_exponentially_for_about_a_day() -> None:
    delays = webhook_backoff.schedule()
    assert len(delays) == webhook_backoff.MAX_ATTEMPTS - 1
    assert delays[0] <= 10
    for before, after in itertools.pairwise(delays):
        assert after == min(before * webhook_backoff.FACTOR, webhook_backoff.MAX_DELAY_S)
    assert 20 * 3600 <= sum(delays) <= 28 * 3600
    assert webhook_backoff.retry_delay_s(webhook_backoff.MAX_ATTEMPTS) is None
    with pytest.raises(ValueError, match="from 1"):
        webhook_backoff.retry_delay_s(0)


@pytest.mark.parametrize(("due_in", "delay"), [(-5, 0), (0, 0), (0.2, 1), (45, 45), (7200, 900)])
def test_sqs_hops_wait_at_most_fifteen_minutes(due_in: float, delay: int) -> None:
    assert webhook_backoff.sqs_delay_s(due_in) == delay
