"""The pure rules of the customer portal's links and of the KPI report's query, and the
link signer on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from order_completion.portal.rules import (
    LinkClaims,
    MoveRequest,
    Refusal,
    TimeProblem,
    already_decided,
    booking_refusal,
    move_pending,
    move_wanted,
    name_problem,
    next_generation,
    refusal,
    time_problem,
    worth_logging,
)
from order_completion.portal.signing import ForgedLink, LinkSigner, signing_keys
from order_completion.reports.rules import parse_moment, period_problem

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CLAIMS = LinkClaims("case-1", 2, NOW + timedelta(days=1))


def test_a_link_is_refused_once_expired_or_of_an_older_generation() -> None:
    assert refusal(CLAIMS, NOW, 2) is None
    assert refusal(CLAIMS, NOW + timedelta(days=1), 2) is Refusal.EXPIRED
    assert refusal(CLAIMS, NOW, 3) is Refusal.REVOKED
    assert refusal(LinkClaims("case-1", 1, CLAIMS.expires), NOW, None) is None


def test_only_revoking_moves_the_generation_on() -> None:
    assert next_generation(None, revoke_others=False) == 1
    assert next_generation(None, revoke_others=True) == 2
    assert next_generation(4, revoke_others=False) == 4
    assert next_generation(4, revoke_others=True) == 5


@pytest.mark.parametrize(
    ("name", "problem"),
    [("Dana Smith", None), ("", "type"), ("Dana\nSmith", "one line"), ("x" * 201, "at most")],
)
def test_a_typed_full_name_is_one_printable_line(name: str, problem: str | None) -> None:
    found = name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_the_signer_reads_what_any_of_its_keys_signed_and_nothing_else() -> None:
    old, new = LinkSigner([b"old key"]), LinkSigner([b"new key", b"old key"])
    assert new.read(old.sign(CLAIMS)) == CLAIMS
    assert new.read(new.sign(CLAIMS)) == CLAIMS
    with pytest.raises(ForgedLink):
        old.read(new.sign(CLAIMS))
    with pytest.raises(ForgedLink):
        new.read(new.sign(CLAIMS)[:-1] + "x")


def test_portal_keys_are_configured_or_derived_from_the_sealing_keys(tmp_path: Path) -> None:
    folder = tmp_path
    sealing = "rJRKeSDm86hXOWqeECK43oZlBptMC8mgTbNouOpj33I="
    assert signing_keys("a, b", sealing, folder / "unused.key") == [b"a", b"b"]
    derived = signing_keys("", sealing, folder / "unused.key")
    assert len(derived) == 1
    assert sealing.encode() not in derived[0]
    assert not (folder / "unused.key").exists()
    assert signing_keys("", "", folder / "made.key") == signing_keys("", "", folder / "made.key")


def test_a_period_is_days_or_moments_in_order_and_not_too_long() -> None:
    assert parse_moment("2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_moment("2026-03-01T10:00:00+01:00") == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert parse_moment("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_moment("March") is None
    assert parse_moment("0001-01-01T00:00:00+01:00") is None
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert period_problem(start, start + timedelta(days=31)) is None
    assert period_problem(start, start) is not None
    assert period_problem(start, start + timedelta(days=4000)) is not None


def test_a_look_is_worth_logging_once_an_hour() -> None:
    assert worth_logging(None, NOW)
    assert not worth_logging(NOW, NOW)
    assert not worth_logging(NOW - timedelta(minutes=59, seconds=59), NOW)
    assert worth_logging(NOW - timedelta(hours=1), NOW)


def test_three_open_sessions_are_the_most_a_link_books_to() -> None:
    assert booking_refusal(0) is None
    assert booking_refusal(2) is None
    assert "move one" in (booking_refusal(3) or "")


def test_a_picked_time_starts_in_the_coming_year_and_lasts_a_working_day_at_most() -> None:
    def problem(start: timedelta, length: timedelta) -> TimeProblem | None:
        begins = NOW + start
        return time_problem(begins, begins + length, NOW, start_field="s", end_field="e")

    hour = timedelta(hours=1)
    assert problem(hour, 2 * hour) is None
    assert problem(timedelta(days=365), 8 * hour) is None
    assert problem(timedelta(0), hour) == TimeProblem("s", "must be in the future")
    assert problem(-hour, hour) == TimeProblem("s", "must be in the future")
    assert problem(timedelta(days=365, seconds=1), hour) == TimeProblem(
        "s", "must be within 365 days from now"
    )
    assert problem(hour, timedelta(0)) == TimeProblem("e", "must be after s")
    assert problem(hour, 8 * hour + timedelta(seconds=1)) == TimeProblem(
        "e", "must be at most 8 hours after s"
    )


def test_a_move_request_is_pending_while_open_and_the_session_unchanged_since() -> None:
    asked = MoveRequest(move_wanted("s-1", "a", "b", "note"), "open", NOW)
    assert move_pending([asked], "s-1", NOW - timedelta(minutes=1))
    assert move_pending([asked], "s-1", NOW)
    assert not move_pending([asked], "s-1", NOW + timedelta(minutes=1))  # moved since
    assert not move_pending([asked], "s-12", NOW - timedelta(minutes=1))
    closed = MoveRequest(asked.description, "completed", NOW)
    assert not move_pending([closed], "s-1", NOW - timedelta(minutes=1))


def test_a_decision_is_already_made_when_the_latest_is_the_customers_same_one() -> None:
    assert already_decided([("rejected", "customer")], "rejected")
    assert not already_decided([], "accepted")
    assert not already_decided([("rejected", "customer")], "accepted")
    assert not already_decided([("accepted", "customer"), ("rejected", "customer")], "accepted")
    assert not already_decided([("accepted", "IT manager")], "accepted")
