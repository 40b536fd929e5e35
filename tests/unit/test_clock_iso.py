"""Moments as the APIs show them: in UTC with a ``Z``, whatever offset they arrived with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from order_completion.clock import iso


def test_a_moment_with_an_offset_is_shown_in_utc() -> None:
    sent = datetime(2026, 12, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    assert iso(sent) == "2026-12-02T07:30:00Z"


def test_a_utc_moment_keeps_its_fraction() -> None:
    assert iso(datetime(2026, 12, 2, 7, 30, 0, 120000, tzinfo=UTC)) == "2026-12-02T07:30:00.120000Z"
