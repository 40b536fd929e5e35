"""The pure rules of the customer portal's links and of the KPI report's query, and the
link signer on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from order_completion.portal.rules import (
    LinkClaims,
    Refusal,
    name_problem,
    next_generation,
    refusal,
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
