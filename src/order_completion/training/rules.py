"""Pure rules of the training step: when is the customer trained."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def missing_mandatory(mandatory: Sequence[str], completed_topics: Iterable[str]) -> list[str]:
    covered = set(completed_topics)
    return [topic for topic in mandatory if topic not in covered]


def training_done(
    mandatory: Sequence[str], completed_sessions_topics: Sequence[Sequence[str]]
) -> bool:
    """Done when every mandatory topic has a completed session; with no mandatory topic,
    when one session has been completed."""
    if not completed_sessions_topics:
        return False
    covered = [topic for topics in completed_sessions_topics for topic in topics]
    return not missing_mandatory(mandatory, covered)
