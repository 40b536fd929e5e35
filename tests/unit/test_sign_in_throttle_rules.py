"""The pure rules of sign-in throttling: a fixed window of failures, a lockout once the
limit is reached, and a fresh count once the window or the lockout is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_completion.auth.rules import (
    FAILURES_PER_NAME,
    SIGN_IN_LOCKOUT,
    SIGN_IN_WINDOW,
    Counted,
    Failures,
    after_failure,
    counter_key,
    counter_secret,
    refused_until,
    retry_after_seconds,
    taken_back,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_limit_locks_and_the_lockout_ends() -> None:
    failures = None
    for minute in range(FAILURES_PER_NAME):
        assert refused_until(failures, NOW + timedelta(minutes=minute)) is None
        failures = after_failure(failures, NOW + timedelta(minutes=minute), FAILURES_PER_NAME)
    assert failures is not None
    locked = NOW + timedelta(minutes=FAILURES_PER_NAME - 1) + SIGN_IN_LOCKOUT
    assert refused_until(failures, locked - timedelta(seconds=1)) == locked
    assert refused_until(failures, locked) is None
    assert after_failure(failures, locked, FAILURES_PER_NAME) == Failures(1, locked)


def test_a_window_over_starts_the_count_again() -> None:
    four = Failures(4, NOW)
    assert after_failure(four, NOW + SIGN_IN_WINDOW - timedelta(seconds=1), 5).count == 5
    assert after_failure(four, NOW + SIGN_IN_WINDOW, 5) == Failures(1, NOW + SIGN_IN_WINDOW)


def test_keys_are_digests_apart_by_what_is_counted_and_by_the_server_secret() -> None:
    secret = counter_secret(b"a server key")
    name, address = (
        counter_key(Counted.NAME, "x", secret),
        counter_key(Counted.ADDRESS, "x", secret),
    )
    assert name != address
    assert len(name) == 64
    assert counter_key(Counted.NAME, "x", counter_secret(b"another server key")) != name
    assert secret != b"a server key"
    assert len(secret) == 32


def test_a_right_password_takes_its_attempt_back() -> None:
    assert taken_back(Failures(1, NOW), 5) is None
    assert taken_back(Failures(3, NOW), 5) == Failures(2, NOW)
    # this attempt alone reached the limit: the lock goes with it
    assert taken_back(Failures(5, NOW, NOW + SIGN_IN_LOCKOUT), 5) == Failures(4, NOW)
    # the others reach it without this one: still locked
    locked = Failures(6, NOW, NOW + SIGN_IN_LOCKOUT)
    assert taken_back(locked, 5) == Failures(5, NOW, NOW + SIGN_IN_LOCKOUT)


def test_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert retry_after_seconds(NOW + timedelta(seconds=1.2), NOW) == 2
    assert retry_after_seconds(NOW, NOW) == 1
