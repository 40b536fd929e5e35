"""Delivery policy and Standard Webhooks signatures, checked against an independent
implementation (the standardwebhooks package)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from order_completion.events import signing
from order_completion.events.retry import (
    DEFAULT_SCHEDULE,
    Verdict,
    judge,
    next_attempt,
    parse_schedule,
    retry_after,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (299, Verdict.DELIVERED),
        (301, Verdict.RETRY),
        (400, Verdict.RETRY),
        (404, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (None, Verdict.RETRY),
        (408, Verdict.BUSY),
        (409, Verdict.BUSY),
        (425, Verdict.BUSY),
        (429, Verdict.BUSY),
        (410, Verdict.GONE),
    ],
)
def test_answers_are_judged(status: int | None, verdict: Verdict) -> None:
    assert judge(status) is verdict


def test_the_schedule_spans_about_three_days_then_gives_up() -> None:
    total = sum(DEFAULT_SCHEDULE, timedelta(0))
    assert timedelta(days=3) < total < timedelta(days=3, hours=6)
    at = NOW
    for attempt in range(len(DEFAULT_SCHEDULE)):
        following = next_attempt(attempt, at, rand=lambda: 0.5)
        assert following.at == at + DEFAULT_SCHEDULE[attempt]
    assert next_attempt(len(DEFAULT_SCHEDULE), NOW).at is None


def test_jitter_stays_within_ten_percent() -> None:
    low = next_attempt(2, NOW, rand=lambda: 0.0).at
    high = next_attempt(2, NOW, rand=lambda: 1.0).at
    assert low == NOW + timedelta(minutes=4, seconds=30)
    assert high == NOW + timedelta(minutes=5, seconds=30)


def test_retry_after_is_honoured_as_a_minimum() -> None:
    assert retry_after("120", NOW) == timedelta(minutes=2)
    assert retry_after("Fri, 27 Nov 2026 12:10:00 GMT", NOW) == timedelta(minutes=10)
    assert retry_after("soon", NOW) is None
    wait = next_attempt(1, NOW, wait_at_least=timedelta(minutes=2), rand=lambda: 0.5)
    assert wait.at == NOW + timedelta(minutes=2)


def test_schedules_are_read_from_settings_text() -> None:
    assert parse_schedule("0, 5s, 5m, 2h, 1d") == (
        timedelta(0),
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(hours=2),
        timedelta(days=1),
    )
    with pytest.raises(ValueError, match="not a delay"):
        parse_schedule("5x")


def test_signatures_verify_with_the_standard_webhooks_library() -> None:
    from standardwebhooks.webhooks import Webhook

    secret = signing.new_secret()
    body = b'{"eventId":"e1","eventType":"x"}'
    timestamp = int(time.time())
    header = signing.signature_header([secret], "e1", timestamp, body)
    headers = {"webhook-id": "e1", "webhook-timestamp": str(timestamp), "webhook-signature": header}
    assert Webhook(secret).verify(body, headers) == {"eventId": "e1", "eventType": "x"}
    assert signing.verify(secret, "e1", timestamp, body, header, now=timestamp)
    assert not signing.verify(secret, "e1", timestamp, body + b" ", header, now=timestamp)
    assert not signing.verify(secret, "e1", timestamp, body, header, now=timestamp + 301)


def test_during_rotation_both_secrets_sign() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    header = signing.signature_header([new, old], "e2", 1, b"{}")
    assert len(header.split()) == 2
    assert signing.verify(old, "e2", 1, b"{}", header, now=1)
    assert signing.verify(new, "e2", 1, b"{}", header, now=1)
